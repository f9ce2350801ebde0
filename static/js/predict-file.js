// "Predict a file" on a completed run's page: pick or drop a file of new rows, upload it with
// progress (cancel stops the upload), follow GET /api/predictions/<id> while the server scores
// it, then show the first rows (prediction columns highlighted), the download, a note of
// error rows, blanks and unseen categories, and, when the file had labels, accuracy and a
// confusion matrix.
import { el, fillUrl, uploadForm } from "./api.js";
import { fillConfusion } from "./confusion.js";
import { showModelCard } from "./model-card.js";
import { wireDropzone } from "./dropzone.js";
import { followJob, megabytes, tooLarge } from "./follow.js";

const POLL_MS = 300;
const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);

function isPredictionColumn(name) {
  return name.startsWith("predicted_") || name.startsWith("probability_") || name === "error";
}

/** The preview table: the model's columns first (what the user came for, visible without
 * scrolling on a phone), then the file's own; the download keeps the file's order. */
function showPreview(preview) {
  const table = $("predictions-preview");
  table.replaceChildren();
  if (!preview) return;
  const indices = preview.columns.map((_, i) => i);
  const order = [...indices.filter((i) => isPredictionColumn(preview.columns[i])),
    ...indices.filter((i) => !isPredictionColumn(preview.columns[i]))];
  const cell = (tag, i, text) => el(tag, isPredictionColumn(preview.columns[i]) ? "is-predicted" : null, text);
  const headRow = el("tr");
  for (const i of order) headRow.append(cell("th", i, preview.columns[i]));
  const head = el("thead");
  head.append(headRow);
  const body = el("tbody");
  for (const cells of preview.rows) {
    const row = el("tr");
    for (const i of order) row.append(cell("td", i, cells[i]));
    body.append(row);
  }
  table.append(head, body);
}

/** "5 rows scored · 1 row with an error (row 4: …) · blanks: plan 1 · unseen: city 1". */
function describeSummary(summary) {
  const counted = (counts) => Object.entries(counts || {}).filter(([, n]) => n > 0)
    .map(([name, n]) => `${name} ${n}`).join(", ");
  const parts = [`${summary.rows.toLocaleString()} rows scored`];
  if (summary.errors) {
    const first = summary.error_examples.length ? ` (${summary.error_examples[0]})` : "";
    parts.push(`${summary.errors.toLocaleString()} ${summary.errors === 1 ? "row" : "rows"} could not be read${first}`);
  }
  if (counted(summary.blanks)) parts.push(`blanks filled: ${counted(summary.blanks)}`);
  if (counted(summary.unseen)) parts.push(`unseen categories: ${counted(summary.unseen)}`);
  if (summary.skipped) parts.push(summary.skipped);
  return parts.join(" · ");
}

function showMetrics(metrics, nameOf) {
  $("predictions-metrics").hidden = !metrics;
  if (!metrics) return;
  $("predictions-accuracy").textContent = `${(100 * metrics.accuracy).toFixed(1)} %`;
  $("predictions-accuracy-label").textContent =
    `accuracy on the file's ${metrics.rows.toLocaleString()} labelled rows`;
  fillConfusion($("predictions-confusion"), metrics.classes.map(nameOf), metrics.confusion);
}

function showPrediction(prediction, urls, nameOf) {
  $("predictions-notes").textContent = describeSummary({ ...prediction.summary, rows: prediction.rows });
  $("predictions-download").href = fillUrl(urls.predictionFile, prediction.id);
  showPreview(prediction.preview);
  showMetrics(prediction.metrics, nameOf);
  $("predictions-result").hidden = false;
}

async function predictFile(file, urls, nameOf) {
  const progress = $("predict-progress");
  const text = $("predict-progress-text");
  const cancel = $("predict-cancel");
  const error = $("predict-error");
  const input = $("predict-file-input");
  const settle = (message) => {
    progress.hidden = true;
    cancel.hidden = true;
    text.textContent = "";
    error.textContent = message || "";
    error.hidden = !message;
    input.disabled = false;
  };
  const maxBytes = Number(input.dataset.maxBytes);
  if (tooLarge(file, maxBytes)) {
    settle(tooLarge(file, maxBytes));
    return;
  }
  const data = new FormData();
  data.append("file", file);
  const aborter = new AbortController();
  cancel.onclick = () => aborter.abort();
  settle("");
  $("predictions-result").hidden = true;
  input.disabled = true;
  progress.hidden = false;
  progress.value = 0;
  cancel.hidden = false;
  text.textContent = "Uploading…";
  try {
    const started = await uploadForm(urls.predictions, data, (fraction, sent, total) => {
      progress.value = fraction;
      text.textContent = `Uploading… ${megabytes(sent)} of ${megabytes(total)}`;
    }, aborter.signal);
    cancel.hidden = true;
    progress.removeAttribute("value"); // indeterminate: the row count is not known ahead
    const done = await followJob(fillUrl(urls.prediction, started.id), (state) => {
      text.textContent = `Scoring… ${state.rows.toLocaleString()} rows done`;
    }, POLL_MS);
    settle("");
    showPrediction(done, urls, nameOf);
  } catch (err) {
    settle(err.cancelled ? "Upload cancelled." : err.message);
  }
}

/** Show the card and wire the picker and the drop zone. */
export function setUpPredictFile(urls, nameOf) {
  const section = $("predict-file-section");
  if (!section || !section.hidden) return;
  section.hidden = false;
  const input = $("predict-file-input");
  const dropzone = $("predict-dropzone");
  const choose = (file) => {
    if (!file) return;
    $("predict-file-name").textContent = `${file.name} (${Math.ceil(file.size / 1024)} KB)`;
    predictFile(file, urls, nameOf);
  };
  wireDropzone(dropzone, input, choose);
  showModelCard(urls);
}
