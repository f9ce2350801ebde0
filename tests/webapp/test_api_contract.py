"""The API as a contract: schemathesis fuzzes every operation of webapp/api/openapi.json on a
live server (a real HTTP server in a thread with its own temporary data folder, holding the
built-in sample and two small uploads with a completed run each) and checks every answer: no
server error, a status the document lists for the operation, its content type, a body that
matches the schema. The operations are read from the document, so a route added to it is
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
from webapp.api.openapi import DOCUMENT

METHODS = {"get", "put", "post", "delete", "patch"}
# Generated requests per operation and mode: about 500 in all, the same ones each run. For a
# deeper, different search: CONTRACT_EXAMPLES=300 pytest tests/webapp/test_api_contract.py
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "10"))
KNOWN_EXAMPLES = max(1, EXAMPLES * 2 // 3)
KNOWN = {"sample": {"dataset_id"}, "table": {"dataset_id", "run_id"},
         "pictures": {"dataset_id", "run_id"}}
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


def _json(base_url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _upload(base_url, name, text):
    boundary = "contract-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\""
            f"\r\nContent-Type: text/csv\r\n\r\n{text}\r\n--{boundary}--\r\n").encode()
    request = urllib.request.Request(
        base_url + "/api/datasets", data=body, method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(io.TextIOWrapper(response))


@pytest.fixture(scope="module")
def contract_server(tmp_path_factory):
    """The server under test and what it holds: ``(base_url, known)``, ``known`` naming the
    built-in sample and two small uploads, a table and 8x8 pictures, with a completed run on
    each: ``{"sample": {"dataset_id": 1}, "table": {"dataset_id": 2, "run_id": 1},
    "pictures": {...}}``. Trainings run in threads (no child process to start: the contract
    is about HTTP)."""
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("contract") / "data"),
                      "REGISTER_SAMPLE": True, "LIMITS": SERVER_LIMITS,
                      "TRAINING_PROCESSES": False})
    with serving(app) as base_url:
        sample = _json(base_url, "GET", "/api/datasets")["datasets"][0]
        known = {"sample": {"dataset_id": sample["id"]}}
        for kind, csv in (("table", blobs_csv()), ("pictures", bars_csv())):
            dataset = _upload(base_url, f"{kind}.csv", csv)
            run = _json(base_url, "POST", "/api/runs", {"dataset_id": dataset["id"], **TINY_RUN})
            ended = wait_for_run(lambda i: _json(base_url, "GET", f"/api/runs/{i}"), run["id"], 60)
            assert ended["status"] == "completed", ended
            known[kind] = {"dataset_id": dataset["id"], "run_id": run["id"]}
        assert sample["source"] == "builtin" and dataset["image"]["height"] == 8
        yield base_url, known


def fuzzing_document(document):
    """A copy of the document whose run requests are tiny trainings."""
    document = copy.deepcopy(document)
    settings_schema = document["components"]["schemas"]["RunRequest"]
    settings_schema["properties"].update(TINY)
    return document


@pytest.fixture(scope="module")
def api_schema(contract_server):
    base_url, _ = contract_server
    schema = schemathesis.openapi.from_dict(
        fuzzing_document(_json(base_url, "GET", "/api/openapi.json")))
    schema.config.update(base_url=base_url)
    return schema


def _operations():
    """``[(method, path, can_be_negated)]`` of the checked-in document, for parametrizing:
    an operation without a body or a parameter that a value can violate (any text is a valid
    upload id) has no negative cases."""
    document = json.loads(DOCUMENT.read_text())
    return [(method.upper(), path,
             "requestBody" in operation or any(
                 p.get("schema") != {"type": "string"}     # a $ref: an id parameter
                 for p in item.get("parameters", []) + operation.get("parameters", [])))
            for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def _cases():
    """Each operation with generated ids, positive and negative; each operation on ids (but
    DELETE) once more on each known dataset and run that has them, so that answers about
    things that exist are checked too."""
    cases = []
    for method, path, negatable in _operations():
        cases.append((method, path, GenerationMode.POSITIVE, None))
        if negatable:
            cases.append((method, path, GenerationMode.NEGATIVE, None))
        ids = set(re.findall(r"{(\w+_id)}", path))
        if ids and method != "DELETE":
            cases += [(method, path, GenerationMode.POSITIVE, kind)
                      for kind, names in KNOWN.items() if ids <= names]
    return cases


def _strategy(operation, mode, known, target):
    if target is not None:
        ids = {name: value for name, value in known[target].items()
               if f"{{{name}}}" in operation.path}
        return operation.as_strategy(generation_mode=mode, path_parameters=ids)
    strategy = operation.as_strategy(generation_mode=mode)
    if operation.method.upper() == "DELETE":
        # The fixture's datasets and runs stay for the other operations; DELETE meets the
        # ones the fuzzing made (and ids that name nothing).
        kept = [(name, value) for ids in known.values() for name, value in ids.items()]
        strategy = strategy.filter(lambda case: not any(
            (case.path_parameters or {}).get(name) == value for name, value in kept))
    return strategy


CASES = _cases()


@pytest.mark.parametrize("method, path, mode, target", CASES, ids=[
    f"{m} {p} {mode.value}{'' if target is None else ' on the ' + target}"
    for m, p, mode, target in CASES])
def test_every_operation_keeps_the_contract(contract_server, api_schema, method, path, mode,
                                           target):
    operation = api_schema[path][method]

    @given(case=_strategy(operation, mode, contract_server[1], target))
    @settings(max_examples=EXAMPLES if target is None else KNOWN_EXAMPLES, deadline=None,
              database=None, derandomize="CONTRACT_EXAMPLES" not in os.environ,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def keeps_the_contract(case):
        case.call_and_validate(checks=CHECKS)

    keeps_the_contract()
