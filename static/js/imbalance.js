// Classes: balanced accuracy (mean per-class recall) beside accuracy, and when always answering
// the majority class scores high (nncore.nn.metrics.majority_is_high), that score as the
// baseline to beat.
import { formatPercent } from "./api.js";

/**
 * showImbalance({stat, value, note}, result, nameOf): the balanced accuracy tile (hidden
 * without validation rows) and the majority baseline line (hidden unless it scores high).
 */
export function showImbalance({ stat, value, note }, result, nameOf) {
  const balanced = result.val_balanced_accuracy;
  stat.hidden = balanced === null || balanced === undefined;
  value.textContent = formatPercent(balanced);
  const majority = result.majority;
  note.hidden = !(majority && majority.high);
  if (note.hidden) return;
  const gap = result.val_accuracy - majority.accuracy;
  const verdict = result.val_accuracy === null || result.val_accuracy === undefined ? ""
    : gap > 0 ? ` This run beats it by ${(100 * gap).toFixed(1)} points.`
      : " This run does not beat it: look at the balanced accuracy and the confusion matrix.";
  note.textContent = `Baseline to beat: always answering “${nameOf(majority.class)}” scores`
    + ` ${formatPercent(majority.accuracy)} on these rows.${verdict}`;
  note.dataset.baseline = String(majority.accuracy);
}
