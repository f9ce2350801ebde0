"""Accessibility: axe-core's WCAG 2 A and AA rules on the home, dataset, run, inside-the-network
and compare pages.

axe is vendored (tests/e2e/vendor/, see its README) and injected as a script tag. The app's
Content-Security-Policy refuses inline scripts, so these tests' browser context bypasses CSP;
the other tests keep it.
"""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e_helpers import draw_strokes

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_AA = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}}"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": True}


def axe_violations(page):
    """axe's violations on the page as it is now: [{id, impact, help, nodes: [{target}]}]."""
    page.add_script_tag(path=AXE)
    return page.evaluate(f"() => axe.run(document, {WCAG_AA}).then(r => r.violations)")


def describe(violations):
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}" for node in v["nodes"])
        for v in violations)


def assert_accessible(page):
    violations = axe_violations(page)
    assert not violations, "axe found:\n" + describe(violations)


def test_home_page_is_accessible(page, live_server, api):
    api.completed_run(api.sample_dataset()["id"])
    page.goto(live_server + "/")
    expect(page.get_by_test_id("runs-table").locator("tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=sample-strip] canvas")).to_have_count(10)
    assert_accessible(page)


def test_dataset_page_is_accessible(page, live_server, api):
    page.goto(f"{live_server}/datasets/{api.sample_dataset()['id']}")
    expect(page.locator("[data-testid=sample-grid] canvas")).to_have_count(80)
    expect(page.locator("[data-testid=class-counts] .bar-column")).to_have_count(10)
    assert_accessible(page)


def test_completed_run_page_is_accessible(page, live_server, api):
    run = api.completed_run(api.sample_dataset()["id"])
    page.goto(f"{live_server}/runs/{run['id']}")
    expect(page.locator("[data-testid=mistakes] figure").first).to_be_visible()
    assert_accessible(page)

    # A drawn digit turns the prediction box blue; its note must still be readable there.
    one = [[[250, 60], [250, 440]]]  # a single upright stroke, tablet coordinates
    draw_strokes(page, page.get_by_test_id("digit-canvas"), one)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-strokes", "1")
    expect(page.get_by_test_id("prediction-note")).to_contain_text("sure")
    assert_accessible(page)


def test_compare_page_is_accessible(page, live_server, api):
    dataset = api.sample_dataset()
    first = api.completed_run(dataset["id"], epochs=2)
    second = api.completed_run(dataset["id"], epochs=3, hidden_layers=[8])
    page.goto(f"{live_server}/compare?dataset_id={dataset['id']}&runs={first['id']},{second['id']}")
    expect(page.get_by_test_id("compare-chart")).to_have_attribute("data-points", "3")
    assert_accessible(page)


def test_inside_page_is_accessible(page, live_server, api):
    run = api.completed_run(api.sample_dataset()["id"])
    page.goto(f"{live_server}/runs/{run['id']}/inside")
    expect(page.locator("[data-testid=network-diagram] svg")).to_be_visible()
    for key in "nnnn":     # every step revealed: formulas, strips, tables, the verdict
        page.keyboard.press(key)
    expect(page.get_by_test_id("update-verdict")).to_be_visible()
    page.get_by_test_id("unit-details").scroll_into_view_if_needed()
    page.locator("[data-testid^=unit-1-]").first.focus()
    expect(page.get_by_test_id("unit-details")).to_have_attribute("data-layer", "1")
    assert_accessible(page)
