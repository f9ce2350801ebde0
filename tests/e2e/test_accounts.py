"""A server people share (issue 24), in Chromium: sign in, upload, train, a second account
cannot see it, a share link shows the run read-only (until revoked), sign out. Screenshots of
the sign-in, account and shared-run pages go to tmp_path (and SCREENSHOTS_DIR when set)."""
import re

import pytest
from playwright.sync_api import expect

from e2e_helpers import HEIGHT, WIDTH, save
from tests.conftest import blobs_csv
from tests.helpers import serving
from webapp import create_app
from webapp.services import accounts

PASSWORD = "a long enough password"


@pytest.fixture
def team_server(tmp_path):
    """A live server with sign-in on and two accounts, Ada (with a Unicode name) and Grace."""
    app = create_app({"DATA_DIR": str(tmp_path / "team-data"), "REGISTER_SAMPLE": False,
                      "MAX_WORKERS": 2, "AUTH_REQUIRED": True})
    with app.app_context():
        accounts.add_user("Ada Lovelace-Zoë", PASSWORD)
        accounts.add_user("Grace", PASSWORD)
    with serving(app) as url:
        yield url


def sign_in(page, base, name, shot=None):
    """Sign in from the page the home page redirects to; ``shot``: (tmp_path, name) to save
    a screenshot of the filled-in form."""
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))
    page.get_by_test_id("sign-in-name").fill(name)
    page.get_by_test_id("sign-in-password").fill(PASSWORD)
    if shot:
        save(page, *shot)
    page.get_by_test_id("sign-in-submit").click()
    expect(page).to_have_url(base + "/")
    expect(page.get_by_test_id("signed-in-name")).to_have_text(name)


def upload_and_train(page, csv_path):
    # the sign-in's redirect may still be loading: the upload handler is attached by the
    # page's module script, which has run once the load event has fired
    page.wait_for_load_state("load")
    page.get_by_test_id("upload-input").set_input_files(csv_path)
    expect(page).to_have_url(re.compile(r"/datasets/\d+$"), timeout=30_000)
    dataset_url = page.url
    expect(page.get_by_test_id("field-optimizer")).to_have_value("adam")   # the form is ready
    page.get_by_test_id("field-epochs").fill("30")
    page.get_by_test_id("start-run").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=90_000)
    return dataset_url, page.url


def test_two_accounts_share_a_server_and_a_run_is_shared_read_only(page, browser, team_server,
                                                                    tmp_path):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    csv_path = tmp_path / "ada-blobs.csv"
    csv_path.write_text(blobs_csv())
    sign_in(page, team_server, "Ada Lovelace-Zoë", shot=(tmp_path, "sign-in"))
    dataset_url, run_url = upload_and_train(page, csv_path)

    page.get_by_test_id("share-create").click()
    share_url = page.get_by_test_id("share-url")
    expect(share_url).to_contain_text("/shared/")
    link = share_url.inner_text()
    expect(page.get_by_test_id("share-revoke")).to_have_count(1)

    page.get_by_test_id("signed-in-name").click()
    expect(page).to_have_url(team_server + "/account")
    page.get_by_test_id("token-label").fill("nightly script")
    page.get_by_test_id("token-create").click()
    expect(page.get_by_test_id("token-secret")).to_contain_text("nd_")
    expect(page.get_by_test_id("token-rows").locator("tr")).to_have_count(1)
    save(page, tmp_path, "account")
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    assert page.goto(run_url).url.startswith(team_server + "/sign-in")

    # Grace sees none of Ada's work: not in her lists, 404 by URL, 404 from the API
    sign_in(page, team_server, "Grace")
    expect(page.get_by_test_id("datasets-table").locator("tbody tr")).to_have_count(0)
    assert page.goto(run_url).status == 404
    assert page.goto(dataset_url).status == 404
    run_id = run_url.rsplit("/", 1)[1]
    assert page.request.get(f"{team_server}/api/runs/{run_id}").status == 404

    # anyone with the link, signed in or not, sees the run read-only
    stranger = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    shared = stranger.new_page()
    assert shared.goto(link).status == 200
    expect(shared.get_by_test_id("read-only")).to_be_visible()
    expect(shared.get_by_test_id("run-status")).to_have_text("completed")
    expect(shared.get_by_test_id("cost-chart")).not_to_have_attribute("data-points", "0")
    expect(shared.get_by_test_id("cancel-run")).to_have_count(0)
    expect(shared.get_by_test_id("signed-in-name")).to_have_count(0)
    save(shared, tmp_path, "shared-run")

    # Ada revokes the link: it is gone for everyone
    page.get_by_test_id("sign-out").click()
    sign_in(page, team_server, "Ada Lovelace-Zoë")
    page.goto(run_url)
    page.get_by_test_id("share-revoke").click()
    expect(page.get_by_test_id("share-revoke")).to_have_count(0)
    assert shared.goto(link).status == 404
    stranger.close()
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
