// The panel beside the diagram: what one unit holds for the chosen example (its bias, its largest
// incoming weights, z and a) and, for a picture model's first hidden layer, its weight picture.
import { el, formatNumber } from "./api.js";
import { makeImageCanvas } from "./images.js";
import { layerTitle, unitName } from "./inside-diagram.js";

function numberRow(list, name, value, testid) {
  const row = el("div", "unit-number");
  const shown = el("dd", "num", formatNumber(value));
  shown.dataset.testid = testid;
  row.append(el("dt", null, name), shown);
  list.append(row);
}

function incomingList(data, l, unit) {
  const incoming = ((data.layers[l].incoming || {})[unit]) || [];
  if (!incoming.length) return null;
  const list = el("ol", "incoming-list");
  list.dataset.testid = "unit-incoming";
  for (const weight of incoming) {
    const item = el("li");
    const name = weight.name !== undefined ? weight.name : unitName(data, l - 1, weight.from);
    item.append(el("span", "incoming-name", name),
      el("span", weight.w >= 0 ? "num weight-positive" : "num weight-negative", formatNumber(weight.w)));
    list.append(item);
  }
  return list;
}

/**
 * showUnit(panel, data, l, unit, picture): fill the panel with unit `unit` of layer `l`.
 * picture is {pixels, width, height} (the unit's incoming weights as an image) or null.
 */
export function showUnit(panel, data, l, unit, picture) {
  const layer = data.layers[l];
  panel.replaceChildren();
  panel.dataset.layer = String(l);
  panel.dataset.unit = String(unit);
  const name = unitName(data, l, unit);
  // hidden units' names already say their layer ("hidden 1, unit 4")
  const hidden = l > 0 && l < data.layers.length - 1;
  panel.append(el("h3", "unit-title", hidden && name.startsWith("hidden") ? name : `${layerTitle(data, l)} · ${name}`));
  const numbers = el("dl", "unit-numbers");
  if (l > 0) {
    numberRow(numbers, "bias b", (layer.b || [])[unit], "unit-b");
    numberRow(numbers, "z = a W + b", (layer.z || [])[unit], "unit-z");
  }
  numberRow(numbers, l === 0 ? "input a" : "a = f(z)", (layer.a || [])[unit], "unit-a");
  panel.append(numbers);
  if (picture) {
    const figure = el("figure", "unit-picture");
    const canvas = makeImageCanvas(picture.pixels, picture.width, picture.height,
      "pixel-canvas unit-canvas", { ink: "light" });
    canvas.dataset.testid = "unit-picture";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "The unit's incoming weights drawn as a picture");
    figure.append(canvas, el("figcaption", "muted", "its incoming weights as a picture (light: large)"));
    panel.append(figure);
  }
  const incoming = l > 0 ? incomingList(data, l, unit) : null;
  if (incoming) panel.append(el("p", "unit-subtitle", "Largest incoming weights"), incoming);
}
