// Run page: polls GET /api/runs/<id> every POLL_MS while the run is queued or running, feeds the
// columnar history to the charts, then shows results, report and the drawing pad once completed.
import {
  readPageData, fillUrl, getJSON, sendJSON, el, displayName, formatPercent, formatSeconds,
  formatNumber, describeConfig,
} from "./api.js";
import { makeChart, setData } from "./charts.js";
import { makeImageCanvas, drawPixels } from "./images.js";
import { drawRowBars } from "./bars.js";
import { makeDrawPad, LINE_WIDTH } from "./drawpad.js";
import { makeCorrections } from "./corrections.js";
import {
  asRegressionConfig, makeR2Chart, R2_COLUMNS, showRegressionReport, showRegressionResults, showRowValue,
} from "./run_regression.js";
import { fillConfusion } from "./confusion.js";
import { setUpPredictFile } from "./predict-file.js";
import { showAuto } from "./auto-run.js";
import { showImbalance } from "./imbalance.js";
import { showImportance } from "./importance.js";
import { showMisreadCard } from "./misread-rows.js";

const POLL_MS = 500;
const ACTIVE = new Set(["queued", "running"]);
const RESTARTABLE = new Set(["interrupted", "failed", "cancelled"]);

const page = readPageData();
const urls = page.urls;
const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);

let dataset = null;
let costChart = null;
let accuracyChart = null;
let completedShown = false;
let corrections = null; // the "Wrong? Tell me the right digit" buttons
let shownDrawing = null; // the drawing the shown prediction was computed from
let regression = false;  // a number to predict: R² instead of accuracy, a value from a row
let lastRun = null;
let secondChartBox = null; // accuracy, or R² for a number to predict

function showError(message) {
  const node = $("run-error");
  node.textContent = message || "";
  node.hidden = !message;
}

function makeCharts() {
  costChart = makeChart($("cost-chart"), {
    yLabel: "cost",
    series: [
      { label: "training", stroke: "#2563eb" },
      { label: "validation", stroke: "#ea580c", dash: [6, 4] },
    ],
  });
  secondChartBox = $("accuracy-chart");
  if (regression) {
    accuracyChart = makeR2Chart();
    return;
  }
  accuracyChart = makeChart($("accuracy-chart"), {
    yLabel: "accuracy",
    percent: true,
    series: [
      { label: "training", stroke: "#2563eb" },
      { label: "validation", stroke: "#ea580c", dash: [6, 4] },
    ],
  });
}

function column(history, key, length) {
  const values = history[key] || [];
  return Array.from({ length }, (_, i) => (values[i] === undefined ? null : values[i]));
}

function showHistory(history) {
  const epochs = history.epoch || [];
  const n = epochs.length;
  if (String(n) === $("cost-chart").dataset.points) return;
  setData(costChart, $("cost-chart"), [epochs, column(history, "cost", n), column(history, "val_cost", n)]);
  const [train, val] = regression ? R2_COLUMNS : ["train_accuracy", "val_accuracy"];
  setData(accuracyChart, secondChartBox,
    [epochs, column(history, train, n), column(history, val, n)]);
}

function showProgress(run) {
  const history = run.history || {};
  const result = run.result || {};
  const progress = run.progress || {};
  // a finished run's own history counts its epochs (the live ones may be another L2's)
  const done = (history.epoch || []).length;
  const epoch = run.status === "completed" && done ? done : (progress.epoch ?? done);
  const epochs = progress.epochs ?? (run.config && run.config.epochs) ?? 0;
  const bar = $("run-progress");
  const counter = $("epoch-counter");
  counter.dataset.epoch = String(epoch);
  bar.value = epochs ? Math.min(1, epoch / epochs) : 0;
  if (run.status === "queued") counter.textContent = "queued: waiting for a free worker";
  else if (run.status === "running" && !epoch && progress.phase) counter.textContent = `${progress.phase}…`;
  else if (run.status === "completed" && result.stopped === "early_stopping") {
    counter.textContent = `stopped early at epoch ${epoch} of ${epochs} (best: epoch ${result.best_epoch})`;
    bar.value = 1;
  } else if (run.status === "completed") {
    // weight averaging: the model is the mean of several epochs, not the last point charted
    const [first, last] = result.averaged_epochs || [];
    const averaged = first < last ? ` · weights averaged over epochs ${first}–${last}` : "";
    counter.textContent = `epoch ${epoch} of ${epochs}${averaged}`;
    bar.value = 1;
  } else counter.textContent = `epoch ${epoch} of ${epochs}`;
  $("eta").textContent = run.status === "running" && progress.eta_seconds != null
    ? `about ${formatSeconds(progress.eta_seconds)} left` : "";
}

function showStatus(run) {
  const status = $("run-status");
  status.textContent = run.status;
  status.dataset.status = run.status;
  status.className = `status status-${run.status}`;
  $("cancel-run").hidden = !ACTIVE.has(run.status);
  $("restart-run").hidden = !RESTARTABLE.has(run.status);
  if (run.status === "failed") showError(`Training failed: ${run.error || "unknown error"}`);
  else if (run.status === "interrupted") showError("The server stopped while this run was training. Restart it to train again.");
}

/** "Inside the network" once there are weights to look into: a completed run, or a running
 * one after its first finished epoch (a convolutional network has no z = a W + b to show). */
function showInsideLink(run) {
  const epochs = ((run.history || {}).epoch || []).length;
  const conv = ((run.config || {}).conv_filters || []).length > 0;
  $("inside-link").hidden = conv || !(run.status === "completed" || (run.status === "running" && epochs > 0));
}

function showRun(run) {
  showStatus(run);
  showProgress(run);
  showAuto(run, urls, regression);
  showHistory(run.history || {});
  showInsideLink(run);
}

async function poll() {
  let run = null;
  try {
    run = await getJSON(urls.run);
  } catch (err) {
    showError(`Lost contact with the server (${err.message}); retrying…`);
    window.setTimeout(poll, 4 * POLL_MS);
    return;
  }
  if (!ACTIVE.has(run.status)) showError("");
  showRun(run);
  if (ACTIVE.has(run.status)) window.setTimeout(poll, POLL_MS);
  else if (run.status === "completed" && !completedShown) {
    completedShown = true;
    showCompleted(run);
  }
}

// ---- completed run -----------------------------------------------------------------------

function showResults(run) {
  const result = run.result || {};
  $("val-accuracy").textContent = formatPercent(result.val_accuracy);
  $("train-accuracy").textContent = formatPercent(result.train_accuracy);
  if (regression) showRegressionResults(result);
  $("final-cost").textContent = formatNumber(result.final_cost, 4);
  $("train-seconds").textContent = formatSeconds(result.seconds);
  $("download-model").href = urls.model;
  $("download-onnx").href = urls.onnx;
  $("history-csv").href = urls.historyCsv;
  $("compare-link").href = `${urls.compare}?${new URLSearchParams({ dataset_id: run.dataset_id, runs: run.id })}`;
  $("results").hidden = false;
}

/** Balanced accuracy and the majority baseline (classes), which columns matter (tables);
 * after the dataset has loaded, for its class names. */
function showFindings(result) {
  if (!regression) {
    showImbalance({ stat: $("balanced-stat"), value: $("val-balanced-accuracy"), note: $("majority-baseline") },
      result, (label) => displayName(dataset, label));
  }
  showImportance({ card: $("importance-card"), chart: $("importance-chart"), note: $("importance-note") },
    result.importance);
}

function showConfusion(report) {
  const names = report.classes.map((label) => displayName(dataset, label));
  fillConfusion($("confusion-matrix"), names, report.confusion_matrix);
}

function showMistakes(report) {
  if ((report.mistakes || []).some((mistake) => mistake.values)
      || (!report.hidden_units && !(dataset && dataset.image))) {
    showMisreadCard(report, (label) => displayName(dataset, label));
    return;
  }
  const container = $("mistakes");
  container.replaceChildren();
  const mistakes = report.mistakes || [];
  const geometry = report.image || (dataset && dataset.image) || null;
  if (!mistakes.length) {
    container.append(el("p", "muted", "No validation sample was misclassified."));
  }
  for (const mistake of mistakes) {
    const figure = el("figure", "mistake");
    if (mistake.pixels && geometry) {
      figure.append(makeImageCanvas(mistake.pixels, geometry.width, geometry.height, "pixel-canvas mistake-canvas"));
    }
    const caption = el("figcaption");
    caption.append(
      el("span", "mistake-true", `is ${displayName(dataset, mistake.true)}`),
      el("span", "mistake-pred", `said ${displayName(dataset, mistake.predicted)}`),
    );
    figure.append(caption);
    container.append(figure);
  }
  $("mistakes-card").hidden = false;
}

function showHiddenUnits(report) {
  const units = report.hidden_units;
  const card = $("hidden-units-card");
  if (!units || !units.units || !units.units.length) {
    card.hidden = true;
    return;
  }
  const grid = $("hidden-units");
  grid.replaceChildren();
  units.units.forEach((pixels, i) => {
    const canvas = makeImageCanvas(pixels, units.width, units.height, "pixel-canvas unit-canvas", { ink: "light" });
    canvas.title = `hidden unit ${i + 1}`;
    grid.append(canvas);
  });
}

async function showReport() {
  try {
    const report = await getJSON(urls.report);
    if (report.task === "regression") {
      showRegressionReport(report);
      return;
    }
    showConfusion(report);
    showHiddenUnits(report);
    showMistakes(report);
    $("report").hidden = false;
  } catch (err) {
    showError(`Could not load the report: ${err.message}`);
  }
}

function setUpGradcheck() {
  const button = $("gradcheck");
  const result = $("gradcheck-result");
  button.addEventListener("click", async () => {
    button.disabled = true;
    result.textContent = "Checking…";
    try {
      const body = await sendJSON("POST", urls.gradcheck, {});
      // the server judges the error against its own threshold; the page only reports it
      const error = body.max_relative_error;
      const verdict = body.passed ? "backpropagation agrees with finite differences"
        : `larger than expected (threshold ${Number(body.threshold).toExponential(0)})`;
      result.textContent = `max relative error ${Number(error).toExponential(2)}: ${verdict}`;
      result.dataset.passed = String(Boolean(body.passed));
      result.dataset.error = String(error);
    } catch (err) {
      result.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
}

// ---- drawing pad -------------------------------------------------------------------------

function showNoPrediction(strokeCount) {
  shownDrawing = null;
  if (corrections) corrections.hide();
  const prediction = $("prediction");
  prediction.removeAttribute("data-label");
  prediction.dataset.strokes = String(strokeCount);
  prediction.classList.remove("has-label");
  $("prediction-name").textContent = "?";
  $("prediction-note").textContent = "draw a digit";
  $("probabilities").replaceChildren();
  const processed = $("processed-canvas");
  processed.getContext("2d").clearRect(0, 0, processed.width, processed.height);
}

function showPrediction(body, drawing) {
  if (body.label === null || body.label === undefined) {
    showNoPrediction(body.strokes);
    return;
  }
  shownDrawing = drawing;
  if (corrections) corrections.show();
  const prediction = $("prediction");
  prediction.dataset.label = body.label;
  prediction.dataset.strokes = String(body.strokes);
  prediction.classList.add("has-label");
  const probabilities = body.probabilities || {};
  const p = probabilities[body.label];
  $("prediction-name").textContent = displayName(dataset, body.label);
  $("prediction-note").textContent = p !== undefined ? `${(100 * p).toFixed(0)} % sure` : "";
  const labels = (dataset && dataset.classes) || Object.keys(probabilities);
  drawRowBars($("probabilities"), labels.map((label) => ({
    label: displayName(dataset, label),
    value: probabilities[label] || 0,
    highlight: label === body.label,
  })));
  if (body.processed) {
    drawPixels($("processed-canvas"), body.processed.pixels, body.processed.width, body.processed.height);
  }
}

function setUpDrawPad() {
  const canvas = $("digit-canvas");
  const status = $("draw-status");
  let latest = 0; // sequence number of the newest request; older answers are dropped
  const pad = makeDrawPad(canvas, {
    lineWidth: LINE_WIDTH,
    onStrokeEnd: async (strokes) => {
      const request = (latest += 1);
      status.textContent = "thinking…";
      const drawing = { strokes, width: canvas.width, height: canvas.height, line_width: LINE_WIDTH };
      try {
        const body = await sendJSON("POST", urls.predict, drawing);
        if (request !== latest || body.strokes !== strokes.length) {
          // A newer drawing is on its way (or shown): drop this answer, and count it for tests.
          const prediction = $("prediction");
          prediction.dataset.dropped = String(Number(prediction.dataset.dropped || 0) + 1);
          return;
        }
        status.textContent = "";
        showPrediction(body, drawing);
      } catch (err) {
        if (request === latest) status.textContent = err.message;
      }
    },
  });
  corrections = makeCorrections({
    root: $("correction"),
    buttons: $("correction-buttons"),
    done: $("correction-done"),
    dataset,
    url: urls.corrections,
    datasetPage: urls.datasetPage,
    drawing: () => shownDrawing,
  });
  $("clear-canvas").addEventListener("click", () => {
    latest += 1;
    pad.clear();
    status.textContent = "";
    showNoPrediction(0);
  });
  showNoPrediction(0);
  $("draw-section").hidden = false;
}

// ---- try a row (tables) -------------------------------------------------------------------

/** One field per column: a select of the categories, or a text box for a number. */
function setUpRowForm(fields) {
  const box = $("row-fields");
  box.replaceChildren();
  for (const field of fields) {
    const label = el("label", "field");
    label.append(el("span", null, field.name));
    let input;
    if (field.kind === "category") {
      input = el("select");
      input.append(Object.assign(el("option", null, "(blank)"), { value: "" }));
      for (const value of field.categories) input.append(Object.assign(el("option", null, value), { value }));
      if (field.categories.length) input.value = field.categories[0];
    } else {
      input = el("input");
      input.type = "text";
      input.inputMode = "decimal";
      input.value = field.fill === null || field.fill === undefined ? "" : String(field.fill);
    }
    input.name = field.name;
    label.append(input);
    box.append(label);
  }
  $("row-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const row = {};
    for (const input of $("row-form").querySelectorAll("input, select")) row[input.name] = input.value;
    $("row-error").hidden = true;
    try {
      const body = await sendJSON("POST", urls.predict, { row });
      if (body.value !== undefined) showRowValue(body, lastRun && lastRun.result);
      else showRowPrediction(body);
    } catch (err) {
      $("row-error").textContent = err.message;
      $("row-error").hidden = false;
    }
  });
  $("row-section").hidden = false;
}

/** The fields of the run's own model: a change of the dataset's roles since it trained does
 * not change the columns it reads. */
async function setUpRunRowForm() {
  try {
    const form = await getJSON(urls.rowForm);
    if (form.fields) setUpRowForm(form.fields);
  } catch (_) {
    setUpRowForm(dataset.row_form);
  }
}

function showRowPrediction(body) {
  const shown = $("row-prediction");
  shown.dataset.label = body.label;
  shown.classList.add("has-label");
  $("row-prediction-name").textContent = displayName(dataset, body.label);
  const labels = Object.keys(body.probabilities);
  drawRowBars($("row-probabilities"), labels.map((label) => ({
    label: displayName(dataset, label), value: body.probabilities[label], highlight: label === body.label,
  })));
  $("row-notes").replaceChildren(...(body.notes || []).map((note) => el("li", null, note)));
}

async function showCompleted(run) {
  lastRun = run;
  showResults(run);
  try {
    dataset = await getJSON(fillUrl(urls.datasetApi, run.dataset_id));
  } catch (_) {
    dataset = null;
  }
  showFindings(run.result || {});
  setUpPredictFile(urls, (label) => displayName(dataset, label));
  if (dataset && dataset.image && !regression) setUpDrawPad();
  else if (dataset && dataset.row_form) await setUpRunRowForm();
  showReport();
}

// ---- start -------------------------------------------------------------------------------

function setUpButtons() {
  $("cancel-run").addEventListener("click", async () => {
    const button = $("cancel-run");
    button.disabled = true;
    try {
      await sendJSON("POST", urls.cancel, {});
    } catch (err) {
      showError(err.message);
    } finally {
      button.disabled = false;
    }
  });
  $("restart-run").addEventListener("click", async () => {
    const button = $("restart-run");
    button.disabled = true;
    try {
      const run = await sendJSON("POST", urls.restart, {});
      window.location.assign(fillUrl(urls.runPage, run.id));
    } catch (err) {
      showError(err.message);
      button.disabled = false;
    }
  });
}

/** "Chosen for this table: ..." when the run kept the settings the dataset suggested. */
function showChosen(config, chosen) {
  const node = $("run-defaults");
  if (!node || !chosen) return;
  const kept = Object.entries(chosen.settings).every(([key, value]) =>
    JSON.stringify(config[key]) === JSON.stringify(value));
  node.textContent = kept ? `Chosen for this dataset: ${chosen.reason}.` : "";
  node.hidden = !kept;
}

/** "Extras for the drawing pad: on/off, because ..." (the server's words; none for a table). */
function showExtras(reason) {
  const node = $("run-extras");
  if (!node) return;
  node.textContent = reason ? `${reason}.` : "";
  node.hidden = !reason;
}

/** Whether the run predicts a number: its result says so, else (still training) its dataset. */
async function readTask() {
  try {
    const run = await getJSON(urls.run);
    if (run.result && run.result.task) return run.result.task === "regression";
    const found = await getJSON(fillUrl(urls.datasetApi, run.dataset_id));
    return found.task === "regression";
  } catch (_) {
    return false;
  }
}

async function start() {
  regression = await readTask();
  makeCharts();
  setUpButtons();
  setUpGradcheck();
  try {
    const run = await getJSON(urls.run);
    const link = $("dataset-link");
    link.href = fillUrl(urls.datasetPage, run.dataset_id);
    link.textContent = `Dataset #${run.dataset_id}`;
    $("run-config").textContent = describeConfig(regression ? asRegressionConfig(run.config) : run.config);
    showExtras(run.extras);
    getJSON(fillUrl(urls.datasetApi, run.dataset_id)).then((d) => {
      link.textContent = d.name || link.textContent;
      showChosen(run.config, d.default_run);
    }).catch(() => {});
  } catch (err) {
    showError(err.message);
  }
  poll();
}

start();
