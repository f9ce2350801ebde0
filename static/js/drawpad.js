// A drawing pad on a <canvas>: pointer events (mouse, pen, touch), strokes kept in canvas pixel
// coordinates with y growing downward, which is what POST /api/runs/<id>/predict expects.

export const LINE_WIDTH = 18; // px on the 280 px pad; sent along as line_width
const INK = "#111827";
const PAPER = "#ffffff";

/**
 * Canvas pixel coordinates of a pointer event, whatever size CSS displays the canvas at.
 * The pixels fill the content box: the border (and padding) around it are not canvas, so they
 * are taken off the bounding rectangle, or the ink would land beside the pointer.
 */
function toCanvasPoint(canvas, event) {
  const rect = canvas.getBoundingClientRect();
  const style = window.getComputedStyle(canvas);
  const left = rect.left + canvas.clientLeft + parseFloat(style.paddingLeft);
  const top = rect.top + canvas.clientTop + parseFloat(style.paddingTop);
  const width = canvas.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const height = canvas.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  const x = ((event.clientX - left) * canvas.width) / width;
  const y = ((event.clientY - top) * canvas.height) / height;
  const clamp = (v, max) => Math.round(Math.min(max, Math.max(0, v)) * 10) / 10;
  return [clamp(x, canvas.width), clamp(y, canvas.height)];
}

function paintBlank(context, canvas) {
  context.fillStyle = PAPER;
  context.fillRect(0, 0, canvas.width, canvas.height);
}

function paintSegment(context, from, to, lineWidth) {
  context.strokeStyle = INK;
  context.fillStyle = INK;
  context.lineWidth = lineWidth;
  context.lineCap = "round";
  context.lineJoin = "round";
  if (from[0] === to[0] && from[1] === to[1]) {
    context.beginPath();
    context.arc(to[0], to[1], lineWidth / 2, 0, 2 * Math.PI);
    context.fill();
    return;
  }
  context.beginPath();
  context.moveTo(from[0], from[1]);
  context.lineTo(to[0], to[1]);
  context.stroke();
}

/**
 * makeDrawPad(canvas, {lineWidth, onStrokeEnd(strokes)}) -> {clear(), strokes()}.
 * onStrokeEnd gets a copy of every stroke drawn so far, after each pointer up.
 */
export function makeDrawPad(canvas, { lineWidth = LINE_WIDTH, onStrokeEnd }) {
  const context = canvas.getContext("2d");
  canvas.dataset.lineWidth = String(lineWidth); // the pen the strokes are drawn (and sent) with
  let strokes = [];
  let current = null;
  paintBlank(context, canvas);

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== undefined && event.button > 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    const point = toCanvasPoint(canvas, event);
    current = { pointerId: event.pointerId, points: [point] };
    paintSegment(context, point, point, lineWidth);
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!current || event.pointerId !== current.pointerId) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const sample of events.length ? events : [event]) {
      const point = toCanvasPoint(canvas, sample);
      const last = current.points[current.points.length - 1];
      if (point[0] === last[0] && point[1] === last[1]) continue;
      paintSegment(context, last, point, lineWidth);
      current.points.push(point);
    }
  });

  function finishStroke(event) {
    if (!current || event.pointerId !== current.pointerId) return;
    strokes.push(current.points);
    current = null;
    onStrokeEnd(strokes.map((stroke) => stroke.slice()));
  }
  canvas.addEventListener("pointerup", finishStroke);
  canvas.addEventListener("pointercancel", finishStroke);

  return {
    clear() {
      strokes = [];
      current = null;
      paintBlank(context, canvas);
    },
    strokes: () => strokes.map((stroke) => stroke.slice()),
  };
}
