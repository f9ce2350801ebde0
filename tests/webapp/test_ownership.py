"""Each person's own work (issue 24): another account's dataset, run, model, prediction,
report, samples or upload is a 404 exactly like an id that does not exist, in the API and in
pages; lists show one's own; the built-in sample is everyone's to read (an admin's to change);
an admin sees all; share links show one run read-only until revoked; remote workers act for
the run's owner."""
import io
import threading

import pytest

from tests.conftest import bars_csv, blobs_csv
from tests.helpers import client_run_getter, wait_for_run
from webapp.services import accounts, ownership
from webapp.stores import datasets as dataset_store
from webapp.stores import runs as run_store
from webapp.viewer import SYSTEM

PASSWORD = "correct horse battery"
TINY = {"hidden_layers": [4], "epochs": 3, "batch_size": 16, "validation_split": 0.25, "seed": 0}
VERTICAL = {"strokes": [[[100, 20], [100, 180]]], "width": 200, "height": 200, "line_width": 14}
MISSING = 987654


@pytest.fixture
def team(make_app):
    """An app with sign-in on and the sample registered; clients for ada, bob and the admin."""
    app = make_app(AUTH_REQUIRED=True, MAX_WORKERS=2, REGISTER_SAMPLE=True)
    clients = {}
    with app.app_context():
        for name, admin in (("root", True), ("ada", False), ("bob", False)):
            accounts.add_user(name, PASSWORD, admin)
    for name in ("root", "ada", "bob"):
        clients[name] = app.test_client()
        assert clients[name].post("/api/session", json={"name": name, "password": PASSWORD}) \
            .status_code == 200
    clients["app"] = app
    return clients


def upload(client, text, filename):
    response = client.post("/api/datasets", data={"file": (io.BytesIO(text.encode()), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def trained(client, dataset_id, **config):
    run_id = client.post("/api/runs", json={"dataset_id": dataset_id, **TINY, **config}) \
        .get_json()["id"]
    run = wait_for_run(client_run_getter(client), run_id)
    assert run["status"] == "completed", run["error"]
    return run_id


@pytest.fixture
def adas(team):
    """Ada's bars dataset and a completed run on it."""
    dataset_id = upload(team["ada"], bars_csv(), "ada-bars.csv")
    return dataset_id, trained(team["ada"], dataset_id)


def id_routes(dataset_id, run_id):
    """Every route that takes a dataset or run id: (method, path, JSON body or None)."""
    return [
        ("GET", f"/api/datasets/{dataset_id}", None),
        ("PATCH", f"/api/datasets/{dataset_id}", {"name": "mine now"}),
        ("DELETE", f"/api/datasets/{dataset_id}", None),
        ("GET", f"/api/datasets/{dataset_id}/samples", None),
        ("GET", f"/api/runs?dataset_id={dataset_id}", None),
        ("POST", "/api/runs", {"dataset_id": dataset_id, **TINY}),
        ("GET", f"/api/runs/{run_id}", None),
        ("POST", f"/api/runs/{run_id}/cancel", {}),
        ("POST", f"/api/runs/{run_id}/restart", {}),
        ("DELETE", f"/api/runs/{run_id}", None),
        ("POST", f"/api/runs/{run_id}/predict", {"features": [0.0] * 64}),
        ("POST", f"/api/runs/{run_id}/predict", VERTICAL),
        ("GET", f"/api/runs/{run_id}/row-form", None),
        ("POST", f"/api/runs/{run_id}/corrections", {**VERTICAL, "label": "1"}),
        ("GET", f"/api/runs/{run_id}/report", None),
        ("POST", f"/api/runs/{run_id}/gradcheck", {}),
        ("GET", f"/api/runs/{run_id}/model", None),
        ("GET", f"/api/runs/{run_id}/history.csv", None),
        ("GET", f"/api/runs/{run_id}/inside?sample=0", None),
        ("POST", f"/api/runs/{run_id}/inside", {"pixels": [0.0] * 64}),
        ("POST", f"/api/runs/{run_id}/shares", {}),
        ("GET", f"/api/runs/{run_id}/shares", None),
        ("GET", f"/datasets/{dataset_id}", None),
        ("GET", f"/runs/{run_id}", None),
    ]


def answer(client, method, path, body):
    with client.open(path, method=method, json=body) as response:
        return response.status_code, response.get_data(as_text=True)


def test_another_accounts_ids_get_the_same_404_as_missing_ones(team, adas):
    dataset_id, run_id = adas
    before = team["ada"].get(f"/api/runs/{run_id}").get_json()
    theirs = id_routes(dataset_id, run_id)
    missing = id_routes(MISSING, MISSING)
    for (method, path, body), (_, missing_path, _) in zip(theirs, missing):
        status, text = answer(team["bob"], method, path, body)
        expected_status, expected_text = answer(team["bob"], method, missing_path, body)
        assert status == expected_status == 404, (method, path, status, text)
        assert text == expected_text.replace(str(MISSING), str(dataset_id if "dataset" in path
                                                               else run_id)), (method, path)
    # nothing of Ada's was touched
    assert team["ada"].get(f"/api/runs/{run_id}").get_json() == before
    assert team["ada"].get(f"/api/datasets/{dataset_id}").get_json()["name"] == "ada-bars.csv"
    assert [r["id"] for r in team["ada"].get("/api/runs").get_json()["runs"]] == [run_id]
    with team["ada"].get(f"/api/runs/{run_id}/model") as model:
        assert model.status_code == 200


def test_a_session_cookie_of_another_account_acts_as_that_account_only(team, adas):
    dataset_id, _ = adas
    bobs = team["bob"].get_cookie("session").value
    other = team["app"].test_client()
    other.set_cookie("session", bobs)
    assert other.get(f"/api/datasets/{dataset_id}").status_code == 404
    assert other.get("/api/session").get_json()["name"] == "bob"
    # a tampered cookie is no session at all
    other.set_cookie("session", bobs[:-2] + ("AA" if not bobs.endswith("AA") else "BB"))
    assert other.get("/api/datasets").status_code == 401


def test_lists_show_ones_own_the_sample_is_everyones_and_an_admin_sees_all(team, adas):
    dataset_id, run_id = adas
    bobs = upload(team["bob"], blobs_csv(), "bob-blobs.csv")
    names = {who: [d["name"] for d in team[who].get("/api/datasets").get_json()["datasets"]]
             for who in ("ada", "bob", "root")}
    sample = team["app"].config["SAMPLE_NAME"]
    assert names == {"ada": [sample, "ada-bars.csv"], "bob": [sample, "bob-blobs.csv"],
                     "root": [sample, "ada-bars.csv", "bob-blobs.csv"]}
    assert team["bob"].get("/api/runs").get_json() == {"runs": []}
    assert [r["id"] for r in team["root"].get("/api/runs").get_json()["runs"]] == [run_id]
    assert team["root"].get(f"/api/runs/{run_id}/report").status_code == 200
    assert team["root"].get(f"/datasets/{bobs}").status_code == 200
    # the sample: everyone reads it and trains on it; only an admin changes it
    sample_id = next(d["id"] for d in team["bob"].get("/api/datasets").get_json()["datasets"]
                     if d["source"] == "builtin")
    assert team["bob"].get(f"/api/datasets/{sample_id}/samples?per_class=1").status_code == 200
    for method in ("PATCH", "DELETE"):
        refused = team["bob"].open(f"/api/datasets/{sample_id}", method=method,
                                   json={"name": "bob's now"})
        assert refused.status_code == 403
        assert refused.get_json()["error"] == ("the built-in sample is shared: only an admin "
                                               "can change or delete it")
    assert team["root"].patch(f"/api/datasets/{sample_id}",
                              json={"name": "Digits"}).status_code == 200


def test_an_upload_in_progress_is_its_uploaders_only(team):
    response = team["ada"].post("/api/datasets?progress=1", data={
        "file": (io.BytesIO(blobs_csv().encode()), "ada.csv")}, content_type="multipart/form-data")
    assert response.status_code == 202
    upload_id = response.get_json()["id"]
    done = wait_for_run(lambda _: team["ada"].get(f"/api/uploads/{upload_id}").get_json(),
                        upload_id, statuses={"completed", "failed"})
    assert done["status"] == "completed"
    assert team["bob"].get(f"/api/uploads/{upload_id}").status_code == 404
    dataset_id = done["dataset"]["id"]
    assert team["bob"].get(f"/api/datasets/{dataset_id}").status_code == 404
    assert team["ada"].get(f"/api/datasets/{dataset_id}").status_code == 200


def test_corrections_on_the_shared_sample_go_to_each_correctors_own_dataset(team):
    sample_id = next(d["id"] for d in team["ada"].get("/api/datasets").get_json()["datasets"]
                     if d["source"] == "builtin")
    derived = {}
    for who in ("ada", "bob"):
        run_id = trained(team[who], sample_id, synthetic_digits=0, pen_digits=0, augment=False)
        response = team[who].post(f"/api/runs/{run_id}/corrections",
                                  json={**VERTICAL, "label": "1"})
        assert response.status_code == 201, response.get_json()
        derived[who] = response.get_json()["dataset_id"]
    assert derived["ada"] != derived["bob"]
    assert team["bob"].get(f"/api/datasets/{derived['ada']}").status_code == 404
    for who in ("ada", "bob"):
        summary = team[who].get(f"/api/datasets/{derived[who]}").get_json()
        assert summary["parent_id"] == sample_id and summary["added_samples"] == 1


def test_a_share_link_shows_one_run_read_only_until_revoked(team, adas):
    dataset_id, run_id = adas
    made = team["ada"].post(f"/api/runs/{run_id}/shares")
    assert made.status_code == 201
    link = made.get_json()
    token = link["url"].rsplit("/", 1)[1]
    assert link["url"] == f"http://localhost/shared/{token}" and link["revoked"] is False
    anyone = team["app"].test_client()
    shown = anyone.get(f"/api/shared/{token}")
    assert shown.status_code == 200
    assert shown.get_json()["id"] == run_id and shown.get_json()["status"] == "completed"
    page = anyone.get(f"/shared/{token}").get_data(as_text=True)
    assert "read only" in page and "ada-bars.csv" in page and "cancel-run" not in page
    assert anyone.get(f"/api/shared/{token}/history.csv").data.startswith(b"epoch,cost")
    # the link opens that run only, and nothing else for its holder
    assert anyone.get(f"/api/runs/{run_id}").status_code == 401
    assert anyone.get(f"/api/datasets/{dataset_id}").status_code == 401
    assert team["bob"].delete(f"/api/shares/{link['id']}").status_code == 404
    assert [s["id"] for s in team["ada"].get(f"/api/runs/{run_id}/shares").get_json()["shares"]] \
        == [link["id"]]
    revoked = team["ada"].delete(f"/api/shares/{link['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["revoked"] is True
    gone = anyone.get(f"/api/shared/{token}")
    assert gone.status_code == 404
    assert gone.get_json() == {"error": "this share link does not exist or has been revoked"}
    assert anyone.get(f"/shared/{token}").status_code == 404
    assert anyone.get("/api/shared/made-up").status_code == 404


def test_two_people_upload_and_train_at_once(team):
    results, errors = {}, []

    def work(who, text):
        try:
            client = team["app"].test_client()
            client.post("/api/session", json={"name": who, "password": PASSWORD})
            dataset_id = upload(client, text, f"{who}.csv")
            results[who] = (dataset_id, trained(client, dataset_id))
        except Exception as exc:       # reported below, with the thread's name
            errors.append((who, exc))

    threads = [threading.Thread(target=work, args=(who, text)) for who, text in
               (("ada", blobs_csv(seed=1)), ("bob", blobs_csv(seed=2)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    for who, other in (("ada", "bob"), ("bob", "ada")):
        dataset_id, run_id = results[who]
        assert [r["id"] for r in team[who].get("/api/runs").get_json()["runs"]] == [run_id]
        assert team[other].get(f"/api/runs/{run_id}").status_code == 404
        assert team[who].get(f"/api/runs/{run_id}").get_json()["dataset_id"] == dataset_id


def test_remote_workers_keep_their_token_and_act_for_the_runs_owner(make_app):
    app = make_app(AUTH_REQUIRED=True, WORKER_TOKEN="a-worker-token", MAX_WORKERS=0)
    with app.app_context():
        for name in ("ada", "bob"):
            accounts.add_user(name, PASSWORD)
    people = {}
    for name in ("ada", "bob"):
        people[name] = app.test_client()
        people[name].post("/api/session", json={"name": name, "password": PASSWORD})
    adas = upload(people["ada"], bars_csv(), "ada.csv")
    bobs = upload(people["bob"], bars_csv(), "bob.csv")
    run_id = people["ada"].post("/api/runs", json={"dataset_id": adas, **TINY}).get_json()["id"]
    worker = app.test_client()          # no account: the worker API has its own token
    headers = {"Authorization": "Bearer a-worker-token", "X-Worker": "box:42"}
    assert worker.get("/api/worker/hello", headers=headers).status_code == 200
    assert worker.get(f"/api/worker/datasets/{adas}/arrays", headers=headers).status_code == 404
    claim = worker.post(f"/api/worker/runs/{run_id}/claim", headers=headers)
    assert claim.status_code == 200 and claim.get_json()["dataset"]["id"] == adas
    with worker.get(f"/api/worker/datasets/{adas}/arrays", headers=headers) as arrays:
        assert arrays.status_code == 200 and arrays.data[:2] == b"PK"
    # the worker trains Ada's run: Bob's dataset is not its to read
    refused = worker.get(f"/api/worker/datasets/{bobs}/arrays", headers=headers)
    assert refused.status_code == 404
    assert refused.get_json() == {"error": f"dataset {bobs} not found"}
    # the worker's token is no account for the rest of the API
    assert worker.get("/api/runs", headers=headers).status_code == 401
    assert people["ada"].get(f"/api/runs/{run_id}").get_json()["worker"] == "box:42"
    assert people["bob"].get(f"/api/runs/{run_id}").status_code == 404


def test_removing_an_account_hands_its_work_to_an_admin(team, adas):
    dataset_id, run_id = adas
    with team["app"].app_context():
        assert accounts.remove_user("ada", ownership.hand_over) == "root"
        root = accounts.find("root")["id"]
        assert dataset_store.get(dataset_id, viewer=SYSTEM)["owner_id"] == root
        assert run_store.get(run_id, viewer=SYSTEM)["owner_id"] == root
    assert team["ada"].get("/api/datasets").status_code == 401      # her session ended
    assert team["bob"].get(f"/api/runs/{run_id}").status_code == 404
    assert team["root"].get(f"/api/runs/{run_id}").get_json()["status"] == "completed"
