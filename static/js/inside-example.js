// The example the inside page sends through the network, as the API describes it: its picture
// or its row's raw values, its label, and what the network answers (one bar per output).
import { el, formatNumber } from "./api.js";
import { drawPixels } from "./images.js";
import { drawRowBars } from "./bars.js";

const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);

/** The class as the page shows it (its display name), or the number predicted. */
function shownLabel(prediction) {
  if (!prediction) return "?";
  if (prediction.value !== null && prediction.value !== undefined) return formatNumber(prediction.value);
  return prediction.display_label ?? prediction.label ?? "?";
}

/** Fill the "What flows through it" card from the inside API's answer. */
export function showExample(data, source) {
  const sample = data.sample || {};
  const picture = $("sample-picture");
  picture.hidden = !sample.image;
  if (sample.image) drawPixels(picture, sample.image.pixels, sample.image.width, sample.image.height, { ink: "light" });
  $("source-drawing-label").hidden = !sample.image && source !== "drawing";
  const values = sample.values;
  $("sample-values-box").hidden = !values;
  if (values) {
    const table = $("sample-values");
    const head = el("tr");
    const row = el("tr");
    for (const [column, value] of Object.entries(values)) {
      head.append(el("th", null, column));
      row.append(el("td", null, value === null || value === undefined ? "" : String(value)));
    }
    const thead = el("thead");
    const tbody = el("tbody");
    thead.append(head);
    tbody.append(row);
    table.replaceChildren(thead, tbody);
  }
  if (sample.count) {
    $("sample-index").max = String(sample.count - 1);
    $("sample-count").textContent = `of ${sample.count}, numbered from 0`;
  }
  const verdict = $("sample-verdict");
  const prediction = data.prediction || {};
  verdict.dataset.prediction = String(prediction.label ?? prediction.value ?? "");
  const truth = sample.label === undefined || sample.label === null ? "" : `is ${sample.display_label ?? sample.label} · `;
  const when = data.final ? "the trained model" : `after epoch ${data.epoch}`;
  verdict.textContent = `${truth}the network says ${shownLabel(prediction)} (${when})`;
  showOutputs(data, prediction.display_label);
}

/** The output units' values as bars (classes only: a number to predict has one output). */
function showOutputs(data, shownClass) {
  const box = $("sample-outputs");
  const outputs = (data.prediction || {}).output || [];
  const names = (data.names || {}).outputs || [];
  if ((data.network || {}).output === "linear" || outputs.length > 20) {
    box.replaceChildren();
    return;
  }
  drawRowBars(box, outputs.map((value, k) => ({
    label: String(names[k] ?? k), value, highlight: String(names[k]) === String(shownClass),
  })));
}
