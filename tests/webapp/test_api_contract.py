"""The API as a contract: schemathesis fuzzes every operation of webapp/api/openapi.json on a
live server (a real HTTP server in a thread, its own temporary data folder, the built-in sample
plus a small table, a completed run on each) and checks every answer: no server error, a status
the document lists for the operation, its content type, a body that matches the schema.

Trainings stay tiny: the fuzzer works from a copy of the document whose POST /api/runs body
allows at most 2 layers of 16 units, 2 epochs and no added pen digits, and the server's own
limits say the same (``LIMITS``), so a generated body outside them gets a 400. The served
document keeps the real limits. Deleting the sample is allowed: the server is this module's.
"""
import copy
import io
import json
import os
import urllib.request

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from tests.conftest import blobs_csv
from tests.helpers import serving, wait_for_run
from webapp import create_app
from webapp.api.openapi import DOCUMENT

METHODS = {"get", "put", "post", "delete", "patch"}
# Generated requests per operation and mode: about 500 in all, the same ones each run. For a
# deeper, different search: CONTRACT_EXAMPLES=300 pytest tests/webapp/test_api_contract.py
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
TINY = {"hidden_layers": {"type": "array", "maxItems": 2,
                          "items": {"type": "integer", "minimum": 1, "maximum": 16}},
        "epochs": {"type": "integer", "minimum": 1, "maximum": 2},
        "synthetic_digits": {"const": 0}, "pen_digits": {"const": 0},
        "conv_filters": {"type": "array", "maxItems": 0}}
SERVER_LIMITS = {"max_layers": 2, "max_layer_size": 16, "max_epochs": 2}
TINY_RUN = {"hidden_layers": [8], "epochs": 2, "batch_size": 256, "synthetic_digits": 0,
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
    """The server under test with the sample, a table and a completed run on each."""
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("contract") / "data"),
                      "REGISTER_SAMPLE": True, "LIMITS": SERVER_LIMITS})
    with serving(app) as base_url:
        table = _upload(base_url, "blobs.csv", blobs_csv())
        for dataset in _json(base_url, "GET", "/api/datasets")["datasets"]:
            run = _json(base_url, "POST", "/api/runs", {"dataset_id": dataset["id"], **TINY_RUN})
            ended = wait_for_run(lambda i: _json(base_url, "GET", f"/api/runs/{i}"), run["id"], 120)
            assert ended["status"] == "completed", ended
        assert table["n_samples"] == 60
        yield base_url


def fuzzing_document(document):
    """A copy of the document whose run requests are tiny trainings."""
    document = copy.deepcopy(document)
    settings_schema = document["components"]["schemas"]["RunRequest"]
    settings_schema["properties"].update(TINY)
    return document


@pytest.fixture(scope="module")
def api_schema(contract_server):
    document = _json(contract_server, "GET", "/api/openapi.json")
    schema = schemathesis.openapi.from_dict(fuzzing_document(document))
    schema.config.update(base_url=contract_server)
    return schema


def _operations():
    """``[(method, path, can_be_negated)]`` of the checked-in document, for parametrizing:
    an operation without a body or a parameter that a value can violate (any text is a valid
    upload id) has no negative cases."""
    document = json.loads(DOCUMENT.read_text())
    return [(method.upper(), path,
             "requestBody" in operation or any(
                 p["schema"] != {"type": "string"}
                 for p in item.get("parameters", []) + operation.get("parameters", [])))
            for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


CASES = [(method, path, mode) for method, path, negatable in _operations()
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if negatable or mode is GenerationMode.POSITIVE]


@pytest.mark.parametrize("method, path, mode", CASES,
                         ids=[f"{m} {p} {mode.value}" for m, p, mode in CASES])
def test_every_operation_keeps_the_contract(api_schema, method, path, mode):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize="CONTRACT_EXAMPLES" not in os.environ,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def keeps_the_contract(case):
        case.call_and_validate(checks=CHECKS)

    keeps_the_contract()
