// The "Inside the network" diagram: one SVG column of units per layer (the units the API chose to
// show, "+N more" under a wide layer), lines for the shown connections coloured by the weight's
// sign and drawn wider as |w| grows, units lit by their activation. Units are buttons: hover or
// focus reports them (onInspect), a click, Enter or Space picks them (onPick); a click on a line
// picks that weight (onPickWeight). Nothing here computes the network: only positions and colours.
import { formatNumber } from "./api.js";

const SVG = "http://www.w3.org/2000/svg";
// The drawing's own units: wide, or narrow for a phone (so its text stays readable when scaled)
const WIDE = { width: 760, left: 150, right: 130, label: 20 };  // left/right: room for names
const NARROW = { width: 420, left: 100, right: 76, label: 10 };
export const NARROW_BELOW = 600; // CSS px of the box
const ROW = 28;
const TOP = 34;
const RADIUS = 9;
export const POSITIVE = "#2563eb";
export const NEGATIVE = "#ea580c";

function svgNode(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The units a layer shows (indices into its full arrays), all of them when it does not say. */
export function shownUnits(layer) {
  if (Array.isArray(layer.shown)) return layer.shown;
  return Array.from({ length: (layer.a || []).length }, (_, i) => i);
}

/** The name of unit `unit` of layer `l`: the dataset's column or class names at the ends,
 * "unit k" (counting from 1) in between. */
export function unitName(data, l, unit) {
  const layer = data.layers[l];
  const last = data.layers.length - 1;
  const own = l === 0 ? (data.names || {}).inputs : l === last ? (data.names || {}).outputs : null;
  if (own && own[unit] !== undefined) return String(own[unit]);
  const names = layer.names;
  if (Array.isArray(names)) {
    const shown = shownUnits(layer);
    if (names.length === (layer.a || []).length && names[unit] !== undefined) return String(names[unit]);
    const k = shown.indexOf(unit);
    if (k >= 0 && names[k] !== undefined) return String(names[k]);
  }
  return `unit ${unit + 1}`;
}

/** What layer `l` is called on the page: "inputs", "hidden layer 1", "outputs". */
export function layerTitle(data, l) {
  if (l === 0) return "inputs";
  if (l === data.layers.length - 1) return "outputs";
  return `hidden layer ${l}`;
}

/** Activations 0..1 (probabilities, pixels, sigmoid units) as they are; others scaled by the
 * layer's largest |a| so a relu layer lights up as well. */
function brightnessScale(values) {
  const extent = Math.max(0, ...values.map((v) => Math.abs(Number(v) || 0)));
  return extent > 1 ? extent : 1;
}

function unitFill(value, scale) {
  const t = Math.min(1, Math.abs(Number(value) || 0) / scale);
  // from paper white to the accent blue (negatives as orange: tanh and linear units)
  const [r, g, b] = Number(value) < 0 ? [234, 88, 12] : [29, 78, 216];
  const mix = (c) => Math.round(255 + (c - 255) * t);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

function columnX(frame, l, count) {
  if (count === 1) return frame.width / 2;
  return frame.left + (l * (frame.width - frame.left - frame.right)) / (count - 1);
}

/** Where each shown unit sits: positions[l].get(unit) -> [x, y]; columns are centred vertically. */
function layOut(data, frame) {
  const rows = Math.max(...data.layers.map((layer) => shownUnits(layer).length));
  const height = TOP + rows * ROW + 36;
  const positions = data.layers.map((layer, l) => {
    const shown = shownUnits(layer);
    const offset = TOP + ((rows - shown.length) * ROW) / 2 + ROW / 2;
    return new Map(shown.map((unit, k) => [unit, [columnX(frame, l, data.layers.length), offset + k * ROW]]));
  });
  return { positions, height, rows, frame };
}

function drawLinks(svg, data, positions, chosen, onPickWeight) {
  const group = svgNode("g", { class: "links" });
  const all = data.layers.flatMap((layer, l) => (layer.links || []).map((link) => ({ ...link, l })));
  const largest = Math.max(1e-12, ...all.map((link) => Math.abs(link.w)));
  for (const link of all) {
    const from = positions[link.l - 1].get(link.from);
    const to = positions[link.l].get(link.to);
    if (!from || !to) continue;
    const size = Math.abs(link.w) / largest;
    const isChosen = chosen && chosen.l === link.l && chosen.from === link.from && chosen.to === link.to;
    const line = svgNode("line", {
      x1: from[0] + RADIUS, y1: from[1], x2: to[0] - RADIUS, y2: to[1],
      stroke: link.w >= 0 ? POSITIVE : NEGATIVE,
      "stroke-width": (0.5 + 4 * size).toFixed(2),
      "stroke-opacity": (0.2 + 0.7 * size).toFixed(2),
      class: isChosen ? "link is-chosen" : "link",
      "data-layer": link.l, "data-from": link.from, "data-to": link.to,
    });
    line.append(svgNode("title", {}, `weight ${unitName(data, link.l - 1, link.from)} → ${unitName(data, link.l, link.to)}: ${formatNumber(link.w)}`));
    line.addEventListener("click", () => onPickWeight(link.l, link.from, link.to));
    group.append(line);
  }
  svg.append(group);
}

function drawUnit(column, data, l, unit, at, scale, handlers, selected, frame) {
  const layer = data.layers[l];
  const a = (layer.a || [])[unit];
  const name = unitName(data, l, unit);
  const node = svgNode("g", {
    class: selected ? "unit is-selected" : "unit", role: "button", tabindex: 0,
    "data-testid": `unit-${l}-${unit}`, "data-layer": l, "data-unit": unit,
    "aria-label": `${layerTitle(data, l)}, ${name}: a = ${formatNumber(a)}`,
  });
  node.append(svgNode("circle", { cx: at[0], cy: at[1], r: RADIUS, fill: unitFill(a, scale) }));
  const last = data.layers.length - 1;
  if (l === 0 || l === last) {
    const x = l === 0 ? at[0] - RADIUS - 6 : at[0] + RADIUS + 6;
    node.append(svgNode("text", { x, y: at[1] + 4, class: "unit-label", "text-anchor": l === 0 ? "end" : "start" },
      name.length > frame.label ? `${name.slice(0, frame.label - 1)}…` : name));
  }
  const inspect = () => handlers.onInspect(l, unit);
  node.addEventListener("mouseenter", inspect);
  node.addEventListener("focus", inspect);
  node.addEventListener("click", () => handlers.onPick(l, unit));
  node.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    handlers.onPick(l, unit);
  });
  column.append(node);
}

function drawColumns(svg, data, layout, handlers, selection) {
  data.layers.forEach((layer, l) => {
    const column = svgNode("g", { class: "column", "data-testid": `column-${l}` });
    const x = columnX(layout.frame, l, data.layers.length);
    column.append(svgNode("text", { x, y: 16, class: "column-title", "text-anchor": "middle" },
      `${layerTitle(data, l)} (${(layer.a || []).length})`));
    const scale = l === 0 ? 1 : brightnessScale(layer.a || []);
    for (const [unit, at] of layout.positions[l]) {
      drawUnit(column, data, l, unit, at, scale, handlers, selection.units[l] === unit, layout.frame);
    }
    if (layer.more) {
      column.append(svgNode("text", {
        x, y: layout.height - 12, class: "more-units", "text-anchor": "middle", "data-testid": `more-${l}`,
      }, `+${layer.more} more`));
    }
    svg.append(column);
  });
}

/**
 * drawDiagram(box, data, selection, handlers): replace the box's SVG with the network of `data`
 * (the inside API's answer), narrower for a narrow box. selection = {units: {layer: unit}
 * (the units ringed), weight: {l, from, to}};
 * handlers = {onInspect(l, unit), onPick(l, unit), onPickWeight(l, from, to)}.
 */
export function drawDiagram(box, data, selection, handlers) {
  const frame = box.clientWidth && box.clientWidth < NARROW_BELOW ? NARROW : WIDE;
  const layout = layOut(data, frame);
  const svg = svgNode("svg", {
    viewBox: `0 0 ${frame.width} ${layout.height}`, class: "network-svg", role: "group",
    "aria-label": `The network: ${data.layers.map((layer) => (layer.a || []).length).join(", ")} units by layer`,
  });
  drawLinks(svg, data, layout.positions, selection.weight, handlers.onPickWeight);
  drawColumns(svg, data, layout, handlers, selection);
  box.replaceChildren(svg);
}
