"""The "Inside the network" page: served for any run that exists (its script asks the API for
the numbers), reached from the run page, a 404 page for a run that does not exist."""
import json
import re

import pytest


@pytest.fixture
def run_id(client, bars, wait_for_run):
    response = client.post("/api/runs", json={"dataset_id": bars, "hidden_layers": [4],
                                              "epochs": 2, "batch_size": 16, "seed": 1})
    assert response.status_code == 202
    return wait_for_run(response.get_json()["id"])["id"]


def page_data(html):
    """The JSON the template hands its script."""
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_the_page_hands_its_script_the_inside_api(client, run_id):
    response = client.get(f"/runs/{run_id}/inside")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = page_data(html)
    assert data["run_id"] == run_id
    assert data["urls"]["inside"] == f"/api/runs/{run_id}/inside"
    assert data["urls"]["report"] == f"/api/runs/{run_id}/report"
    assert "js/inside.js" in html and "css/inside.css" in html
    # the URL the script asks answers
    assert client.get(f"{data['urls']['inside']}?sample=0").status_code == 200


def test_the_run_page_links_to_it(client, run_id):
    html = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert f'href="/runs/{run_id}/inside"' in html


def test_a_missing_run_has_no_inside(client):
    response = client.get("/runs/424242/inside")
    assert response.status_code == 404
    assert "There is no run #424242." in response.get_data(as_text=True)
