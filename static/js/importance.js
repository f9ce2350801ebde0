// Which columns the model leans on: the run's permutation importance (nncore/importance.py)
// as horizontal bars, one per original column, largest drop first.
import { formatNumber } from "./api.js";
import { drawRowBars } from "./bars.js";

/** "−" when shuffling lowers the score (the column matters), "+" when it happened to help */
const sign = (drop) => (drop > 0 ? "−" : "+");

const METRICS = {
  accuracy: { name: "accuracy", text: (d) => (d === 0 ? "0 pts" : `${sign(d)}${(100 * Math.abs(d)).toFixed(1)} pts`) },
  r2: { name: "R²", text: (d) => (d === 0 ? "0" : `${sign(d)}${formatNumber(Math.abs(d), 2)}`) },
};
/** at most this many bars: a wide table's remaining columns are listed as "n more" */
const MAX_BARS = 20;

/**
 * showImportance({card, chart, note}, importance): hides the card without importance (pictures,
 * older runs); a column whose shuffling raised the score draws no bar.
 */
export function showImportance({ card, chart, note }, importance) {
  if (!importance || !importance.columns || !importance.columns.length) {
    card.hidden = true;
    return;
  }
  const metric = METRICS[importance.metric] || METRICS.accuracy;
  const columns = importance.columns.slice(0, MAX_BARS);
  const largest = Math.max(...columns.map((c) => c.drop), 1e-12);
  drawRowBars(chart, columns.map((column, i) => ({
    label: column.name,
    value: Math.max(0, column.drop) / largest,
    text: metric.text(column.drop),
    highlight: i === 0 && column.drop > 0,
  })));
  chart.dataset.columns = String(importance.columns.length);
  const rest = importance.columns.length - columns.length;
  note.textContent = `How much the validation ${metric.name} drops when one column's values are`
    + ` shuffled among ${importance.rows} rows (mean of ${importance.repeats} shuffles); a column`
    + " the model ignores drops nothing." + (rest > 0 ? ` ${rest} more columns drop less.` : "");
  card.hidden = false;
}
