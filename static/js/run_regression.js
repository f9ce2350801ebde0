// The run page of a number to predict: the R² chart, results beside the baseline of always
// predicting the training mean, the predicted-against-actual scatter, the largest errors and
// "try a row" answering a number.
import { el, formatNumber } from "./api.js";
import { makeChart } from "./charts.js";
import { drawScatter, showLargestErrors } from "./regression.js";

const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);

/** The second chart as validation/training R² (the accuracy chart's place). */
export function makeR2Chart() {
  const container = $("accuracy-chart");
  container.dataset.testid = "r2-chart";
  $("second-chart-title").textContent = "R² (1 = perfect, 0 = no better than the mean; axis from −1)";
  return makeChart(container, {
    yLabel: "R²",
    // the first epochs' R² can be far below 0; the axis shows -1..1 where the learning is
    yRange: (min, max) => [Math.max(Math.min(min, 0), -1), Math.max(max, 1)],
    series: [
      { label: "training", stroke: "#2563eb" },
      { label: "validation", stroke: "#ea580c", dash: [6, 4] },
    ],
  });
}

export const R2_COLUMNS = ["train_r2", "val_r2"];

/** The run's configuration as a number to predict trains it: one linear output unit. */
export function asRegressionConfig(config) {
  return { ...config, output: "linear" };
}

function baselineText(value) {
  return value === null || value === undefined ? "" : `(mean: ${formatNumber(value, 4)})`;
}

export function showRegressionResults(result) {
  const baseline = result.baseline || {};
  $("val-r2").textContent = formatNumber(result.val_r2, 4);
  $("val-mae").textContent = formatNumber(result.val_mae, 4);
  $("val-rmse").textContent = formatNumber(result.val_rmse, 4);
  $("baseline-r2").textContent = baselineText(baseline.val_r2);
  $("baseline-mae").textContent = baselineText(baseline.val_mae);
  $("baseline-rmse").textContent = baselineText(baseline.val_rmse);
  $("regression-metrics").hidden = false;
  const note = $("regression-note");
  note.textContent = "In the label's units; “mean” is what always predicting the training rows' mean gives."
    + (result.target_transform ? ` Target: ${result.target_transform}.` : "")
    + l2ChoiceText(result.l2_choice);
  note.hidden = false;
  for (const id of ["val-accuracy", "train-accuracy"]) $(id).parentElement.hidden = true;
}

/** " L2 10 kept: validation R² 0.655 against 0.594 with L2 1." for a run that tried several. */
export function l2ChoiceText(choice) {
  if (!choice || !Array.isArray(choice.tried) || choice.tried.length < 2) return "";
  const others = choice.tried.filter((t) => t.l2 !== choice.chosen)
    .map((t) => `${formatNumber(t.score, 3)} with L2 ${t.l2}`).join(", ");
  const kept = choice.tried.find((t) => t.l2 === choice.chosen) || {};
  return ` L2 ${choice.chosen} kept: validation R² ${formatNumber(kept.score, 3)} against ${others}.`;
}

export function showRegressionReport(report) {
  $("regression-report").hidden = false;
  if (report.evaluated_on === "training") {
    $("scatter-note").textContent = "Training rows (this run held none out); a perfect model's points lie on the dashed diagonal.";
  }
  drawScatter($("regression-scatter"), report.points || []);
  showLargestErrors($("largest-errors"), report.largest_errors || []);
}

/** "try a row": the predicted number, with the validation RMSE as its typical error. */
export function showRowValue(body, result) {
  const shown = $("row-prediction");
  shown.dataset.value = String(body.value);
  shown.classList.add("has-label");
  $("row-prediction-name").textContent = formatNumber(body.value, 5);
  const rmse = result && result.val_rmse;
  $("row-prediction-note").textContent = rmse === null || rmse === undefined
    ? "" : `typically off by about ${formatNumber(rmse, 3)} (validation RMSE)`;
  $("row-probabilities").replaceChildren();
  $("row-notes").replaceChildren(...(body.notes || []).map((note) => el("li", null, note)));
}
