"""The shape of the house: imports point one way, nncore never needs the web app, SQL lives in
the stores, modules stay small enough to read in one sitting."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("nncore", "webapp")
MAX_LINES = 400
#: the modules that may talk to SQLite: the stores (one per table) and the connection handling
SQL_OWNERS = ("webapp.db", "webapp.stores")
#: text that starts like an SQL statement (upper case, as this code writes SQL); the HTTP
#: method "DELETE", alone or before a path, does not count
SQL_TEXT = re.compile(
    r"\s*(SELECT\s|(INSERT|REPLACE)\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s"
    r"|(CREATE|ALTER|DROP)\s+(TEMP\s+|UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)\s|PRAGMA\s"
    r"|BEGIN(\s+\w+)?\s*$|COMMIT\s*$|ROLLBACK\s*$)")
SQL_CALLS = {"execute", "executemany", "executescript"}
#: what a connection or cursor is called here: ``db.execute`` is SQL, ``huey.execute`` is not
CONNECTION_NAMES = {"db", "conn", "connection", "cursor", "cur", "get_db", "connect"}


def modules():
    """{dotted module name: path} for every module of our packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name, path, known):
    """Our modules that ``name`` imports, anywhere in its body (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def find_cycle(graph):
    """One import cycle as a list of modules, or None (depth-first search, three colours)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def graph():
    known = modules()
    # A package's __init__ re-exporting its modules is not a dependency of those modules on it.
    return {name: {t for t in imports_of(name, path, known) if not name.startswith(t + ".")}
            for name, path in known.items()}


def test_no_import_cycles():
    assert find_cycle(graph()) is None, " -> ".join(find_cycle(graph()))


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_nncore_never_imports_the_web_app_or_flask():
    known = modules()
    for name, path in known.items():
        if name.startswith("nncore"):
            source = path.read_text()
            assert "import flask" not in source and "from flask" not in source, name
            assert not any(t.startswith("webapp") for t in imports_of(name, path, known)), name


def _called_name(node):
    """``db`` for ``db``, ``self._db``, ``get_db()`` and ``sqlite3.connect(...)``; else None."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr.strip("_")
    if isinstance(node, ast.Name):
        return node.id.strip("_")
    return None


def _runs_sql(node):
    """Whether ``node`` is a call that runs SQL: ``.execute`` on something named like a
    connection (:data:`CONNECTION_NAMES`), ``.executemany``/``.executescript`` on anything."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr in SQL_CALLS \
        and (node.func.attr != "execute" or _called_name(node.func.value) in CONNECTION_NAMES)


def _imports_a_connection(node):
    """Whether ``node`` imports ``sqlite3`` or the connection itself (``get_db``, ``connect``)."""
    if isinstance(node, ast.Import):
        return any(alias.name == "sqlite3" for alias in node.names)
    return isinstance(node, ast.ImportFrom) and (
        node.module == "sqlite3" or node.module == "webapp.db"
        and any(alias.name in ("get_db", "connect") for alias in node.names))


def sql_in(source):
    """Where ``source`` (Python text) touches SQLite: ``[(line, what), ...]``.

    SQL text in a string (parts of f-strings included), a call that runs SQL, an import of
    ``sqlite3`` or of the connection. ``webapp.db.transaction`` is allowed: it commits the
    stores' writes without knowing any table.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and SQL_TEXT.match(node.value):
            found.append((node.lineno, f"SQL text {node.value.strip()[:40]!r}"))
        elif _runs_sql(node):
            found.append((node.lineno, f"a call to .{node.func.attr}()"))
        elif _imports_a_connection(node):
            found.append((node.lineno, "an import of the database connection"))
    return sorted(found)


def test_sql_lives_in_the_stores():
    offenders = {}
    for name, path in modules().items():
        if not any(name == owner or name.startswith(owner + ".") for owner in SQL_OWNERS):
            if found := sql_in(path.read_text()):
                offenders[name] = found
    assert not offenders, f"SQL outside webapp/stores/ (give it to its table's store): {offenders}"


def test_the_sql_detector_finds_sql():
    snippet = (
        "import sqlite3\n"
        "from webapp.db import get_db, now\n"
        "def f(db, sql, dataset_id):\n"
        "    db.execute(sql)\n"
        "    get_db().execute('SELECT * FROM datasets WHERE id = ?', (dataset_id,))\n"
        "    db.executescript(sql)\n"
        "    return f'UPDATE runs SET status = {sql}', 'DELETE FROM runs', 'COMMIT'\n"
    )
    assert [line for line, _ in sql_in(snippet)] == [1, 2, 4, 5, 5, 6, 7, 7, 7]
    clean = (
        "from webapp.db import now, transaction\n"
        "METHODS = {'POST', 'DELETE'}\n"
        "def f(huey, task):\n"
        "    '''Select the rows to update, then commit.'''\n"
        "    huey.execute(task)\n"
        "    return 'DELETE /api/datasets/1 removes one', 'CREATE a run'\n"
    )
    assert sql_in(clean) == []


def reachable(start, imports):
    """Every module ``start`` imports, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for target in imports[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_services_never_import_the_jobs_package():
    imports = graph()
    for name, targets in imports.items():
        if name.startswith("webapp.services"):
            jobs = sorted(t for t in targets if t == "webapp.jobs" or t.startswith("webapp.jobs."))
            assert not jobs, f"{name} imports {jobs}: the jobs package sits above the services"


def test_the_training_process_needs_nothing_of_the_server():
    """The child process is pure compute: no services, stores, database or Flask, even
    through the modules it imports."""
    imports = graph()
    server_side = sorted(t for t in reachable("webapp.jobs.process", imports)
                         if t.startswith(("webapp.services", "webapp.stores", "webapp.db",
                                          "webapp.api")))
    assert not server_side, f"webapp.jobs.process imports {server_side}"
    assert reachable("webapp.jobs.process", imports) >= {"webapp.jobs.messages"}


def test_the_import_checks_see_a_forbidden_import():
    imports = {"webapp.jobs.process": {"webapp.jobs.summary"},
               "webapp.jobs.summary": {"webapp.services.reports"}, "webapp.services.reports": set()}
    assert reachable("webapp.jobs.process", imports) == {"webapp.jobs.summary",
                                                         "webapp.services.reports"}


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_fit_in_one_read(name):
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it along a seam it has"


def test_public_api():
    from nncore import Model, Network, TrainConfig, fit, load_dataset, train
    assert callable(fit) and callable(train) and callable(load_dataset)
    assert all(isinstance(c, type) for c in (Model, Network, TrainConfig))
