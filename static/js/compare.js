// Compare page: runs of one dataset as checkboxes; their cost curves overlaid in one uPlot chart.
// The selection lives in the URL (?dataset_id=<id>&runs=1,2) so it can be shared and reloaded.
import {
  readPageData, fillUrl, getJSON, asList, el, formatPercent, formatNumber, makeStatusBadge,
  describeNetwork,
} from "./api.js";
import { makeChart, setData, destroyChart, PALETTE } from "./charts.js";

const page = readPageData();
const urls = page.urls;
const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);

let runs = [];
let chart = null;
const details = new Map(); // run id -> full run (with history)

function selectedIds() {
  return [...document.querySelectorAll("[data-testid=compare-runs] input:checked")].map((input) => Number(input.value));
}

function writeUrl(datasetId, ids) {
  const query = new URLSearchParams({ dataset_id: datasetId });
  if (ids.length) query.set("runs", ids.join(","));
  window.history.replaceState(null, "", `${window.location.pathname}?${query}`);
}

function showRunChecks(chosen) {
  const container = $("compare-runs");
  container.replaceChildren();
  runs.forEach((run, i) => {
    const label = el("label", "run-check");
    const input = el("input");
    input.type = "checkbox";
    input.value = run.id;
    input.checked = chosen.includes(run.id);
    input.dataset.testid = `compare-run-${run.id}`;
    input.addEventListener("change", () => refresh());
    const swatch = el("span", `swatch swatch-${i % PALETTE.length}`);
    const text = el("span", "run-check-text");
    text.append(el("strong", null, `#${run.id}`), " ", makeStatusBadge(run.status));
    text.append(el("small", "muted run-check-meta", describeNetwork(run.config)));
    label.append(input, swatch, text);
    container.append(label);
  });
  $("compare-empty").hidden = runs.length > 0;
}

async function fetchDetails(ids) {
  await Promise.all(ids.filter((id) => !details.has(id)).map(async (id) => {
    details.set(id, await getJSON(fillUrl(urls.run, id)));
  }));
}

function drawChart(ids) {
  destroyChart(chart);
  chart = null;
  const container = $("compare-chart");
  container.replaceChildren();
  container.dataset.points = "0";
  $("compare-hint").hidden = ids.length > 0;
  if (!ids.length) return;
  const series = [];
  const columns = [];
  const longest = Math.max(0, ...ids.map((id) => (details.get(id).history.epoch || []).length));
  const x = Array.from({ length: longest }, (_, i) => i + 1);
  for (const id of ids) {
    const colour = PALETTE[runs.findIndex((run) => run.id === id) % PALETTE.length];
    const history = details.get(id).history || {};
    const pad = (values) => x.map((_, i) => (values && values[i] !== undefined ? values[i] : null));
    series.push({ label: `#${id} training`, stroke: colour });
    columns.push(pad(history.cost));
    if ((history.val_cost || []).some((v) => v !== null)) {
      series.push({ label: `#${id} validation`, stroke: colour, dash: [6, 4] });
      columns.push(pad(history.val_cost));
    }
  }
  chart = makeChart(container, { yLabel: "cost", series, height: 340 });
  setData(chart, container, [x, ...columns]);
}

/** Validation accuracy (and balanced accuracy), or for a number to predict its R², MAE and RMSE (label units). */
function scoreText(result) {
  if (!result) return "–";
  if (result.task === "regression") {
    return `R² ${formatNumber(result.val_r2, 3)} · MAE ${formatNumber(result.val_mae, 4)} · RMSE ${formatNumber(result.val_rmse, 4)}`;
  }
  const balanced = result.val_balanced_accuracy;
  return formatPercent(result.val_accuracy)
    + (balanced === null || balanced === undefined ? "" : ` · balanced ${formatPercent(balanced)}`);
}

function showTable(ids) {
  const body = $("compare-table").querySelector("tbody");
  body.replaceChildren();
  const regression = ids.some((id) => (details.get(id).result || {}).task === "regression");
  $("compare-score-head").textContent = regression ? "Validation R² · MAE · RMSE" : "Val. accuracy";
  for (const id of ids) {
    const run = details.get(id);
    const row = el("tr");
    const linkCell = el("td");
    const link = el("a", null, `Run #${id}`);
    link.href = fillUrl(urls.runPage, id);
    linkCell.append(link);
    const statusCell = el("td");
    statusCell.append(makeStatusBadge(run.status));
    const csvCell = el("td");
    const csv = el("a", null, "history.csv");
    csv.href = fillUrl(urls.historyCsv, id);
    csv.dataset.testid = `history-csv-${id}`;
    csvCell.append(csv);
    row.append(linkCell, statusCell, el("td", "num", scoreText(run.result)),
      el("td", "muted", describeNetwork(run.config)), csvCell);
    body.append(row);
  }
}

async function refresh() {
  const datasetId = Number($("compare-dataset").value);
  const ids = selectedIds();
  writeUrl(datasetId, ids);
  await fetchDetails(ids);
  drawChart(ids);
  showTable(ids);
}

async function loadDataset(datasetId, chosen) {
  runs = asList(await getJSON(`${urls.runs}?${new URLSearchParams({ dataset_id: datasetId })}`), "runs")
    .filter((run) => run.dataset_id === undefined || run.dataset_id === datasetId)
    .sort((a, b) => b.id - a.id);
  showRunChecks(chosen);
  await refresh();
}

async function start() {
  const params = new URLSearchParams(window.location.search);
  const chosen = (params.get("runs") || "").split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const datasets = asList(await getJSON(urls.datasets), "datasets");
  const select = $("compare-dataset");
  for (const dataset of datasets) {
    const option = el("option", null, `${dataset.name} (#${dataset.id})`);
    option.value = dataset.id;
    select.append(option);
  }
  let datasetId = Number(params.get("dataset_id"));
  if (!datasets.some((d) => d.id === datasetId)) datasetId = datasets.length ? datasets[0].id : null;
  if (datasetId === null) return;
  select.value = String(datasetId);
  select.addEventListener("change", () => loadDataset(Number(select.value), []));
  await loadDataset(datasetId, chosen);
}

start();
