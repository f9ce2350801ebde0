"""The OpenAPI document (webapp/api/openapi.json) stays in step with the app: every /api route
is documented with exactly its methods and path parameters, nothing documented is missing from
the app, it is valid OpenAPI 3.1, and every error it lists has the one error shape. The worker
API (/api/worker/..., for remote workers) is deliberately left out of it."""
import json
import re

import jsonschema_rs
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31

from webapp.api.openapi import DOCUMENT

UNDOCUMENTED = ("/api/worker/",)
METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def document():
    return json.loads(DOCUMENT.read_text())


def app_routes(app):
    """``{"/api/runs/{run_id}": {"get", "delete"}, ...}`` from the url_map."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule.startswith(UNDOCUMENTED):
            continue
        path = re.sub(r"<(?:[^>:]*:)?([^>]*)>", r"{\1}", rule.rule)
        routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def documented_routes(document):
    return {path: {m for m in item if m in METHODS} for path, item in document["paths"].items()}


def test_the_server_serves_the_document(client, document):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == document


def _differences(routes, documented):
    """What to fix, e.g. ``["undocumented: POST /api/runs/{run_id}/onnx"]``."""
    problems = []
    for path in sorted(set(routes) | set(documented)):
        for method in sorted(routes.get(path, set()) - documented.get(path, set())):
            problems.append(f"undocumented (add it to webapp/api/openapi.json): "
                            f"{method.upper()} {path}")
        for method in sorted(documented.get(path, set()) - routes.get(path, set())):
            problems.append(f"documented but not served: {method.upper()} {path}")
    return problems


def test_every_api_route_is_documented_with_its_methods(app, document):
    assert _differences(app_routes(app), documented_routes(document)) == []


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    errors = [str(e) for e in jsonschema_rs.Draft202012Validator(OPENAPI_31).iter_errors(document)]
    assert errors == []


def _operations(document):
    for path, item in document["paths"].items():
        for method in METHODS & set(item):
            yield path, method, item[method], item.get("parameters", [])


def test_path_parameters_are_declared_as_in_the_route(document):
    for path, method, operation, shared in _operations(document):
        parameters = [_resolve(document, p) for p in shared + operation.get("parameters", [])]
        declared = {p["name"] for p in parameters if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)


def _resolve(document, item):
    while "$ref" in item:
        *_, section, name = item["$ref"].split("/")
        item = document["components"][section][name]
    return item


def test_every_error_response_is_the_error_shape(document):
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, operation, _ in _operations(document):
        codes = set(operation["responses"])
        assert codes & {"200", "201", "202"}, (method, path)
        for code in codes - {"200", "201", "202"}:
            response = _resolve(document, operation["responses"][code])
            assert response["content"] == {"application/json": {"schema": error}}, (method, path, code)
        if "requestBody" in operation and "application/json" in operation["requestBody"]["content"]:
            assert {"400", "413"} <= codes, (method, path)     # not JSON / too large


def test_a_route_the_document_lacks_fails_the_check(app, document):
    trimmed = {**document, "paths": {p: i for p, i in document["paths"].items()
                                     if p != "/api/runs/{run_id}/report"}}
    extra = {**document, "paths": {**document["paths"], "/api/nowhere": {"get": {}}}}
    assert _differences(app_routes(app), documented_routes(trimmed)) == [
        "undocumented (add it to webapp/api/openapi.json): GET /api/runs/{run_id}/report"]
    assert _differences(app_routes(app), documented_routes(extra)) == [
        "documented but not served: GET /api/nowhere"]
