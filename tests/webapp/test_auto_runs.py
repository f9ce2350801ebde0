"""Auto runs through the API: started with POST /api/runs {"auto": ...}, followed through the
run's progress, ending as the kept candidate's run with the leaderboard in its result."""
import io

import pytest

from nncore.auto import VARIATIONS
from tests.conftest import bars_csv, blobs_csv
from tests.helpers import client_run_getter, poll

#: a small base: every candidate trains in well under a second on the blobs
BASE = {"hidden_layers": [8], "epochs": 20, "batch_size": 16, "patience": None, "seed": 2}


def start(client, dataset_id, **body):
    response = client.post("/api/runs", json={"dataset_id": dataset_id, **body})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def test_an_auto_run_keeps_the_best_candidate_and_shows_the_leaderboard(client, blobs):
    run_id = start(client, blobs, auto={"budget": 20}, **BASE)
    get_run = client_run_getter(client)
    queued = get_run(run_id)
    assert queued["config"]["auto"] == {"budget": 20.0, "variations": list(VARIATIONS)}
    seen = []

    def follow():
        run = get_run(run_id)
        auto = (run["progress"] or {}).get("auto")
        if run["status"] == "running" and auto and auto["candidate"]:
            seen.append((auto["candidate"], run["progress"]["eta_seconds"]))
        return run
    run = poll(follow, lambda r: r["status"] not in ("queued", "running"), timeout=90,
               what="the auto run to end")
    assert run["status"] == "completed", run["error"]
    auto = run["result"]["auto"]
    board = auto["leaderboard"]
    assert [e["name"] for e in board] == list(VARIATIONS)
    kept = [e for e in board if e["status"] == "kept"]
    assert len(kept) == 1 and kept[0]["name"] == auto["chosen"]
    assert kept[0]["score"] == run["result"]["val_accuracy"]
    assert kept[0]["score"] == max(e["score"] for e in board if e["score"] is not None)
    # the run is the kept candidate's: its settings, its history, its figures
    assert run["config"] == {**kept[0]["settings"],
                             "auto": {"budget": 20.0, "chosen": kept[0]["name"]}}
    assert len(run["history"]["epoch"]) == run["result"]["epochs"] == kept[0]["epochs"]
    assert run["history"]["epoch"][0] == 1
    # the page followed the candidates one by one, with the time left of the budget
    assert seen and {name for name, _ in seen} <= set(VARIATIONS)
    assert all(eta is None or 0 <= eta <= 20 for _, eta in seen)
    final = run["progress"]["auto"]
    assert final["candidate"] is None and final["budget"] == 20.0
    assert [e["name"] for e in final["leaderboard"]] == list(VARIATIONS)


def test_training_again_is_an_ordinary_run_of_the_kept_settings(client, blobs, wait_for_run):
    auto_run = wait_for_run(start(client, blobs, auto={"budget": 20}, **BASE))
    assert auto_run["status"] == "completed", auto_run["error"]
    response = client.post(f"/api/runs/{auto_run['id']}/restart")
    assert response.status_code == 202
    again = wait_for_run(response.get_json()["id"])
    kept = auto_run["result"]["auto"]["settings"]
    assert again["config"] == kept and "auto" not in again["config"]
    assert again["result"]["auto"] is None
    # the same seed, the same settings: the same model as the one kept
    assert again["result"]["val_accuracy"] == auto_run["result"]["val_accuracy"]
    assert again["history"]["cost"] == auto_run["history"]["cost"]


def test_an_unfinished_auto_run_searches_again(client, blobs, wait_for_run):
    run_id = start(client, blobs, auto={"budget": 20}, **{**BASE, "epochs": 2000})
    client.post(f"/api/runs/{run_id}/cancel")
    assert wait_for_run(run_id)["status"] == "cancelled"
    again = client.post(f"/api/runs/{run_id}/restart").get_json()["id"]
    config = client.get(f"/api/runs/{again}").get_json()["config"]
    assert config["auto"]["budget"] == 20.0 and config["epochs"] == 2000
    client.post(f"/api/runs/{again}/cancel")


def test_auto_true_takes_the_datasets_budget(client, blobs):
    dataset = client.get(f"/api/datasets/{blobs}").get_json()
    assert dataset["auto_run"]["budget"] == 30
    assert dataset["auto_run"]["rule"].startswith("30 s under 10,000 rows")
    run_id = start(client, blobs, auto=True, **BASE)
    assert client.get(f"/api/runs/{run_id}").get_json()["config"]["auto"]["budget"] == 30.0
    other = start(client, blobs, auto=True, budget=5, **BASE)
    assert client.get(f"/api/runs/{other}").get_json()["config"]["auto"]["budget"] == 5.0
    for each in (run_id, other):
        client.post(f"/api/runs/{each}/cancel")


def test_candidates_stay_within_the_servers_limits(make_app, upload_to):
    app = make_app(LIMITS={"max_layer_size": 10})
    client = app.test_client()
    dataset_id = upload_to(client)
    run_id = start(client, dataset_id, auto={"budget": 5}, **BASE)
    variations = client.get(f"/api/runs/{run_id}").get_json()["config"]["auto"]["variations"]
    assert "wider" not in variations and "default" in variations
    client.post(f"/api/runs/{run_id}/cancel")


@pytest.mark.parametrize(("body", "message"), [
    ({"auto": {"budget": 0}}, "budget must be from 1 to 600 seconds"),
    ({"auto": {"budget": 601}}, "budget must be from 1 to 600 seconds"),
    ({"auto": {"budget": "soon"}}, "budget must be a number of seconds"),
    ({"auto": True, "budget": None}, None),
    ({"auto": True, "budget": [30]}, "budget must be a number of seconds"),
    ({"auto": "yes"}, "auto must be true, false or"),
    ({"auto": {"budget": 5, "candidates": 3}}, "auto must be true or {\"budget\": seconds}"),
    ({"auto": {"budget": 5}, "budget": 5}, "with the budget given once"),
    ({"budget": 5}, "budget is an auto run's"),
    ({"auto": False, "budget": 5}, "budget is an auto run's"),
    ({"auto": True, "validation_split": 0}, "validation_split: an auto run"),
])
def test_a_bad_auto_request_is_a_400(client, blobs, body, message):
    response = client.post("/api/runs", json={"dataset_id": blobs, **BASE, **body})
    if message is None:              # a null budget is the dataset's
        assert response.status_code == 202
        client.post(f"/api/runs/{response.get_json()['id']}/cancel")
        return
    assert response.status_code == 400
    assert message in response.get_json()["error"]


@pytest.fixture
def upload_to():
    """``upload_to(client)`` -> the id of the blobs dataset uploaded to that client's app."""
    def post(client):
        response = client.post("/api/datasets", data={"file": (io.BytesIO(blobs_csv().encode()),
                                                                "blobs.csv")},
                               content_type="multipart/form-data")
        assert response.status_code == 201
        return response.get_json()["id"]
    return post


def test_the_page_offers_no_auto_run_for_pictures_that_train_as_pictures(client, upload):
    # 8x8 pictures train like a table (defaults.SMALL_PICTURE_SIDE): offered
    small = upload(bars_csv(), "bars.csv").get_json()["id"]
    assert client.get(f"/api/datasets/{small}").get_json()["auto_run"]["budget"] == 30
    rows = ["\n".join(",".join(["0"] * 255 + ["9", label]) for _ in range(10))
            for label in ("a", "b")]
    large = upload("\n".join(rows) + "\n", "pictures.csv").get_json()
    assert large["image"]["height"] == 16 and large["auto_run"] is None
