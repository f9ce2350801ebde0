// A number to predict: the label's task switch for the column table, the target's figures on
// the dataset page, and the run page's predicted-against-actual scatter and largest errors.
import { el, formatNumber } from "./api.js";

const TASK_NAMES = { regression: "number to predict", classification: "classes" };

export function isRegression(thing) {
  return Boolean(thing) && thing.task === "regression";
}

/**
 * The label row's task control: a select "number to predict" | "classes" with the one-line
 * reason; choosing the other calls onSwitch(task) (which PATCHes the dataset).
 */
export function taskControl(dataset, onSwitch) {
  const box = el("div", "task-control");
  const select = el("select");
  select.dataset.testid = "task-select";
  select.setAttribute("aria-label", "The label is");
  select.disabled = !dataset.roles_changeable;
  for (const [task, name] of Object.entries(TASK_NAMES)) {
    const option = el("option", null, name);
    option.value = task;
    option.selected = task === (dataset.task || "classification");
    select.append(option);
  }
  select.addEventListener("change", () => onSwitch(select.value));
  const reason = el("small", "muted", dataset.task_reason || "");
  reason.dataset.testid = "task-reason";
  box.append(select, reason);
  return box;
}

/** The target's count, blanks, min, max, mean and standard deviation, as stat tiles. */
export function showTarget(container, target) {
  container.replaceChildren();
  const figures = [["count", "rows with a value"], ["blanks", "blank (rows dropped)"],
    ["min", "smallest"], ["max", "largest"], ["mean", "mean"], ["std", "standard deviation"]];
  for (const [key, label] of figures) {
    const tile = el("div", "stat");
    const value = el("span", "stat-value", formatNumber(target ? target[key] : null, 5));
    value.dataset.testid = `target-${key}`;
    tile.append(value, el("span", "stat-label", label));
    container.append(tile);
  }
}

function niceRange(points) {
  let low = Infinity;
  let high = -Infinity;
  for (const [a, p] of points) {
    low = Math.min(low, a, p);
    high = Math.max(high, a, p);
  }
  if (!(high > low)) { low -= 1; high += 1; }
  const pad = (high - low) * 0.05;
  return [low - pad, high + pad];
}

/**
 * Predicted (y) against actual (x) of the evaluated rows on a canvas, both axes over one range,
 * with the diagonal where a perfect model's points would lie. Sized to its box, redrawn on resize.
 */
export function drawScatter(canvas, points) {
  const draw = () => {
    const width = Math.max(240, canvas.parentElement.clientWidth || 320);
    const height = Math.min(width, 420);
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const [low, high] = niceRange(points);
    const margin = { left: 56, right: 12, top: 12, bottom: 40 };
    const w = width - margin.left - margin.right;
    const h = height - margin.top - margin.bottom;
    const x = (v) => margin.left + ((v - low) / (high - low)) * w;
    const y = (v) => margin.top + h - ((v - low) / (high - low)) * h;
    g.strokeStyle = "#cbd5e1";
    g.strokeRect(margin.left, margin.top, w, h);
    g.fillStyle = "#475569";
    g.font = "12px system-ui, sans-serif";
    g.textAlign = "center";
    for (let i = 0; i <= 4; i += 1) {
      const v = low + ((high - low) * i) / 4;
      g.fillText(formatNumber(v, 3), x(v), height - margin.bottom + 16);
      g.textAlign = "right";
      g.fillText(formatNumber(v, 3), margin.left - 6, y(v) + 4);
      g.textAlign = "center";
    }
    g.fillText("actual", margin.left + w / 2, height - 6);
    g.save();
    g.translate(12, margin.top + h / 2);
    g.rotate(-Math.PI / 2);
    g.fillText("predicted", 0, 0);
    g.restore();
    g.strokeStyle = "#94a3b8";
    g.setLineDash([5, 4]);
    g.beginPath();
    g.moveTo(x(low), y(low));
    g.lineTo(x(high), y(high));
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = "rgba(37, 99, 235, 0.55)";
    for (const [a, p] of points) {
      g.beginPath();
      g.arc(x(a), y(p), 3, 0, 2 * Math.PI);
      g.fill();
    }
    canvas.dataset.points = String(points.length);
  };
  draw();
  if (!canvas.observer) {
    canvas.observer = new ResizeObserver(() => draw());
    canvas.observer.observe(canvas.parentElement);
  }
}

/** The rows the model got most wrong: their values, actual, predicted and the error. */
export function showLargestErrors(table, rows) {
  const names = rows.length ? Object.keys(rows[0].values) : [];
  const head = el("tr");
  for (const name of ["row", ...names, "actual", "predicted", "error"]) {
    const cell = el("th", null, name);
    cell.scope = "col";
    head.append(cell);
  }
  const body = el("tbody");
  for (const row of rows) {
    const line = el("tr");
    line.append(el("td", null, String(row.index + 1)));
    for (const name of names) line.append(el("td", "muted", String(row.values[name])));
    line.append(el("td", null, formatNumber(row.actual, 5)),
      el("td", null, formatNumber(row.predicted, 5)),
      el("td", null, `${row.error > 0 ? "+" : ""}${formatNumber(row.error, 4)}`));
    body.append(line);
  }
  const thead = el("thead");
  thead.append(head);
  table.replaceChildren(thead, body);
}
