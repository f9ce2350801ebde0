// What the dataset page shows by the data's kind: the run form's fields (pictures: everything,
// conv filters and pen digits included; tables: no picture settings, the rarely changed ones
// under "More settings"), the class names' note on the tutorial's "10 means 0", and the
// feature range in readable numbers for a table.
import { formatNumber } from "./api.js";

/** the run settings that only apply to pictures (nncore.config.check_for_dataset) */
export const PICTURE_FIELDS = ["conv_filters", "synthetic_digits", "pen_digits"];

function hasPictures(dataset) {
  return Boolean(dataset && dataset.image) && dataset.task !== "regression";
}

/** Hide the picture settings for a table; open "More settings" for pictures. Call after the
 * task's own hiding (data-classes-only), which it refines. */
export function showFormForKind(form, dataset) {
  const pictures = hasPictures(dataset);
  for (const field of form.querySelectorAll("[data-pictures-only]")) {
    if (!pictures) field.hidden = true;
  }
  if (pictures) form.querySelector("[data-testid=more-settings]").open = true;
}

/** A table's run leaves the picture settings out (the server would refuse them). */
export function dropPictureSettings(config, errors, dataset) {
  if (hasPictures(dataset)) return;
  for (const name of PICTURE_FIELDS) {
    delete config[name];
    delete errors[name];
  }
}

/** Open "More settings" when a field in it is marked invalid, so that it can take focus. */
export function revealInvalid(form) {
  const invalid = form.querySelector("[aria-invalid=true]");
  const details = invalid && invalid.closest("details");
  if (details) details.open = true;
}

/** The tutorial's layout stores the digit 0 as class "10": only then does the card say so. */
export function showNamesNote(note, dataset) {
  const classes = new Set((dataset.classes || []).map(String));
  const tutorial = classes.size === 10
    && Array.from({ length: 10 }, (_, i) => String(i + 1)).every((c) => classes.has(c));
  note.hidden = !tutorial;
}

/** A number as people write it: 8,680 and 0.25 (not 8.68e+3); very large ones compact (1.2T). */
export function readableNumber(value) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return "–";
  const v = Number(value);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  if (Math.abs(v) >= 1e9) return v.toLocaleString("en-US", { notation: "compact", maximumSignificantDigits: 3 });
  return v.toLocaleString("en-US", { maximumSignificantDigits: 4 });
}

/** "min … max" of the features: readable for a table, as before for pictures. */
export function rangeText(dataset) {
  const format = dataset.image ? (v) => formatNumber(v, 3) : readableNumber;
  return `${format(dataset.feature_min)} … ${format(dataset.feature_max)}`;
}
