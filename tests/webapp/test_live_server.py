"""The live_server fixture the browser tests use: a real HTTP server with the sample ready."""
import json
import urllib.error
import urllib.request


def _request(url, method="GET", body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_live_server_serves_the_api_with_the_sample(live_server):
    assert _request(f"{live_server}/api/health") == (200, {"status": "ok"})
    status, body = _request(f"{live_server}/api/datasets")
    assert status == 200
    assert [d["source"] for d in body["datasets"]] == ["builtin"]


def test_live_server_checks_the_origin_against_its_host(live_server):
    dataset_id = _request(f"{live_server}/api/datasets")[1]["datasets"][0]["id"]
    assert _request(f"{live_server}/api/runs", "POST", {"dataset_id": dataset_id, "epochs": 0},
                    {"Origin": "http://evil.example"}) == (403, {"error": "cross-site request refused"})
    status, body = _request(f"{live_server}/api/runs", "POST",
                            {"dataset_id": dataset_id, "epochs": 0}, {"Origin": live_server})
    assert status == 400 and "epochs" in body["error"]
