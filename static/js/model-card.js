// "Use the model elsewhere" on a completed run's page: the five lines of Python that run the
// ONNX download with onnxruntime (from GET /api/runs/<id>/model-card) and the link that
// downloads the JSON model card beside "Download ONNX".
import { getJSON } from "./api.js";

const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);

/** Fetch the card once and show its Python; a model without a card keeps the block hidden. */
export async function showModelCard(urls) {
  const usage = $("onnx-usage");
  const link = $("download-card");
  if (link) link.href = urls.modelCardFile;
  if (!usage || !usage.hidden) return;
  try {
    const card = await getJSON(urls.modelCard);
    $("onnx-snippet").textContent = card.python;
    usage.hidden = false;
  } catch (err) {
    usage.hidden = true; // no ONNX export for this model: nothing to show
  }
}
