"""The shape of the house: imports point one way, nncore never needs the web app, modules stay
small enough to read in one sitting."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("nncore", "webapp")
MAX_LINES = 400


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
