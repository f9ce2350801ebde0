"""The API as a contract: schemathesis fuzzes every operation of webapp/api/openapi.json on a
live server (a real HTTP server in a thread with its own temporary data folder, holding the
built-in sample and two small uploads with a completed run and a share link each) and checks
every answer: no server error, a status the document lists for the operation, its content
type, a body that matches the schema. Three modes (``MODES``): a server on loopback without
sign-in; a server that requires sign-in, signed out (every operation but sign-in, health and
share links must answer 401); the same server signed in with the API token of the account
that owns what it holds. The operations are read from the document, so a route added to it is
fuzzed from then on.

Trainings stay tiny: the fuzzer works from a copy of the document whose POST /api/runs body
allows at most 2 layers of 16 units, 2 epochs and no added pen digits, and the server's own
limits say the same (``LIMITS``), so a generated body outside them gets a 400. The served
document keeps the real limits. DELETE never picks the fixture's datasets and runs, so the
other operations keep meeting them; whatever the fuzzing itself made it may delete.
"""
import copy
import io
import json
import os
import re
import urllib.error
import urllib.request

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from tests.conftest import bars_csv, blobs_csv
from tests.helpers import serving, wait_for_run
from webapp import create_app
from webapp.services import accounts, signin
from webapp.api.openapi import DOCUMENT

METHODS = {"get", "put", "post", "delete", "patch"}
# Generated requests per operation and mode: about 1,400 in all over the three modes, the same
# ones each run. For a deeper, different search: CONTRACT_EXAMPLES=300 pytest tests/webapp/test_api_contract.py
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "10"))
KNOWN_EXAMPLES = max(1, EXAMPLES * 2 // 3)
SIGNED_OUT_EXAMPLES = max(1, EXAMPLES // 2)
KNOWN = {"sample": {"dataset_id"}, "table": {"dataset_id", "run_id", "token"},
         "pictures": {"dataset_id", "run_id", "token"}}
# The server on loopback without sign-in; one that requires it, without an account and with
# the API token of the account that owns what it holds.
MODES = ("open", "signed out", "signed in")
# What a server that requires sign-in answers without an account (the rest: 401).
OPEN_PATHS = ("/api/health", "/api/session", "/api/shared/")
OWNER, PASSWORD = "contract owner", "contract password"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
TINY = {"hidden_layers": {"type": "array", "maxItems": 2,
                          "items": {"type": "integer", "minimum": 1, "maximum": 16}},
        "epochs": {"type": "integer", "minimum": 1, "maximum": 2},
        "synthetic_digits": {"const": 0}, "pen_digits": {"const": 0},
        "conv_filters": {"type": "array", "maxItems": 0}}
SERVER_LIMITS = {"max_layers": 2, "max_layer_size": 16, "max_epochs": 2}
TINY_RUN = {"hidden_layers": [8], "epochs": 1, "batch_size": 256, "synthetic_digits": 0,
            "pen_digits": 0}


def _request(base_url, method, path, data, headers):
    request = urllib.request.Request(base_url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(io.TextIOWrapper(response))


def _json(base_url, method, path, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    return _request(base_url, method, path, data,
                    {"Content-Type": "application/json", **(headers or {})})


def _upload(base_url, name, text, headers=None):
    boundary = "contract-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\""
            f"\r\nContent-Type: text/csv\r\n\r\n{text}\r\n--{boundary}--\r\n").encode()
    return _request(base_url, "POST", "/api/datasets", body, {
        "Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})})


def _fill(base_url, headers):
    """Two small uploads with a completed run and a share link each, made by whoever
    ``headers`` sign in; returns ``known`` (see :func:`open_server`)."""
    call = lambda method, path, body=None: _json(base_url, method, path, body, headers)
    sample = call("GET", "/api/datasets")["datasets"][0]
    known = {"sample": {"dataset_id": sample["id"]}}
    for kind, csv in (("table", blobs_csv()), ("pictures", bars_csv())):
        dataset = _upload(base_url, f"{kind}.csv", csv, headers)
        run = call("POST", "/api/runs", {"dataset_id": dataset["id"], **TINY_RUN})
        ended = wait_for_run(lambda i: call("GET", f"/api/runs/{i}"), run["id"], 60)
        assert ended["status"] == "completed", ended
        link = call("POST", f"/api/runs/{run['id']}/shares")
        known[kind] = {"dataset_id": dataset["id"], "run_id": run["id"],
                       "token": link["url"].rsplit("/", 1)[1]}
        known[f"{kind} link"] = {"link_id": link["id"]}
    assert sample["source"] == "builtin" and dataset["image"]["height"] == 8
    return known


def _app(tmp_path_factory, **config):
    return create_app({"DATA_DIR": str(tmp_path_factory.mktemp("contract") / "data"),
                       "REGISTER_SAMPLE": True, "LIMITS": SERVER_LIMITS,
                       "TRAINING_PROCESSES": False, **config})


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    """A server on loopback without sign-in and what it holds: ``(base_url, known, headers)``,
    ``known`` naming the built-in sample and two small uploads, a table and 8x8 pictures,
    with a completed run and a share link on each: ``{"sample": {"dataset_id": 1}, "table":
    {"dataset_id": 2, "run_id": 1, "token": "..."}, "pictures": {...}, "table link":
    {"link_id": 1}, "pictures link": {...}}`` (DELETE leaves them all alone). Trainings run
    in threads (no child process to start: the contract is about HTTP)."""
    app = _app(tmp_path_factory)
    with serving(app) as base_url:
        yield base_url, _fill(base_url, {}), {}


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    """A server that requires sign-in, holding the same as :func:`open_server`, all owned by
    one (not admin) account: ``(base_url, known, headers)``, ``headers`` carrying that
    account's API token. A token, not a session: the fuzzer's sign-ins with wrong passwords
    slow down further sign-ins from this address, never a token."""
    app = _app(tmp_path_factory, AUTH_REQUIRED=True)
    with app.app_context():
        token = signin.create_token(accounts.add_user(OWNER, PASSWORD), "contract")
    headers = {"Authorization": f"Bearer {token['token']}"}
    with serving(app) as base_url:
        known = _fill(base_url, headers)
        known["token"] = {"token_id": token["id"]}
        yield base_url, known, headers


def fuzzing_document(document):
    """A copy of the document whose run requests are tiny trainings."""
    document = copy.deepcopy(document)
    settings_schema = document["components"]["schemas"]["RunRequest"]
    settings_schema["properties"].update(TINY)
    return document


@pytest.fixture(scope="module")
def api_schemas():
    """The fuzzing schema of each live server, by base URL (loaded once)."""
    return {}


def _schema(schemas, base_url, headers):
    if base_url not in schemas:
        schema = schemathesis.openapi.from_dict(
            fuzzing_document(_json(base_url, "GET", "/api/openapi.json", headers=headers)))
        schema.config.update(base_url=base_url)
        schemas[base_url] = schema
    return schemas[base_url]


def _operations():
    """``[(method, path, can_be_negated)]`` of the checked-in document, for parametrizing:
    an operation without a body or a parameter that a value can violate (any text is a valid
    upload id or share token) has no negative cases."""
    document = json.loads(DOCUMENT.read_text())
    resolve = lambda p: document["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] \
        if "$ref" in p else p
    return [(method.upper(), path,
             "requestBody" in operation or any(
                 resolve(p)["schema"] != {"type": "string"}
                 for p in item.get("parameters", []) + operation.get("parameters", [])))
            for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def _cases():
    """Each operation in each mode with generated ids, positive and negative (signed out:
    positive only, nearly every answer is a 401); each operation on ids (but DELETE) once
    more on each known dataset, run and share link that has them, so that answers about
    things that exist are checked too."""
    cases = []
    for mode in MODES:
        for method, path, negatable in _operations():
            cases.append((mode, method, path, GenerationMode.POSITIVE, None))
            if negatable and mode != "signed out":
                cases.append((mode, method, path, GenerationMode.NEGATIVE, None))
            ids = set(re.findall(r"{(\w+_id|token)}", path))
            if ids and method != "DELETE":
                cases += [(mode, method, path, GenerationMode.POSITIVE, kind)
                          for kind, names in KNOWN.items() if ids <= names]
    return cases


def _strategy(operation, mode, known, target):
    if target is not None:
        ids = {name: value for name, value in known[target].items()
               if f"{{{name}}}" in operation.path}
        return operation.as_strategy(generation_mode=mode, path_parameters=ids)
    strategy = operation.as_strategy(generation_mode=mode)
    if operation.method.upper() == "DELETE":
        # The fixture's datasets, runs, links and token stay for the other operations; DELETE
        # meets the ones the fuzzing made (and ids that name nothing).
        kept = [(name, value) for ids in known.values() for name, value in ids.items()]
        strategy = strategy.filter(lambda case: not any(
            (case.path_parameters or {}).get(name) == value for name, value in kept))
    return strategy


CASES = _cases()


@pytest.mark.parametrize("auth, method, path, mode, target", CASES, ids=[
    f"{auth}: {m} {p} {mode.value}{'' if target is None else ' on the ' + target}"
    for auth, m, p, mode, target in CASES])
def test_every_operation_keeps_the_contract(request, api_schemas, auth, method, path, mode,
                                           target):
    base_url, known, headers = request.getfixturevalue(
        "open_server" if auth == "open" else "auth_server")
    operation = _schema(api_schemas, base_url, headers)[path][method]
    headers = headers if auth == "signed in" else {}
    examples = (EXAMPLES if auth != "signed out" else SIGNED_OUT_EXAMPLES) if target is None \
        else KNOWN_EXAMPLES

    @given(case=_strategy(operation, mode, known, target))
    @settings(max_examples=examples, deadline=None,
              database=None, derandomize="CONTRACT_EXAMPLES" not in os.environ,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def keeps_the_contract(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        if auth == "signed out" and not path.startswith(OPEN_PATHS):
            assert response.status_code == 401, (case.method, case.formatted_path)

    keeps_the_contract()


def test_the_signed_in_fuzzing_meets_the_owners_things_and_signed_out_only_share_links(
        auth_server):
    """The fixture is what the modes need: the token's account owns the runs (so signed in,
    the fuzzer meets real things, not 404s), signed out only a share link shows them."""
    base_url, known, headers = auth_server
    run_id, token = known["table"]["run_id"], known["table"]["token"]
    assert _json(base_url, "GET", f"/api/runs/{run_id}", headers=headers)["id"] == run_id
    assert _json(base_url, "GET", "/api/session", headers=headers)["name"] == OWNER
    with pytest.raises(urllib.error.HTTPError) as refused:
        _json(base_url, "GET", f"/api/runs/{run_id}")
    refused.value.close()
    assert refused.value.code == 401
    shared = _json(base_url, "GET", f"/api/shared/{token}")
    assert (shared["id"], shared["status"], shared["worker"]) == (run_id, "completed", None)
