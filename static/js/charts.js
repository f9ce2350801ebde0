// Line charts over uPlot (global `uPlot` from static/vendor/uplot), fed with columnar data
// exactly as the API returns it: [[epoch...], [series1...], [series2...]].

// Epochs are whole numbers: tick steps of 1, 2, 5, 10, ...
const EPOCH_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

export const PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777"];

function chartWidth(container) {
  return Math.max(280, Math.floor(container.clientWidth || 600));
}

/**
 * makeChart(container, {series: [{label, stroke, dash}], yLabel, percent, height, yRange})
 * yRange(min, max) -> [low, high]: the y axis's span from the data's (default: uPlot's own).
 * Returns the uPlot instance; the container's data-points attribute tracks how many x values it shows.
 */
export function makeChart(container, { series, yLabel, percent = false, height = 240, yRange = null }) {
  const formatY = percent
    ? (u, values) => values.map((v) => (v === null ? "" : `${Math.round(v * 100)}%`))
    : undefined;
  const options = {
    width: chartWidth(container),
    height,
    scales: { x: { time: false }, ...(yRange ? { y: { range: (u, min, max) => yRange(min, max) } } : {}) },
    axes: [
      { label: "epoch", stroke: "#475569", grid: { stroke: "#e2e8f0" }, incrs: EPOCH_STEPS },
      { label: yLabel, stroke: "#475569", grid: { stroke: "#e2e8f0" }, values: formatY, size: 56 },
    ],
    series: [
      { label: "epoch" },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: 2,
        dash: s.dash,
        spanGaps: true,
        value: (u, v) => (v === null || v === undefined ? "–" : percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(4)),
      })),
    ],
    cursor: { drag: { x: false, y: false } },
  };
  const emptyData = [[], ...series.map(() => [])];
  const chart = new uPlot(options, emptyData, container);
  container.dataset.points = "0";
  const observer = new ResizeObserver(() => chart.setSize({ width: chartWidth(container), height }));
  observer.observe(container);
  chart.observer = observer;
  return chart;
}

/** Replace the chart's data; columns must line up with the series given to makeChart. */
export function setData(chart, container, columns) {
  chart.setData(columns);
  container.dataset.points = String(columns[0].length);
}

export function destroyChart(chart) {
  if (!chart) return;
  if (chart.observer) chart.observer.disconnect();
  chart.destroy();
}
