"""Inside the network in the browser: the tutorials' 25-unit sigmoid network and a table's network
stepped through forward, cost, backward and update, with the mouse and with the keyboard alone;
every number the page shows is checked against the inside API's JSON (fetched with the page's
own session), the replay slider's earlier epoch against the API's answer for that epoch, a drawn
digit against the answer to the page's own POST, and a step at too large a rate says so."""
import math
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e_helpers import HEIGHT, WIDTH, draw_canvas_strokes, save

TABLES = Path(__file__).resolve().parents[2].parent / "shared/data/tables"
# The tutorials' network: 25 sigmoid units, sigmoid outputs, L2 1, plain gradient descent.
TUTORIAL_RUN = {"hidden_layers": [25], "activation": "sigmoid", "output": "sigmoid", "l2": 1.0,
                "optimizer": "gd", "learning_rate": 1.0, "epochs": 4, "batch_size": 50}
STEPS = ("forward", "cost", "backward", "update")
PHONE = {"width": 390, "height": 844}


def upload(page, live_server, path, **fields):
    created = page.request.post(live_server + "/api/datasets", multipart={
        "file": {"name": path.name, "mimeType": "application/octet-stream",
                 "buffer": path.read_bytes()}, **fields})
    assert created.status == 201, created.text()
    return created.json()


def inside_json(page, live_server, run_id, **params):
    """The inside API's answer, asked with the page's own cookies."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = page.request.get(f"{live_server}/api/runs/{run_id}/inside?{query}")
    assert response.ok, response.text()
    return response.json()


def shown(page, testid):
    """The number a step shows (4 significant digits) as a float."""
    return float(page.get_by_test_id(testid).text_content().replace("−", "-"))


def assert_shows(page, testid, value):
    text = page.get_by_test_id(testid).text_content()
    assert math.isclose(shown(page, testid), value, rel_tol=6e-4, abs_tol=1e-12), (testid, text, value)


def open_inside(page, live_server, run_id, keyboard=False):
    """The run page's "Inside the network" link (clicked, or reached with Tab and Enter), then
    the page with its diagram drawn."""
    page.goto(f"{live_server}/runs/{run_id}")
    expect(page.get_by_test_id("inside-link")).to_be_visible()
    if keyboard:
        tab_to(page, "[data-testid=inside-link]")
        page.keyboard.press("Enter")
    else:
        page.get_by_test_id("inside-link").click()
    expect(page).to_have_url(f"{live_server}/runs/{run_id}/inside")
    diagram = page.get_by_test_id("network-diagram")
    expect(diagram).to_have_attribute("data-sample", "0")
    return diagram


def wait_for(diagram, **attributes):
    for name, value in attributes.items():
        expect(diagram).to_have_attribute(f"data-{name}", str(value))


def weight_of(data):
    step = data["step"]
    return f"{step['layer']}:{step['from']}:{step['to']}"


def check_steps(page, data):
    """Every step's numbers against the API's: the chosen weight's two ends are the units the
    formulas show, layer by layer."""
    step, layers = data["step"], data["layers"]
    last = len(layers) - 1
    units = {step["layer"] - 1: step["from"], step["layer"]: step["to"]}
    for l in range(1, last + 1):
        unit = units.get(l, layers[l]["shown"][0])
        assert_shows(page, f"forward-z-{l}", layers[l]["z"][unit])
        assert_shows(page, f"forward-a-{l}", layers[l]["a"][unit])
        assert_shows(page, f"forward-b-{l}", layers[l]["b"][unit])
        assert_shows(page, f"backward-delta-{l}", layers[l]["delta"][unit])
        expect(page.get_by_test_id(f"forward-strip-{l}").locator("span")).to_have_count(len(layers[l]["a"]))
    assert_shows(page, "cost-data", data["cost_terms"]["data"])
    assert_shows(page, "cost-l2", data["cost_terms"]["l2"])
    assert_shows(page, "cost-total", data["cost"])
    assert_shows(page, "grad-a", layers[step["layer"] - 1]["a"][step["from"]])
    assert_shows(page, "grad-delta", layers[step["layer"]]["delta"][step["to"]])
    for key in ("grad_data", "grad_l2", "grad"):
        assert_shows(page, key.replace("_", "-"), step[key])
    assert_shows(page, "update-w", step["w"])
    assert_shows(page, "update-w-after", step["w_after"])
    assert_shows(page, "cost-before", data["cost"])
    assert_shows(page, "cost-after", data["cost_after"])
    verdict = page.get_by_test_id("update-verdict")
    expect(verdict).to_have_attribute("data-falls", str(data["cost_falls"]).lower())
    for name, function in (("forward", "forward_prop"), ("cost", "cost_function"),
                           ("backward", "backprop"), ("update", "update_parameters")):
        expect(page.get_by_test_id(f"{name}-step")).to_contain_text(function)


def press_through_steps(page):
    """Key N four times: each press reveals the next step and no further one."""
    for k, name in enumerate(STEPS):
        expect(page.get_by_test_id(f"{name}-step")).to_be_hidden()
        page.keyboard.press("n")
        expect(page.get_by_test_id(f"{name}-step")).to_be_visible()
        for later in STEPS[k + 1:]:
            expect(page.get_by_test_id(f"{later}-step")).to_be_hidden()


def tab_to(page, selector, limit=60):
    """Press Tab until the focused element matches ``selector``; fails after ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture
def tutorial_run(page, live_server, api, tutorial_workbook):
    dataset = upload(page, live_server, tutorial_workbook)
    return api.completed_run(dataset["id"], **TUTORIAL_RUN)


@pytest.fixture
def table_run(page, live_server, api):
    path = TABLES / "penguins.csv"
    if not path.is_file():
        pytest.skip(f"the shared tables are not at {TABLES}")
    dataset = upload(page, live_server, path, label_column="species")
    return api.completed_run(dataset["id"], hidden_layers=[6], epochs=6, batch_size=32)


def test_the_tutorial_network_steps_through_with_the_apis_numbers(page, live_server, tutorial_run, tmp_path):
    run_id = tutorial_run["id"]
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    diagram = open_inside(page, live_server, run_id)
    page.get_by_test_id("sample-next").click()
    page.get_by_test_id("sample-next").click()
    wait_for(diagram, sample=2)
    data = inside_json(page, live_server, run_id, sample=2)
    assert data["network"]["sizes"] == [400, 25, 10]
    wait_for(diagram, weight=weight_of(data), epoch=data["epoch"])

    # the network drawn: shown units only, "+N more" for the rest, lines between shown units
    for l, layer in enumerate(data["layers"]):
        expect(diagram.locator(f"[data-testid^=unit-{l}-]")).to_have_count(len(layer["shown"]))
        if layer["more"]:
            expect(page.get_by_test_id(f"more-{l}")).to_have_text(f"+{layer['more']} more")
    links = sum(len(layer.get("links", [])) for layer in data["layers"])
    expect(diagram.locator("line.link")).to_have_count(links)
    expect(page.get_by_test_id("sample-picture")).to_be_visible()

    # hovering a first-layer unit: its bias, z, a, largest incoming weights and weight picture
    unit = data["step"]["from"]
    page.get_by_test_id(f"unit-1-{unit}").hover()
    details = page.get_by_test_id("unit-details")
    expect(details).to_have_attribute("data-unit", str(unit))
    assert_shows(page, "unit-b", data["layers"][1]["b"][unit])
    assert_shows(page, "unit-z", data["layers"][1]["z"][unit])
    assert_shows(page, "unit-a", data["layers"][1]["a"][unit])
    expect(details.locator("[data-testid=unit-incoming] li")).to_have_count(len(data["layers"][1]["incoming"][str(unit)]))
    expect(page.get_by_test_id("unit-picture")).to_be_visible()

    for name in STEPS:
        page.get_by_test_id(f"step-{name}").click()
        expect(page.get_by_test_id(f"{name}-step")).to_be_visible()
    check_steps(page, data)
    save(page, tmp_path, "inside", page.get_by_test_id("network-diagram"))

    # another weight, picked from the list: the steps follow it
    layer, frm, to = 1, data["layers"][0]["shown"][0], data["layers"][1]["shown"][-1]
    page.get_by_test_id("weight-select").select_option(f"{layer}:{frm}:{to}")
    wait_for(diagram, weight=f"{layer}:{frm}:{to}")
    check_steps(page, inside_json(page, live_server, run_id, sample=2, layer=layer, **{"from": frm, "to": to}))

    page.set_viewport_size(PHONE)
    # a phone gets the narrow drawing (its text stays readable) and no sideways scrolling
    expect(diagram.locator("svg")).to_have_attribute("viewBox", re.compile(r"^0 0 420 "))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "inside-phone.png", full_page=True)


def test_the_tutorial_network_by_keyboard_alone(page, live_server, tutorial_run):
    run_id = tutorial_run["id"]
    diagram = open_inside(page, live_server, run_id, keyboard=True)
    first = inside_json(page, live_server, run_id, sample=0)
    wait_for(diagram, weight=weight_of(first))
    press_through_steps(page)
    check_steps(page, first)

    # the next sample by keyboard
    tab_to(page, "[data-testid=sample-next]")
    page.keyboard.press("Enter")
    wait_for(diagram, sample=1)

    # a unit reached with Tab shows its numbers on focus; Enter follows a weight into it
    tab_to(page, "[data-testid^=unit-1-]")
    focused = page.evaluate("() => document.activeElement.dataset.unit")
    expect(page.get_by_test_id("unit-details")).to_have_attribute("data-unit", focused)
    page.keyboard.press("Enter")
    data = inside_json(page, live_server, run_id, sample=1)
    incoming = data["layers"][1]["incoming"][focused][0]["from"]
    wait_for(diagram, weight=f"1:{incoming}:{focused}")
    expect(page.get_by_test_id(f"unit-1-{focused}")).to_be_focused()  # kept through the redraw
    check_steps(page, inside_json(page, live_server, run_id, sample=1, layer=1,
                                  **{"from": incoming, "to": focused}))


def test_the_replay_slider_shows_an_earlier_epoch(page, live_server, tutorial_run):
    run_id = tutorial_run["id"]
    diagram = open_inside(page, live_server, run_id)
    latest = inside_json(page, live_server, run_id, sample=0)
    assert len(latest["epochs"]) >= 2, latest["epochs"]
    wait_for(diagram, epoch=latest["epoch"], weight=weight_of(latest))
    page.keyboard.press("n")
    assert_shows(page, "forward-z-2", latest["layers"][2]["z"][latest["step"]["to"]])

    slider = page.get_by_test_id("replay-slider")
    slider.focus()
    page.keyboard.press("Home")
    first_epoch = latest["epochs"][0]
    wait_for(diagram, epoch=first_epoch)
    expect(page.get_by_test_id("replay-label")).to_have_text(f"After epoch {first_epoch}")
    step = latest["step"]
    earlier = inside_json(page, live_server, run_id, sample=0, epoch=first_epoch, layer=step["layer"],
                          **{"from": step["from"], "to": step["to"]})
    assert earlier["layers"][2]["z"] != latest["layers"][2]["z"]
    assert_shows(page, "forward-z-2", earlier["layers"][2]["z"][step["to"]])
    prediction = earlier["prediction"]
    label = prediction["label"] if isinstance(prediction, dict) else prediction
    expect(page.get_by_test_id("sample-verdict")).to_have_attribute("data-prediction", str(label))


def test_a_tables_network_by_keyboard_alone_names_its_one_hot_inputs(page, live_server, table_run, tmp_path):
    run_id = table_run["id"]
    diagram = open_inside(page, live_server, run_id, keyboard=True)
    data = inside_json(page, live_server, run_id, sample=0)
    wait_for(diagram, weight=weight_of(data))
    inputs = data["names"]["inputs"]
    assert any(name.startswith("island=") for name in inputs), inputs
    for unit in data["layers"][0]["shown"]:
        label = diagram.get_by_test_id(f"unit-0-{unit}").locator("text")
        expect(label).to_have_text(inputs[unit] if len(inputs[unit]) <= 20 else inputs[unit][:19] + "…")
    outputs = diagram.locator(f"[data-testid^=unit-{len(data['layers']) - 1}-] text")
    expect(outputs).to_have_text(data["names"]["outputs"])
    expect(page.get_by_test_id("sample-values")).to_contain_text("island")

    press_through_steps(page)
    check_steps(page, data)

    # an input reached with Tab names its column (a one-hot one by its category); Enter
    # follows a weight out of it
    tab_to(page, "[data-testid^=unit-0-]")
    unit = int(page.evaluate("() => document.activeElement.dataset.unit"))
    expect(page.get_by_test_id("unit-details")).to_contain_text(inputs[unit])
    page.keyboard.press("Enter")
    expect(diagram).to_have_attribute("data-weight", re.compile(rf"^1:{unit}:\d+$"))
    to = int(diagram.get_attribute("data-weight").split(":")[2])
    check_steps(page, inside_json(page, live_server, run_id, sample=0, layer=1, **{"from": unit, "to": to}))
    expect(page.get_by_test_id("backward-step")).to_contain_text(inputs[unit])

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save(page, tmp_path, "inside-table-phone", page.get_by_test_id("network-diagram"))


def test_a_drawn_digit_flows_through_the_network(page, live_server, tutorial_run):
    run_id = tutorial_run["id"]
    diagram = open_inside(page, live_server, run_id)
    page.get_by_test_id("source-drawing").check()
    canvas = page.get_by_test_id("inside-canvas")
    with page.expect_response(lambda r: r.url.endswith(f"/api/runs/{run_id}/inside")
                              and r.request.method == "POST") as answer:
        draw_canvas_strokes(page, canvas, [[(140, 40), (140, 240)]])
    data = answer.value.json()
    assert data["sample"]["source"] == "drawing" and data["target_source"] == "prediction"
    wait_for(diagram, source="drawing", weight=weight_of(data))
    expect(page.get_by_test_id("sample-verdict")).to_have_attribute(
        "data-prediction", data["prediction"]["label"])
    press_through_steps(page)
    expect(page.get_by_test_id("cost-step")).to_contain_text("no label")
    check_steps(page, data)


def test_a_step_too_large_says_so_and_names_a_smaller_rate(page, live_server, api, tutorial_workbook, tmp_path):
    dataset = upload(page, live_server, tutorial_workbook)
    run_id = api.completed_run(dataset["id"], **{**TUTORIAL_RUN, "learning_rate": 40.0, "epochs": 1})["id"]
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    diagram = open_inside(page, live_server, run_id)
    answers = (inside_json(page, live_server, run_id, sample=k) for k in range(20))
    data = next(d for d in answers if not d["cost_falls"])
    sample = data["sample"]["index"]
    page.get_by_test_id("sample-index").fill(str(sample))
    page.get_by_test_id("sample-index").press("Enter")
    wait_for(diagram, sample=sample, weight=weight_of(data))
    # a line of the diagram picks its weight too
    link = diagram.locator("line.link[data-layer='1']").first
    frm, to = link.get_attribute("data-from"), link.get_attribute("data-to")
    link.dispatch_event("click")
    wait_for(diagram, weight=f"1:{frm}:{to}")
    page.get_by_test_id("step-update").click()
    verdict = page.get_by_test_id("update-verdict")
    expect(verdict).to_have_attribute("data-falls", "false")
    assert data["cost_after"] > data["cost"]
    assert_shows(page, "cost-after", data["cost_after"])
    assert_shows(page, "smaller-rate", data["smaller_rate"]["learning_rate"])
    assert_shows(page, "smaller-cost-after", data["smaller_rate"]["cost_after"])
    expect(verdict).to_contain_text("does not fall")
    save(page, tmp_path, "inside-overshoot", verdict)
