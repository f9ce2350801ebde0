// "Inside the network" page: asks GET/POST /api/runs/<id>/inside for the numbers of one example
// going through the run's network (a validation sample, or a digit drawn on the pad) and shows
// them: the network (inside-diagram.js), the example (inside-example.js), the hovered unit
// (inside-unit.js) and the four steps of one gradient-descent step (inside-steps.js). Keeps what
// the learner chose (sample, weight, revealed steps, epoch) and replays earlier epochs.
import { readPageData, getJSON, sendJSON, el, formatNumber } from "./api.js";
import { makeDrawPad, LINE_WIDTH } from "./drawpad.js";
import { drawDiagram, shownUnits, unitName, NARROW_BELOW } from "./inside-diagram.js";
import { showUnit } from "./inside-unit.js";
import { showExample } from "./inside-example.js";
import { activationOf, renderForward, renderCost, renderBackward, renderUpdate } from "./inside-steps.js";

const STEPS = ["forward", "cost", "backward", "update"];
const page = readPageData();
const urls = page.urls;
const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);

const state = {
  source: "validation", // or "drawing"
  sample: 0,
  drawing: null,        // the strokes drawn on the pad, as POST /api/runs/<id>/predict takes them
  epoch: null,          // null: the run's final model (or its newest snapshot while training)
  weight: null,         // {l, from, to}: the weight the steps follow; null lets the server choose
  units: {},            // layer -> the unit the formulas show, as picked on the diagram
  revealed: 0,          // how many of STEPS are shown
  data: null,
  hiddenPictures: null, // the run page's first-layer weight pictures, {units, width, height}
  hasFinal: false,      // the run has a trained model (the replay slider's end)
};
let latest = 0; // the newest request; older answers are dropped

function showError(message) {
  const node = $("inside-error");
  node.textContent = message || "";
  node.hidden = !message;
}

// ---- asking the server ----------------------------------------------------------------------

function weightFields() {
  return state.weight ? { layer: state.weight.l, from: state.weight.from, to: state.weight.to } : null;
}

/** GET for a validation sample (everything in the query), POST for a drawing (in the body). */
function request() {
  const weight = weightFields();
  if (state.source === "drawing") {
    return sendJSON("POST", urls.inside, {
      ...state.drawing, ...(state.epoch === null ? {} : { epoch: state.epoch }), ...(weight ? { weight } : {}),
    });
  }
  const params = new URLSearchParams({ sample: String(state.sample), ...(weight || {}) });
  if (state.epoch !== null) params.set("epoch", String(state.epoch));
  return getJSON(`${urls.inside}?${params}`);
}

async function load() {
  if (state.source === "drawing" && !state.drawing) return;
  const ticket = (latest += 1);
  try {
    const data = await request();
    if (ticket !== latest) return;
    showError("");
    show(data);
  } catch (err) {
    if (ticket === latest) showError(err.message);
  }
}

// ---- what the page shows -----------------------------------------------------------------------

function showSummary(data) {
  const network = data.network || {};
  const hidden = activationOf(data, 1);
  $("inside-network-summary").textContent = [
    (network.sizes || []).join(" → "),
    data.layers.length > 2 ? `${hidden} hidden units, ${network.output} outputs` : `${network.output} outputs`,
    network.cost === "squared_error" ? "half squared error" : "cross-entropy",
    `L2 ${formatNumber(network.l2)}`,
    `${network.optimizer} at rate ${formatNumber(network.learning_rate)}`,
  ].join(" · ");
}

function showReplay(data) {
  const epochs = data.epochs || [];
  $("replay-box").hidden = epochs.length < 2;
  const slider = $("replay-slider");
  slider.max = String(Math.max(0, epochs.length - 1));
  // the trained model sits at the slider's end (after weight averaging it is not the last
  // epoch's snapshot, but it comes after it)
  const at = data.final ? epochs.length - 1 : epochs.indexOf(data.epoch);
  slider.value = String(Math.max(0, at));
  const text = data.final ? `Trained model (epoch ${data.epoch})` : `After epoch ${data.epoch}`;
  slider.setAttribute("aria-valuetext", text);
  $("replay-label").textContent = text;
}

/** The layer index (into data.layers) of the weight the steps follow: the layer it feeds. */
function stepWeight(data) {
  const step = data.step || {};
  return { l: step.layer, from: step.from, to: step.to };
}

/** Each layer's unit for the formulas: the one picked on the diagram when it is still drawn,
 * else an end of the chosen weight, else the layer's first shown unit. */
function formulaUnits(data) {
  const weight = stepWeight(data);
  return data.layers.map((layer, l) => {
    const shown = shownUnits(layer);
    if (shown.includes(state.units[l])) return state.units[l];
    if (l === weight.l) return weight.to;
    if (l === weight.l - 1) return weight.from;
    return shown[0];
  });
}

function firstLayerPicture(data, l, unit) {
  const layer = data.layers[l];
  if (layer.pictures && layer.pictures[unit]) return layer.pictures[unit];
  const pictures = state.hiddenPictures;
  // the run page's pictures are of the trained model's weights, not of an earlier epoch's
  if (l !== 1 || !pictures || !data.final || !pictures.units[unit]) return null;
  return { pixels: pictures.units[unit], width: pictures.width, height: pictures.height };
}

function inspect(l, unit) {
  const data = state.data;
  if (data) showUnit($("unit-details"), data, l, unit, firstLayerPicture(data, l, unit));
}

/** A unit picked on the diagram: the steps follow a weight into it (its largest incoming one),
 * or, for an input, out of it into the first hidden layer's unit the formulas show. */
function pickUnit(l, unit) {
  const data = state.data;
  if (l === 0) {
    pickWeight(1, unit, formulaUnits(data)[1]);
    return;
  }
  const incoming = ((data.layers[l].incoming || {})[unit]) || [];
  pickWeight(l, incoming.length ? incoming[0].from : formulaUnits(data)[l - 1], unit);
}

/** The weight the steps follow; its two ends become the units the formulas show. */
function pickWeight(l, from, to) {
  state.units[l - 1] = from;
  state.units[l] = to;
  state.weight = { l, from, to };
  load();
}

function fillWeightSelect(data) {
  const select = $("weight-select");
  const chosen = stepWeight(data);
  const options = [];
  data.layers.forEach((layer, l) => {
    for (const link of layer.links || []) options.push({ l, from: link.from, to: link.to, w: link.w });
  });
  if (!options.some((o) => o.l === chosen.l && o.from === chosen.from && o.to === chosen.to)) {
    options.unshift({ ...chosen, w: (data.step || {}).w });
  }
  select.replaceChildren(...options.map((o) => {
    const label = `layer ${o.l}: ${unitName(data, o.l - 1, o.from)} → ${unitName(data, o.l, o.to)} (w = ${formatNumber(o.w)})`;
    return Object.assign(el("option", null, label), { value: `${o.l}:${o.from}:${o.to}` });
  }));
  select.value = `${chosen.l}:${chosen.from}:${chosen.to}`;
}

function renderSteps() {
  const data = state.data;
  if (!data) return;
  const units = formulaUnits(data);
  const step = { ...(data.step || {}), layer: stepWeight(data).l };
  const renderers = {
    forward: (body) => renderForward(body, data, units),
    cost: (body) => renderCost(body, data),
    backward: (body) => renderBackward(body, data, units, step),
    update: (body) => renderUpdate(body, data, step),
  };
  STEPS.forEach((name, k) => {
    const section = $(`${name}-step`);
    section.hidden = k >= state.revealed;
    $(`step-${name}`).dataset.done = String(k < state.revealed);
    if (k < state.revealed) renderers[name]($(`${name}-body`));
  });
}

/** The diagram with the chosen weight's two ends (and any unit picked) ringed. */
function drawNetwork() {
  const data = state.data;
  const weight = stepWeight(data);
  const ringed = { [weight.l - 1]: weight.from, [weight.l]: weight.to };
  data.layers.forEach((layer, l) => {
    if (state.units[l] !== undefined && shownUnits(layer).includes(state.units[l])) ringed[l] = state.units[l];
  });
  const box = $("network-diagram");
  // a redraw replaces the units: keep keyboard focus on the one that had it
  const focused = box.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
  drawDiagram(box, data, { units: ringed, weight },
    { onInspect: inspect, onPick: pickUnit, onPickWeight: pickWeight });
  const again = focused && box.querySelector(`[data-testid="${focused}"]`);
  if (again) again.focus({ preventScroll: true });
}

function show(data) {
  state.data = data;
  state.hasFinal = state.hasFinal || Boolean(data.final);
  showSummary(data);
  showExample(data, state.source);
  showReplay(data);
  fillWeightSelect(data);
  const units = formulaUnits(data);
  drawNetwork();
  const panel = $("unit-details");
  const l = panel.dataset.layer === undefined ? data.layers.length - 1 : Number(panel.dataset.layer);
  inspect(l, shownUnits(data.layers[l]).includes(Number(panel.dataset.unit)) ? Number(panel.dataset.unit) : units[l]);
  renderSteps();
  // what the page shows now, for tests and for anyone reading the DOM
  const box = $("network-diagram");
  const weight = stepWeight(data);
  box.dataset.sample = String((data.sample || {}).index ?? "");
  box.dataset.source = (data.sample || {}).source || state.source;
  box.dataset.epoch = String(data.epoch);
  box.dataset.weight = `${weight.l}:${weight.from}:${weight.to}`;
}

// ---- controls ----------------------------------------------------------------------------------

function reveal(count) {
  state.revealed = count;
  renderSteps();
  if (count) $(`${STEPS[count - 1]}-step`).querySelector("h3").focus();
}

const KEYLESS_INPUTS = new Set(["radio", "checkbox", "range", "button"]);

/** Whether a key pressed in `node` is typed into it (so N is a letter there, not a step). */
function typesText(node) {
  if (node.closest("select, textarea, [contenteditable]")) return true;
  return node.tagName === "INPUT" && !KEYLESS_INPUTS.has(node.type);
}

function setUpSteps() {
  STEPS.forEach((name, k) => $(`step-${name}`).addEventListener("click", () => reveal(k + 1)));
  $("step-reset").addEventListener("click", () => reveal(0));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "n" && event.key !== "N") return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typesText(event.target)) return;
    event.preventDefault();
    reveal(Math.min(STEPS.length, state.revealed + 1));
  });
  $("weight-select").addEventListener("change", (event) => {
    const [l, from, to] = event.target.value.split(":").map(Number);
    pickWeight(l, from, to);
  });
}

function goToSample(index) {
  const input = $("sample-index");
  const max = input.max === "" ? Infinity : Number(input.max);
  state.sample = Math.max(0, Math.min(max, Math.round(Number(index) || 0)));
  input.value = String(state.sample);
  load();
}

function setUpSamples() {
  $("sample-previous").addEventListener("click", () => goToSample(state.sample - 1));
  $("sample-next").addEventListener("click", () => goToSample(state.sample + 1));
  $("sample-index").addEventListener("change", (event) => goToSample(event.target.value));
  $("replay-slider").addEventListener("input", (event) => {
    const epochs = (state.data && state.data.epochs) || [];
    const index = Number(event.target.value);
    // the slider's end is the trained model itself when the run has one
    state.epoch = index === epochs.length - 1 && state.hasFinal ? null : epochs[index] ?? state.epoch;
    load();
  });
}

function setUpDrawing() {
  const canvas = $("inside-canvas");
  const status = $("inside-draw-status");
  const pad = makeDrawPad(canvas, {
    lineWidth: LINE_WIDTH,
    onStrokeEnd: (strokes) => {
      state.drawing = { strokes, width: canvas.width, height: canvas.height, line_width: LINE_WIDTH };
      status.textContent = `${strokes.length} stroke${strokes.length === 1 ? "" : "s"} drawn`;
      load();
    },
  });
  $("inside-clear").addEventListener("click", () => {
    pad.clear();
    state.drawing = null;
    status.textContent = "draw a digit; it flows through after each stroke";
  });
  for (const radio of document.querySelectorAll("input[name=source]")) {
    radio.addEventListener("change", () => {
      state.source = radio.value;
      $("sample-controls").hidden = state.source !== "validation";
      $("inside-draw").hidden = state.source !== "drawing";
      load();
    });
  }
}

async function loadPictures() {
  try {
    const report = await getJSON(urls.report);
    state.hiddenPictures = report.hidden_units || null;
  } catch (_) {
    state.hiddenPictures = null; // a running run has no report yet: no pictures, the rest works
  }
}

/** A phone turned sideways (or a resized window) may want the other drawing width. */
function redrawOnResize() {
  const box = $("network-diagram");
  let wide = box.clientWidth >= NARROW_BELOW;
  new ResizeObserver(() => {
    if (!state.data || (box.clientWidth >= NARROW_BELOW) === wide) return;
    wide = box.clientWidth >= NARROW_BELOW;
    drawNetwork();
  }).observe(box);
}

async function start() {
  redrawOnResize();
  setUpSteps();
  setUpSamples();
  setUpDrawing();
  await load();
  if (state.data && state.data.sample && state.data.sample.image) {
    await loadPictures();
    if (state.data) show(state.data);
  }
}

start();
