"""What a table run reports for its pages: balanced accuracy and the majority baseline, which
columns the model leans on, and the misread rows with their cells; pictures keep theirs."""
import numpy as np
import pytest

from tests.table_pages_data import QUICK_RUN, plan_churn_csv


@pytest.fixture
def churn_run(client, upload, wait_for_run):
    response = upload(plan_churn_csv(), "churn.csv")
    assert response.status_code == 201, response.get_json()
    dataset_id = response.get_json()["id"]
    created = client.post("/api/runs", json={"dataset_id": dataset_id, **QUICK_RUN})
    assert created.status_code == 202, created.get_json()
    run = wait_for_run(created.get_json()["id"], timeout=120)
    assert run["status"] == "completed", run["error"]
    return run


def test_a_table_run_reports_balanced_accuracy_and_the_majority_baseline(churn_run):
    result = churn_run["result"]
    assert 0.5 < result["val_balanced_accuracy"] <= 1.0
    majority = result["majority"]
    assert majority["class"] == "no" and majority["high"] is True
    assert 0.75 <= majority["accuracy"] < 1.0


def test_the_column_the_label_follows_comes_first_in_the_importance(churn_run):
    importance = churn_run["result"]["importance"]
    assert importance["metric"] == "accuracy" and importance["repeats"] == 3
    assert importance["rows"] == 60                     # the validation rows (20% of 300)
    assert importance["score"] == pytest.approx(churn_run["result"]["val_accuracy"])
    names = [column["name"] for column in importance["columns"]]
    assert sorted(names) == ["age", "income", "plan", "region"]
    assert names[0] == "plan" and importance["columns"][0]["drop"] > 0.05


def test_a_table_run_reports_its_misread_rows_with_their_cells(client, churn_run):
    report = client.get(f"/api/runs/{churn_run['id']}/report").get_json()
    matrix = np.asarray(report["confusion_matrix"])
    assert report["n_wrong"] == matrix.sum() - np.trace(matrix) == len(report["mistakes"]) > 0
    probabilities = [m["probability"] for m in report["mistakes"]]
    assert probabilities == sorted(probabilities, reverse=True)     # most confident first
    for mistake in report["mistakes"]:
        assert mistake["true"] != mistake["predicted"] and 0.5 <= mistake["probability"] <= 1
        assert set(mistake["values"]) == {"age", "plan", "region", "income"}
        assert "pixels" not in mistake
    # the flipped rows: the plan says one class, the label the other
    assert all((m["values"]["plan"] == "max") == (m["true"] == "no") for m in report["mistakes"])


def test_a_picture_run_keeps_its_picture_mistakes_and_has_no_importance(client, bars,
                                                                        wait_for_run):
    created = client.post("/api/runs", json={"dataset_id": bars, "hidden_layers": [4],
                                             "epochs": 2, "seed": 1})
    run = wait_for_run(created.get_json()["id"])
    assert run["status"] == "completed", run["error"]
    assert run["result"]["importance"] is None
    assert run["result"]["majority"]["high"] is False       # two classes of 30 rows each
    report = client.get(f"/api/runs/{run['id']}/report").get_json()
    for mistake in report["mistakes"]:
        assert len(mistake["pixels"]) == 64 and "values" not in mistake


def test_a_regression_run_measures_importance_by_r2(client, upload, wait_for_run):
    rng = np.random.default_rng(0)
    lines = ["size,colour,price"] + [
        f"{s:.3f},{c},{100 * s + 7:.3f}"
        for s, c in zip(rng.uniform(1, 5, 200), rng.choice(["red", "blue"], 200))]
    response = upload("\n".join(lines) + "\n", "prices.csv")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["task"] == "regression"
    created = client.post("/api/runs", json={"dataset_id": response.get_json()["id"],
                                             **QUICK_RUN, "epochs": 40, "refit": True,
                                             "l2_choices": [1e5]})
    run = wait_for_run(created.get_json()["id"], timeout=120)
    assert run["status"] == "completed", run["error"]
    assert run["result"]["refit_epochs"] > 0             # the model kept is the refit one
    # of the two strengths tried, the crushing one scores worse on the validation rows
    choice = run["result"]["l2_choice"]
    assert choice["chosen"] == QUICK_RUN.get("l2", 1.0) and len(choice["tried"]) == 2
    assert choice["tried"][0]["score"] == pytest.approx(run["result"]["val_r2"])
    importance = run["result"]["importance"]
    assert importance["metric"] == "r2"
    # measured with the network the validation figures are of (before any refit): its
    # score on the validation rows is their val_r2
    assert importance["score"] == pytest.approx(run["result"]["val_r2"])
    assert [c["name"] for c in importance["columns"]] == ["size", "colour"]
    assert importance["columns"][0]["drop"] > 1.0       # the price is the size, rescaled
    assert run["result"]["val_balanced_accuracy"] is None and run["result"]["majority"] is None


def test_inside_a_run_that_kept_its_second_strength(client, upload, wait_for_run):
    """When the other L2 is kept, "Inside the network" shows that network's final weights
    (its only snapshot), with the same validation R² the run reports."""
    rng = np.random.default_rng(1)
    lines = ["size,price"] + [f"{s:.3f},{100 * s + 7:.3f}" for s in rng.uniform(1, 5, 150)]
    dataset = upload("\n".join(lines) + "\n", "sizes.csv").get_json()["id"]
    created = client.post("/api/runs", json={"dataset_id": dataset, **QUICK_RUN, "epochs": 30,
                                             "l2": 1e5, "l2_choices": [1]})
    run = wait_for_run(created.get_json()["id"], timeout=120)
    assert run["status"] == "completed", run["error"]
    assert run["result"]["l2_choice"]["chosen"] == 1
    inside = client.get(f"/api/runs/{run['id']}/inside?sample=0")
    assert inside.status_code == 200, inside.get_json()
    body = inside.get_json()
    assert body["epochs"] == [run["result"]["best_epoch"] or run["result"]["epochs"]]
    assert body["final"] is True

