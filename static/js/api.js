// Small helpers shared by every page: page data, JSON requests, uploads, formatting.

/** The JSON block a template renders into <script type="application/json" id="page-data">. */
export function readPageData() {
  const node = document.getElementById("page-data");
  return node ? JSON.parse(node.textContent) : {};
}

/** Replace "{id}" in a URL pattern the server built with url_for. */
export function fillUrl(pattern, id) {
  return pattern.replace("{id}", encodeURIComponent(String(id)));
}

/** An Error carrying the server's {"error": msg} message and the HTTP status. */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function parseResponse(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (_) {
    body = null;
  }
  if (!response.ok) {
    const message = (body && body.error) || `The server answered ${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status);
  }
  return body;
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  return parseResponse(response);
}

export async function sendJSON(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return parseResponse(response);
}

/**
 * POST multipart form data with upload progress: onProgress(fraction 0..1, bytesSent, bytesTotal).
 * Resolves to the JSON body; `signal` (an AbortSignal) cancels the upload, rejecting with an
 * ApiError whose `cancelled` is true.
 */
export function uploadForm(url, formData, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total, event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (_) {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError((body && body.error) || `Upload refused (${xhr.status})`, xhr.status));
    });
    xhr.addEventListener("error", () => reject(new ApiError("The upload failed: network error", 0)));
    xhr.addEventListener("abort", () => {
      const error = new ApiError("Upload cancelled.", 0);
      error.cancelled = true;
      reject(error);
    });
    if (signal) signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(formData);
  });
}

/** Lists may come bare or wrapped ({"runs": [...]}); accept both. */
export function asList(body, key) {
  if (Array.isArray(body)) return body;
  return (body && body[key]) || [];
}

export function formatPercent(value) {
  return value === null || value === undefined ? "–" : `${(100 * value).toFixed(1)} %`;
}

export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - 60 * minutes)} s`;
}

export function formatNumber(value, digits = 4) {
  if (value === null || value === undefined) return "–";
  // trailing zeros go only after a decimal point: 490 stays 490, 0.5000 becomes 0.5
  const text = Number(value).toPrecision(digits);
  if (text.includes("e")) return text.replace(/\.?0+e/, "e");
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** document.createElement with a class name and text in one call. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** The name a class is shown under (display_names from the dataset, else the label itself). */
export function displayName(dataset, label) {
  const names = (dataset && dataset.display_names) || {};
  return names[label] !== undefined && names[label] !== "" ? names[label] : label;
}

export const STATUS_TEXT = {
  queued: "queued",
  running: "running",
  completed: "completed",
  failed: "failed",
  cancelled: "cancelled",
  interrupted: "interrupted",
};

/** A status pill: <span class="status status-running">running</span>. */
export function makeStatusBadge(status) {
  return el("span", `status status-${status}`, STATUS_TEXT[status] || status);
}

/** Dates arrive as ISO strings or epoch seconds; show them short and local. */
export function formatDate(value) {
  if (value === null || value === undefined || value === "") return "–";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "400 → 25 → 10"-style summary of a run's hidden layers. */
export function describeNetwork(config) {
  if (!config) return "–";
  const hidden = config.hidden_layers || [];
  const conv = (config.conv_filters || []).length ? `conv ${config.conv_filters.join("×")} · ` : "";
  return `${conv}hidden ${hidden.join("×") || "none"} · ${config.activation || "?"} · ${config.optimizer || "?"}`;
}

/** The whole training configuration in one line, for the run page. */
export function describeConfig(config) {
  if (!config) return "";
  const rate = config.learning_rate === null || config.learning_rate === undefined ? "default rate" : `rate ${config.learning_rate}`;
  const batch = config.batch_size ? `batch ${config.batch_size}` : "full batch";
  const conv = config.conv_filters || [];
  return [
    ...(conv.length ? [`conv ${conv.join("×")} (${config.conv_kernel}×${config.conv_kernel})`] : []),
    `hidden ${(config.hidden_layers || []).join("×") || "none"}`,
    `${config.activation} → ${config.output}`,
    `${config.optimizer}, ${rate}`,
    `${config.epochs} epochs`,
    batch,
    `L2 ${config.l2}`,
    `validation ${Math.round((config.validation_split || 0) * 100)} %`,
    `seed ${config.seed}`,
  ].join(" · ");
}
