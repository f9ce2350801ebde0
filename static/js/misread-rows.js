// A table run's misread validation rows: the row's cells as in the file, the true and the
// predicted class and the probability the model gave its answer; a click on a header sorts
// by that column (again: the other way round). Pictures keep their strip (run.js).
import { el } from "./api.js";

/** [{key, label, value(row), numeric}] for the row number, the cells and the verdict. */
function tableColumns(rows, nameOf) {
  const names = rows.length ? Object.keys(rows[0].values || {}) : [];
  return [
    { key: "row", label: "row", value: (row) => row.index + 1, numeric: true },
    ...names.map((name) => ({ key: `value:${name}`, label: name, value: (row) => row.values[name], cell: "muted" })),
    { key: "true", label: "true class", value: (row) => nameOf(row.true), cell: "mistake-true" },
    { key: "predicted", label: "predicted", value: (row) => nameOf(row.predicted), cell: "mistake-pred" },
    { key: "probability", label: "confidence", value: (row) => row.probability, numeric: true,
      text: (value) => `${(100 * value).toFixed(1)} %` },
  ];
}

function compare(a, b, numeric) {
  if (numeric) return a - b;
  const x = Number(a);
  const y = Number(b);
  // cells of a number column arrive as text: compare them as numbers when both are
  if (a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return String(a).localeCompare(String(b));
}

function fillBody(body, rows, columns) {
  body.replaceChildren();
  for (const row of rows) {
    const line = el("tr");
    line.dataset.index = String(row.index);
    for (const column of columns) {
      const value = column.value(row);
      line.append(el("td", column.cell || null, column.text ? column.text(value) : String(value)));
    }
    body.append(line);
  }
}

/**
 * showMisreadRows(table, rows, nameOf): rows = [{index, true, predicted, probability, values}]
 * as the report gives them (most confident first); nameOf(label) shows a class.
 */
export function showMisreadRows(table, rows, nameOf) {
  const columns = tableColumns(rows, nameOf);
  const head = el("tr");
  const body = el("tbody");
  let sorted = { key: "probability", descending: true };
  const sortBy = (column) => {
    const descending = sorted.key === column.key ? !sorted.descending : column.key === "probability";
    sorted = { key: column.key, descending };
    const order = [...rows].sort((a, b) => compare(column.value(a), column.value(b), column.numeric));
    if (descending) order.reverse();
    fillBody(body, order, columns);
    for (const th of head.children) {
      th.setAttribute("aria-sort", th.dataset.key !== column.key ? "none"
        : descending ? "descending" : "ascending");
    }
  };
  for (const column of columns) {
    const th = el("th");
    th.scope = "col";
    th.dataset.key = column.key;
    th.setAttribute("aria-sort", column.key === sorted.key ? "descending" : "none");
    const button = el("button", "sort-button", column.label);
    button.type = "button";
    button.dataset.testid = `sort-${column.key.replace(/^value:/, "")}`;
    button.addEventListener("click", () => sortBy(column));
    th.append(button);
    head.append(th);
  }
  fillBody(body, rows, columns);
  const thead = el("thead");
  thead.append(head);
  table.replaceChildren(thead, body);
}

/** The run page's mistakes card for a table: a title, a note and the misread rows' table
 * (``report`` from GET /api/runs/<id>/report: mistakes with values, n_wrong). */
export function showMisreadCard(report, nameOf) {
  const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);
  const rows = report.mistakes || [];
  document.getElementById("mistakes-title").textContent = "Misread validation rows";
  const shown = rows.length < report.n_wrong ? `; the ${rows.length} the model was surest of` : "";
  const note = $("misread-note");
  note.textContent = !rows.length ? "No validation row was misread."
    : `${report.n_wrong === 1 ? "1 validation row was" : `${report.n_wrong} validation rows were`}`
      + ` misread${shown}, most confident first.`
      + " Click a header to sort.";
  note.hidden = false;
  const table = $("misread-rows");
  table.parentElement.hidden = !rows.length;
  showMisreadRows(table, rows, nameOf);
  $("mistakes").hidden = true;
  $("mistakes-card").hidden = false;
}
