"""The pages speak tables: the run form of a table offers no picture settings (the rarely
changed ones wait under "More settings"), the run page shows balanced accuracy beside accuracy
and the majority baseline to beat, the misread rows as a table sorted by a click on a header,
and which columns the model leans on. A picture dataset keeps its settings in view."""
import re

from playwright.sync_api import expect

from e2e_helpers import upload_table
from tests.table_pages_data import QUICK_RUN, plan_churn_csv

TRAINING = 120_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def cut_selects(page):
    """The column table's kind selects whose text does not fit (the words cut off)."""
    return page.get_by_test_id("column-table").locator("select").evaluate_all(
        "selects => selects.filter(s => {"
        "  const probe = document.createElement('span');"
        "  probe.style.font = getComputedStyle(s).font;"
        "  probe.textContent = 'category';"
        "  document.body.append(probe);"
        "  const wide = probe.getBoundingClientRect().width;"
        "  probe.remove();"
        "  return s.clientWidth < wide + 24;"     # the arrow takes about 20 px
        "}).map(s => s.name)")


def fill_quick_run(page):
    form = page.get_by_test_id("run-form")
    form.get_by_test_id("field-hidden_layers").fill(", ".join(map(str, QUICK_RUN["hidden_layers"])))
    form.get_by_test_id("field-activation").select_option(QUICK_RUN["activation"])
    form.get_by_test_id("field-optimizer").select_option(QUICK_RUN["optimizer"])
    form.get_by_test_id("field-learning_rate").fill(str(QUICK_RUN["learning_rate"]))
    form.get_by_test_id("field-epochs").fill(str(QUICK_RUN["epochs"]))
    if form.get_by_test_id("field-full_batch").is_checked():
        form.get_by_test_id("field-full_batch").uncheck()
    form.get_by_test_id("field-batch_size").fill(str(QUICK_RUN["batch_size"]))
    form.get_by_test_id("more-settings").locator("summary").click()
    form.get_by_test_id("field-l2").fill("0")
    form.get_by_test_id("field-patience").fill("")


def test_a_table_run_speaks_tables(page, live_server, tmp_path):
    page.set_viewport_size(DESKTOP)
    path = tmp_path / "churn.csv"
    path.write_text(plan_churn_csv())
    upload_table(page, live_server, path)
    expect(page.get_by_test_id("dataset-classes")).to_have_text("2")
    # the form: no picture settings, the rest folded away
    for testid in ("field-conv_filters", "field-synthetic_digits", "field-pen_digits"):
        expect(page.get_by_test_id(testid)).to_be_hidden()
    expect(page.get_by_test_id("field-seed")).to_be_hidden()
    expect(page.get_by_test_id("field-hidden_layers")).to_be_visible()
    # the cards: no tutorial note, a readable range (income up to 9,8xx), whole kind words
    expect(page.get_by_test_id("names-tutorial")).to_be_hidden()
    expect(page.get_by_test_id("dataset-range")).to_have_text(re.compile(r"^0 … 9,\d{3}$"))
    assert cut_selects(page) == []
    page.screenshot(path=tmp_path / "table-dataset-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert cut_selects(page) == []
    page.screenshot(path=tmp_path / "table-dataset-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    fill_quick_run(page)
    expect(page.get_by_test_id("field-seed")).to_be_visible()
    expect(page.get_by_test_id("field-conv_filters")).to_be_hidden()
    page.get_by_test_id("start-run").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed",
                                                                timeout=TRAINING)
    # balanced accuracy beside accuracy, and always answering "no" as the baseline to beat
    expect(page.get_by_test_id("val-balanced-accuracy")).to_have_text(re.compile(r"^\d+\.\d %$"))
    expect(page.get_by_test_id("majority-baseline")).to_contain_text("always answering “no” scores")

    # which columns matter: one bar per original column, the label's source on top
    chart = page.get_by_test_id("importance-chart")
    expect(chart.locator(".prob-row")).to_have_count(4)
    expect(chart.locator(".prob-label").first).to_have_text("plan")
    expect(chart.locator(".prob-row").first).to_have_class(re.compile("is-top"))

    # the misread rows as a table, most confident first; a click on the header sorts upwards
    table = page.get_by_test_id("misread-rows")
    expect(page.get_by_test_id("mistakes-card")).to_contain_text("Misread validation rows")
    expect(table.locator("thead th")).to_have_count(8)   # row, 4 columns, true, predicted, confidence
    expect(page.get_by_test_id("mistakes")).to_be_hidden()
    confidence = table.locator("tbody tr td:last-child")
    assert confidence.count() > 1
    shown = [float(t.rstrip(" %")) for t in confidence.all_inner_texts()]
    assert shown == sorted(shown, reverse=True)
    table.get_by_test_id("sort-probability").click()
    expect(table.locator("th[data-key=probability]")).to_have_attribute("aria-sort", "ascending")
    shown = [float(t.rstrip(" %")) for t in confidence.all_inner_texts()]
    assert shown == sorted(shown)
    table.get_by_test_id("sort-plan").click()
    expect(table.locator("th[data-key='value:plan']")).to_have_attribute("aria-sort", "ascending")
    plans = table.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert plans == sorted(plans)
    page.screenshot(path=tmp_path / "table-run-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=tmp_path / "table-run-phone.png", full_page=True)
    for testid in ("results", "importance-card", "mistakes-card"):
        page.get_by_test_id(testid).screenshot(path=tmp_path / f"table-run-phone-{testid}.png")
    # on a phone the page does not scroll sideways (the tables scroll in their own box)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_picture_dataset_keeps_its_settings_in_view(page, live_server, api):
    dataset = api.sample_dataset()
    page.goto(f"{live_server}/datasets/{dataset['id']}")
    expect(page.get_by_test_id("field-conv_filters")).to_be_visible()
    expect(page.get_by_test_id("field-pen_digits")).to_be_visible()
    expect(page.get_by_test_id("field-seed")).to_be_visible()
    expect(page.get_by_test_id("names-tutorial")).to_be_hidden()   # the sample's digits are 0..9
