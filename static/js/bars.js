// Simple labelled bar charts from plain elements (heights set through CSSOM, allowed by the CSP).
import { el } from "./api.js";

/**
 * drawColumnBars(container, items) with items = [{label, value, title}]:
 * one vertical bar per item, scaled to the largest value, the value printed on top.
 */
export function drawColumnBars(container, items) {
  container.replaceChildren();
  const max = Math.max(1, ...items.map((item) => item.value));
  for (const item of items) {
    const column = el("div", "bar-column");
    column.title = item.title || `${item.label}: ${item.value}`;
    const track = el("div", "bar-track");
    const bar = el("div", "bar");
    bar.style.height = `${(100 * item.value) / max}%`;
    track.append(bar);
    column.append(el("span", "bar-value", item.value), track, el("span", "bar-label", item.label));
    container.append(column);
  }
}

/**
 * drawRowBars(container, items) with items = [{label, value (0..1), highlight, text}]:
 * horizontal bars as long as the value, labelled with text (default: the value as a percentage).
 */
export function drawRowBars(container, items) {
  container.replaceChildren();
  for (const item of items) {
    const row = el("div", item.highlight ? "prob-row is-top" : "prob-row");
    const track = el("div", "prob-track");
    const bar = el("div", "prob-bar");
    bar.style.width = `${Math.max(0, Math.min(1, item.value)) * 100}%`;
    track.append(bar);
    row.append(el("span", "prob-label", item.label), track, el("span", "prob-value", item.text ?? `${(item.value * 100).toFixed(1)}%`));
    container.append(row);
  }
}
