// A confusion matrix as a table: rows are the true class, columns the prediction, each cell
// shaded by its share of the true class's row so that the diagonal reads at a glance.
import { el } from "./api.js";

/** Cell shade: 0..5 by share of the true class's row. */
function shadeClass(count, rowTotal, diagonal) {
  if (!count) return "cm-cell";
  const level = Math.max(1, Math.min(5, Math.ceil((5 * count) / Math.max(1, rowTotal))));
  return `cm-cell ${diagonal ? "cm-hit" : "cm-miss"}-${level}`;
}

/** Fill `table` with `matrix` (counts[true][predicted]) under the class `names`. */
export function fillConfusion(table, names, matrix) {
  table.replaceChildren();
  const head = el("thead");
  const headRow = el("tr");
  const corner = el("th", "cm-corner");
  corner.append(el("span", null, "pred →"), el("span", null, "true ↓"));
  headRow.append(corner);
  for (const name of names) headRow.append(el("th", "cm-head", name));
  head.append(headRow);
  const body = el("tbody");
  matrix.forEach((counts, i) => {
    const row = el("tr");
    row.append(el("th", "cm-head", names[i]));
    const total = counts.reduce((a, b) => a + b, 0);
    counts.forEach((count, j) => {
      const cell = el("td", shadeClass(count, total, i === j), count);
      cell.title = `true ${names[i]}, predicted ${names[j]}: ${count}`;
      row.append(cell);
    });
    body.append(row);
  });
  table.append(head, body);
}
