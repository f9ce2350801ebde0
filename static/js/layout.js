// Where the table is in its file, on the dataset page: the notes on how the file was read, the
// column table's caption (the header row, the rows skipped) and the form that reads the file
// again with another header row or from another sheet (PATCH header_row / sheet).
import { el, sendJSON } from "./api.js";

const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);

function showError(message) {
  $("layout-error").textContent = message || "";
  $("layout-error").hidden = !message;
}

/** "The header is row 4; 3 rows above it (…) were skipped.", or what stands for it. */
function describe(layout) {
  if (layout.note) return layout.note;
  const chosen = layout.header_chosen ? " (as chosen)" : "";
  const sheet = layout.sheet ? ` of the sheet “${layout.sheet}”` : "";
  return layout.header_row
    ? `The header is row ${layout.header_row}${sheet}${chosen}.`
    : `There is no header row${chosen}: the columns are numbered.`;
}

/** Show the dataset's notes, the caption and the form's current row and sheet. */
export function showLayout(dataset) {
  const notes = dataset.notes || [];
  $("dataset-notes").replaceChildren(...notes.map((note) => el("li", null, note)));
  $("dataset-notes").hidden = !notes.length;
  const layout = dataset.layout;
  const caption = $("layout-caption");
  caption.textContent = layout ? describe(layout) : "";
  caption.hidden = !layout;
  const form = $("layout-form");
  form.hidden = !layout || !dataset.layout_changeable;
  if (form.hidden) return;
  form.elements.header_row.value = layout.header_row ?? 0;
  const sheets = layout.sheets || [];
  $("sheet-field").hidden = sheets.length < 2;
  form.elements.sheet.replaceChildren(...sheets.map((name) => {
    const option = el("option", null, name);
    option.value = name;
    option.selected = name === layout.sheet;
    return option;
  }));
}

/** The changes the form asks for: {header_row?, sheet?}; a new sheet has its header found
 *  again unless the row was changed too. Throws a message for a row that is no number. */
function readChanges(form, layout) {
  const row = form.elements.header_row.value.trim();
  if (!/^\d+$/.test(row)) throw new Error("Enter a row number: 1 for the first row, 0 for no header row.");
  const changes = {};
  if (Number(row) !== (layout.header_row ?? 0)) changes.header_row = Number(row);
  const sheet = form.elements.sheet.value;
  if (sheet && sheet !== layout.sheet) changes.sheet = sheet;
  return changes;
}

/** Wire the form: ``getDataset()`` the dataset shown, ``onChanged(dataset)`` after a re-read. */
export function setUpLayoutForm(url, getDataset, onChanged) {
  const form = $("layout-form");
  const status = $("layout-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    let changes;
    try {
      changes = readChanges(form, getDataset().layout);
    } catch (err) {
      showError(err.message);
      return;
    }
    if (!Object.keys(changes).length) {
      status.textContent = "Nothing changed.";
      return;
    }
    status.textContent = "Reading the file again…";
    try {
      onChanged(await sendJSON("PATCH", url, changes));
      status.textContent = "Done.";
    } catch (err) {
      status.textContent = "";
      showError(err.message);
      showLayout(getDataset());       // the form back to what the dataset still is
    }
  });
}
