"""Compare page: cost curves of several runs of one dataset in one chart."""
import re

from playwright.sync_api import expect


def test_compare_overlays_runs_of_a_dataset(page, live_server, api, tmp_path):
    dataset = api.sample_dataset()
    first = api.completed_run(dataset["id"], epochs=2)
    second = api.completed_run(dataset["id"], epochs=3, hidden_layers=[8])

    page.goto(f"{live_server}/compare?dataset_id={dataset['id']}&runs={first['id']},{second['id']}")
    chart = page.get_by_test_id("compare-chart")
    expect(chart).to_have_attribute("data-points", "3")
    # One training and one validation series per run (plus uPlot's x "series" in the legend).
    expect(chart.locator(".u-legend .u-series")).to_have_count(5)
    for run in (first, second):
        expect(page.get_by_test_id(f"history-csv-{run['id']}")).to_have_attribute(
            "href", f"/api/runs/{run['id']}/history.csv")
    page.screenshot(path=tmp_path / "compare.png", full_page=True)

    page.get_by_test_id(f"compare-run-{second['id']}").uncheck()
    expect(chart).to_have_attribute("data-points", "2")
    expect(page).to_have_url(re.compile(rf"runs={first['id']}$"))
    page.get_by_test_id(f"compare-run-{first['id']}").uncheck()
    expect(page.get_by_test_id("compare-hint")).to_be_visible()
