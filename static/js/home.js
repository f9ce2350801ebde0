// Home page: built-in sample card, upload (drag and drop + picker, progress while the file is
// sent and while the server reads its rows, cancel), datasets and recent runs.
import {
  readPageData, fillUrl, getJSON, sendJSON, uploadForm, asList, el, formatPercent, formatDate,
  makeStatusBadge, describeNetwork,
} from "./api.js";
import { wireDropzone } from "./dropzone.js";
import { followJob, megabytes, tooLarge } from "./follow.js";
import { makeImageCanvas } from "./images.js";

const page = readPageData();
const urls = page.urls;

function describeDataset(dataset) {
  return `${dataset.n_samples.toLocaleString()} rows · ${dataset.n_features.toLocaleString()} features · ${dataset.classes.length} classes`;
}

async function showSample(datasets) {
  const summary = document.querySelector("[data-testid=sample-summary]");
  const button = document.querySelector("[data-testid=train-defaults]");
  const link = document.querySelector("[data-testid=sample-link]");
  const sample = datasets.find((d) => d.source === "builtin") || null;
  if (!sample) {
    summary.textContent = "The built-in sample is not available on this server.";
    return;
  }
  summary.textContent = `${sample.name}: ${describeDataset(sample)}`;
  link.href = fillUrl(urls.datasetPage, sample.id);
  link.hidden = false;
  button.disabled = false;
  button.addEventListener("click", () => trainWithDefaults(sample.id, button));
  drawSampleStrip(sample);
}

async function drawSampleStrip(dataset) {
  if (!dataset.image) return;
  const strip = document.querySelector("[data-testid=sample-strip]");
  try {
    const body = await getJSON(`${fillUrl(urls.samples, dataset.id)}?per_class=1`);
    for (const sample of body.samples) {
      strip.append(makeImageCanvas(sample.pixels, body.width, body.height, "pixel-canvas strip-canvas"));
    }
  } catch (_) {
    // The strip is decoration; the summary line already says what the sample is.
  }
}

async function trainWithDefaults(datasetId, button) {
  const error = document.querySelector("[data-testid=sample-error]");
  button.disabled = true;
  button.textContent = "Starting…";
  error.hidden = true;
  try {
    const run = await sendJSON("POST", urls.runs, { dataset_id: datasetId });
    window.location.assign(fillUrl(urls.runPage, run.id));
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
    button.disabled = false;
    button.textContent = "Train with defaults";
  }
}

function showDatasets(datasets) {
  const body = document.querySelector("[data-testid=datasets-table] tbody");
  body.replaceChildren();
  for (const dataset of datasets) {
    const row = el("tr");
    const nameCell = el("td");
    const link = el("a", null, dataset.name || `Dataset ${dataset.id}`);
    link.href = fillUrl(urls.datasetPage, dataset.id);
    nameCell.append(link);
    if (dataset.source === "builtin") nameCell.append(" ", el("span", "pill", "sample"));
    row.append(
      nameCell,
      el("td", "num", dataset.n_samples.toLocaleString()),
      el("td", "num", dataset.n_features.toLocaleString()),
      el("td", "num", dataset.classes.length),
      el("td", "muted", formatDate(dataset.created_at)),
    );
    body.append(row);
  }
  document.querySelector("[data-testid=datasets-empty]").hidden = datasets.length > 0;
}

function showRuns(runs, datasets) {
  const names = new Map(datasets.map((d) => [d.id, d.name]));
  const body = document.querySelector("[data-testid=runs-table] tbody");
  body.replaceChildren();
  const recent = [...runs].sort((a, b) => b.id - a.id).slice(0, 12);
  for (const run of recent) {
    const row = el("tr");
    const linkCell = el("td");
    const link = el("a", null, `Run #${run.id}`);
    link.href = fillUrl(urls.runPage, run.id);
    linkCell.append(link);
    const statusCell = el("td");
    statusCell.append(makeStatusBadge(run.status));
    const result = run.result || {};
    const accuracy = result.val_accuracy ?? result.train_accuracy ?? null;
    row.append(
      linkCell,
      el("td", null, names.get(run.dataset_id) || `#${run.dataset_id}`),
      statusCell,
      el("td", "num", formatPercent(accuracy)),
      el("td", "muted", describeNetwork(run.config)),
      el("td", "muted", formatDate(run.created_at)),
    );
    body.append(row);
  }
  document.querySelector("[data-testid=runs-empty]").hidden = recent.length > 0;
}

function setUpUpload() {
  const form = document.querySelector("[data-testid=upload-form]");
  const input = form.querySelector("[data-testid=upload-input]");
  const dropzone = form.querySelector("[data-testid=dropzone]");
  const fileName = form.querySelector("[data-testid=upload-filename]");
  const submit = form.querySelector("[data-testid=upload-submit]");
  let chosen = null;

  function choose(file) {
    chosen = file || null;
    fileName.textContent = chosen ? `${chosen.name} (${Math.ceil(chosen.size / 1024)} KB)` : "";
    if (chosen) upload(form, chosen, submit);
  }

  wireDropzone(dropzone, input, choose);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (chosen) upload(form, chosen, submit);
  });
}

const POLL_MS = 250;

async function upload(form, file, submit) {
  const progress = form.querySelector("[data-testid=upload-progress]");
  const progressText = form.querySelector("[data-testid=upload-progress-text]");
  const cancel = form.querySelector("[data-testid=upload-cancel]");
  const error = form.querySelector("[data-testid=upload-error]");
  const maxBytes = Number(form.querySelector("[data-testid=upload-input]").dataset.maxBytes);
  const fail = (message) => {
    progress.hidden = true;
    cancel.hidden = true;
    progressText.textContent = "";
    error.textContent = message;
    error.hidden = false;
    submit.disabled = false;
    form.querySelector("[data-testid=upload-retry]").hidden = false;
  };
  if (tooLarge(file, maxBytes)) {
    fail(tooLarge(file, maxBytes));
    return;
  }
  const data = new FormData();
  data.append("file", file);
  for (const name of ["label_column", "x_sheet", "y_sheet"]) {
    const value = form.elements[name].value.trim();
    if (value) data.append(name, value);
  }
  const aborter = new AbortController();
  cancel.onclick = () => aborter.abort();
  error.hidden = true;
  submit.disabled = true;
  progress.hidden = false;
  progress.value = 0;
  cancel.hidden = false;
  progressText.textContent = "Uploading…";
  try {
    const accepted = await uploadForm(`${urls.datasets}?progress=1`, data, (fraction, sent, total) => {
      progress.value = fraction;
      progressText.textContent = fraction < 1
        ? `Uploading… ${Math.round(fraction * 100)} % (${megabytes(sent)} of ${megabytes(total)})`
        : "Uploaded; waiting for the server…";
    }, aborter.signal);
    cancel.hidden = true;
    const { dataset } = await followJob(accepted.url, (state) => {
      if (state.status !== "reading") return;
      progress.value = state.fraction ?? 0;
      progressText.textContent = state.fraction == null
        ? `${state.phase[0].toUpperCase()}${state.phase.slice(1)}…`
        : `Reading rows… ${Math.round(state.fraction * 100)} %`;
    }, POLL_MS);
    progressText.textContent = `Loaded ${dataset.n_samples.toLocaleString()} rows. Opening the dataset…`;
    window.location.assign(fillUrl(urls.datasetPage, dataset.id));
  } catch (err) {
    if (err.status === 413 && !err.message.includes("limit")) {
      fail(`${file.name} is larger than this server accepts (${megabytes(maxBytes)}).`);
    } else {
      fail(err.message);
    }
  }
}

async function loadLists() {
  try {
    const [datasetsBody, runsBody] = await Promise.all([getJSON(urls.datasets), getJSON(urls.runs)]);
    const datasets = asList(datasetsBody, "datasets");
    const runs = asList(runsBody, "runs");
    showSample(datasets);
    showDatasets(datasets);
    showRuns(runs, datasets);
  } catch (err) {
    const summary = document.querySelector("[data-testid=sample-summary]");
    summary.textContent = `Could not reach the server: ${err.message}`;
  }
}

setUpUpload();
loadLists();
