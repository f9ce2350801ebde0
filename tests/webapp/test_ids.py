"""Ids beyond SQLite's INTEGER range (2**63 and up) are answered like ids that do not exist:
on every route that takes one, API and pages alike, for every method the route has (read from
the app's url_map, so a route added later is covered), and where ids come in a query string
or a JSON body."""
import re
import tempfile

import pytest

from werkzeug.routing import IntegerConverter

from webapp import create_app
from webapp.ids import MAX_ID, IdConverter, at_most, whole_number

TOO_LARGE = [str(2**63), "99999999999999999999999", "1" * 5000]
WORKER_HEADERS = {"Authorization": "Bearer test-token", "X-Worker": "test:1"}


def id_routes(app):
    """``[(rule, method)]`` for every route with an ``<int:...>`` id."""
    return [(rule.rule, method)
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def pytest_generate_tests(metafunc):
    if "id_route" in metafunc.fixturenames:
        with tempfile.TemporaryDirectory() as folder:
            app = create_app({"DATA_DIR": folder, "REGISTER_SAMPLE": False})
            routes = id_routes(app)
            app.extensions["jobs"].shutdown(wait=True)
        metafunc.parametrize("id_route", routes, ids=[f"{m} {r}" for r, m in routes])


def with_ids(rule, value):
    """The rule's path with every argument (ids, and the odd text argument) set to ``value``."""
    return re.sub(r"<(?:[^>:]*:)?[^>]*>", value, rule)


@pytest.fixture(scope="module")
def id_client(tmp_path_factory):
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("ids") / "data"),
                      "REGISTER_SAMPLE": False, "WORKER_TOKEN": "test-token"})
    yield app.test_client()
    app.extensions["jobs"].shutdown(wait=True)


def _call(client, method, url):
    body = {} if method in ("POST", "PUT", "PATCH") else None
    # the worker's token only where the worker API reads it: elsewhere it is no API token
    headers = WORKER_HEADERS if url.startswith("/api/worker/") else {}
    return client.open(url, method=method, json=body, headers=headers)


def test_the_routes_the_issue_names_are_covered(id_client):
    routes = id_routes(id_client.application)
    for expected in [("/api/runs/<int:run_id>", "GET"), ("/api/runs/<int:run_id>/report", "GET"),
                     ("/api/runs/<int:run_id>/predict", "POST"),
                     ("/api/runs/<int:run_id>/model", "GET"),
                     ("/api/datasets/<int:dataset_id>", "GET"),
                     ("/api/datasets/<int:dataset_id>", "DELETE"),
                     ("/runs/<int:run_id>", "GET"), ("/datasets/<int:dataset_id>", "GET")]:
        assert expected in routes
    converters = {type(c) for rule in id_client.application.url_map.iter_rules()
                  for c in rule._converters.values() if isinstance(c, IntegerConverter)}
    assert converters == {IdConverter}


@pytest.mark.parametrize("value", TOO_LARGE, ids=["2**63", "23 digits", "5000 digits"])
def test_an_id_too_large_for_sqlite_is_not_found(id_client, id_route, value):
    rule, method = id_route
    missing = _call(id_client, method, with_ids(rule, str(MAX_ID)))
    response = _call(id_client, method, with_ids(rule, value))
    assert response.status_code == 404
    if rule.startswith("/api/"):
        assert response.get_json()["error"].startswith("not found: /api/")
    else:       # the product's page, as for an id in range that names nothing
        assert missing.status_code == 404
        assert "<h1>Not found</h1>" in response.get_data(as_text=True)
        assert "<h1>Not found</h1>" in missing.get_data(as_text=True)


@pytest.mark.parametrize("url, message", [
    ("/api/runs?dataset_id=99999999999999999999999", "dataset 99999999999999999999999 not found"),
    ("/api/runs?dataset_id=" + "9" * 5000, "dataset_id must be a whole number"),
    ("/api/runs?dataset_id=%C2%B2", "dataset_id must be a whole number"),   # "²" passes isdigit
    ("/api/runs?dataset_id=-1", "dataset_id must be a whole number"),
    ("/api/datasets/1/samples?per_class=%C2%B2", "per_class must be a whole number from 1 to 64"),
])
def test_ids_in_query_strings(id_client, url, message):
    response = id_client.get(url)
    assert response.status_code in (400, 404)
    assert message in response.get_json()["error"]


@pytest.mark.parametrize("dataset_id, status, message", [
    (2**63, 404, f"dataset {2**63} not found"),
    (str(2**70), 404, f"dataset {2**70} not found"),
    (-1, 404, "dataset -1 not found"),
    ("²", 400, "dataset_id must be a whole number"),
])
def test_a_dataset_id_in_a_run_request(id_client, dataset_id, status, message):
    response = id_client.post("/api/runs", json={"dataset_id": dataset_id})
    assert (response.status_code, response.get_json()) == (status, {"error": message})


@pytest.mark.parametrize("per_class", ["9" * 40, "9" * 5000, "0"])
def test_per_class_out_of_range_is_refused(client, bars, per_class):
    response = client.get(f"/api/datasets/{bars}/samples?per_class={per_class}")
    assert response.status_code == 400
    assert response.get_json() == {"error": "per_class must be a whole number from 1 to 64"}


def test_the_id_pattern_matches_exactly_the_numbers_sqlite_holds():
    pattern = re.compile(at_most(MAX_ID))
    for number in [0, 1, 9, 10, 10**18, MAX_ID - 1, MAX_ID, MAX_ID + 1, MAX_ID + 10, 10**19,
                   9223372036854775799, 9223372036854775900, 2**64]:
        assert bool(pattern.fullmatch(str(number))) == (number <= MAX_ID), number
    assert pattern.fullmatch("000" + str(MAX_ID)) and not pattern.fullmatch("-1")
    small = re.compile(at_most(105))
    assert [n for n in range(1000) if small.fullmatch(str(n))] == list(range(106))


def test_whole_number_reads_ascii_digits_only():
    assert [whole_number(t) for t in ["0", "0042", "²", "١", "-1", "1.0", "", None]] == \
        [0, 42, None, None, None, None, None, None]
    assert whole_number("9" * 40) == 10**40 - 1 and whole_number("9" * 5000) is None
