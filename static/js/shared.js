// A run seen through a share link: read only, drawn once from GET /api/shared/<token>.
import { getJSON, readPageData } from "./api.js";
import { makeChart, setData } from "./charts.js";
import { makeR2Chart, R2_COLUMNS } from "./run_regression.js";

const { urls } = readPageData();
const TRAIN = { label: "training", stroke: "#2563eb" };
const VALIDATION = { label: "validation", stroke: "#ea580c", dash: [6, 4] };
// chart test id -> its y axis and the history columns it plots (training, validation)
const CHARTS = {
  "cost-chart": { yLabel: "cost", percent: false, keys: ["cost", "val_cost"] },
  "accuracy-chart": { yLabel: "accuracy", percent: true, keys: ["train_accuracy", "val_accuracy"] },
};

function padded(values, length) {
  return Array.from({ length }, (_, i) => (values && values[i] !== undefined ? values[i] : null));
}

async function drawHistory() {
  const run = await getJSON(urls.run);
  const history = run.history || {};
  const epochs = history.epoch || [];
  const regression = Boolean(run.result && run.result.task === "regression");
  for (const [testid, spec] of Object.entries(CHARTS)) {
    const container = document.querySelector(`[data-testid="${testid}"]`);
    // a number to predict has R² where a classifier has accuracy
    const keys = regression && testid === "accuracy-chart" ? R2_COLUMNS : spec.keys;
    const chart = regression && testid === "accuracy-chart"
      ? makeR2Chart()
      : makeChart(container, { yLabel: spec.yLabel, percent: spec.percent, series: [TRAIN, VALIDATION] });
    setData(chart, container, [epochs, ...keys.map((key) => padded(history[key], epochs.length))]);
  }
}

drawHistory();
