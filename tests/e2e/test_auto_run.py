"""The auto run in the browser: one click on a small table, the candidates' leaderboard drawn,
the kept run's settings shown, and "Train again" opening an ordinary run of them."""
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from nncore.auto import VARIATIONS
from tests import helpers
from tests.e2e.e2e_helpers import save, upload_table, write_lines
from webapp import create_app

TRAINING = 120_000
PHONE = {"width": 390, "height": 844}


def overlapping_classes(path, n=300, seed=0):
    """Two overlapping classes in three columns: early stopping ends each candidate soon."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(0, 1, (n, 3)) + 0.8 * y[:, None]
    lines = ["x1,x2,x3,kind"] + [",".join(f"{v:.3f}" for v in row) + f",{'ab'[k]}"
                                 for row, k in zip(X, y)]
    return write_lines(path, lines)


@pytest.fixture
def quick_server(tmp_path):
    """A live server whose auto runs take at most 6 s (the server's ``max_auto_budget``)."""
    app = create_app({"DATA_DIR": str(tmp_path / "live-data"), "REGISTER_SAMPLE": False,
                      "MAX_WORKERS": 1, "LIMITS": {"max_auto_budget": 6}})
    with helpers.serving(app) as url:
        yield url


def test_one_click_auto_run_shows_the_leaderboard_and_trains_again(page, quick_server,
                                                                   tmp_path):
    upload_table(page, quick_server, overlapping_classes(tmp_path / "two.csv"))
    auto = page.get_by_test_id("start-auto-run")
    expect(auto).to_have_text("Auto (≈6 s)")
    expect(page.get_by_test_id("auto-hint")).to_contain_text("at most 6 s")
    save(page, tmp_path, "auto-dataset", auto)
    auto.click()
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    auto_url = page.url
    card = page.get_by_test_id("auto-card")
    expect(card).to_be_visible(timeout=30_000)
    # the candidate, the time left of the budget and the leaderboard so far
    save(page, tmp_path, "auto-running", page.get_by_test_id("run-progress"))
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed",
                                                                timeout=TRAINING)
    rows = page.get_by_test_id("leaderboard-row")
    expect(rows).to_have_count(len(VARIATIONS))
    kept = page.locator("[data-testid=leaderboard-row][data-status=kept]")
    expect(kept).to_have_count(1)
    expect(kept).to_contain_text("✓ kept")
    expect(rows.first).to_have_attribute("data-name", "default")
    expect(rows.first).to_contain_text("the defaults")
    name = kept.get_attribute("data-name")
    expect(page.get_by_test_id("auto-status")).to_contain_text(f"Kept “{name}”")
    # the run's settings line is the kept candidate's (the widths tell them apart)
    config = page.get_by_test_id("run-config")
    expect(config).to_contain_text("hidden ")
    kept_hidden = page.evaluate(
        "url => fetch(url).then(r => r.json()).then(run => run.config.hidden_layers)",
        auto_url.replace("/runs/", "/api/runs/"))
    expect(config).to_contain_text(f"hidden {'×'.join(map(str, kept_hidden))}")
    expect(page.get_by_test_id("cost-chart")).to_be_visible()
    save(page, tmp_path, "auto-run", card)
    page.set_viewport_size(PHONE)
    card.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "auto-run-phone.png", full_page=True)
    save(page, tmp_path, "auto-run-phone", card)
    page.set_viewport_size({"width": 1100, "height": 860})

    page.get_by_test_id("train-again").click()
    expect(page).not_to_have_url(auto_url)
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed",
                                                                timeout=TRAINING)
    expect(page.get_by_test_id("auto-card")).to_be_hidden()
    expect(page.get_by_test_id("run-config")).to_contain_text(
        f"hidden {'×'.join(map(str, kept_hidden))}")
