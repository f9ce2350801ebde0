// What the home page's upload and the run page's "Predict a file" share: sizes written for
// people, the refusal of a file over the server's limit before any byte is sent, and following
// a job the server runs after the upload (reading rows, scoring a file) until it has ended.
import { ApiError, getJSON } from "./api.js";

const MB = 1024 * 1024;

export function megabytes(bytes) {
  return bytes >= 10 * MB ? `${Math.round(bytes / MB)} MB` : `${(bytes / MB).toFixed(1)} MB`;
}

/** The message for a file over `maxBytes` (0: no limit), or "" when it may be sent. */
export function tooLarge(file, maxBytes) {
  if (!maxBytes || file.size <= maxBytes) return "";
  return `${file.name} is ${megabytes(file.size)}; this server accepts files up to ${megabytes(maxBytes)}.`;
}

/**
 * Poll `url` every `pollMs` until its status is "completed" (resolves to the last state) or
 * "failed" (rejects with the server's error and status); `onState` hears each state.
 */
export async function followJob(url, onState, pollMs) {
  for (;;) {
    const state = await getJSON(url);
    onState(state);
    if (state.status === "completed") return state;
    if (state.status === "failed") throw new ApiError(state.error, state.error_status);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
