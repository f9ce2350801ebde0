// "Wrong? Tell me the right digit": one button per class under the drawing pad's prediction.
// A click sends the drawing the shown prediction came from, with that class, to
// POST /api/runs/<id>/corrections; the server adds it to a dataset derived from the run's, and
// the confirmation links there so the next run can learn from it.
import { sendJSON, el, displayName, fillUrl } from "./api.js";

function describeAdded(n) {
  return n === 1 ? "1 of your drawings" : `${n} of your drawings`;
}

function showDone(node, body, datasetPage) {
  const href = fillUrl(datasetPage, body.dataset_id);
  const link = el("a", null, body.dataset_name);
  link.href = href;
  link.dataset.testid = "corrections-link";
  const train = el("a", "button button-primary", "Train on it");
  train.href = href;
  train.dataset.testid = "train-on-corrections";
  node.replaceChildren(
    `Added as “${body.display_label}” to `, link, ` (${describeAdded(body.added_samples)}). `, train,
  );
  node.dataset.datasetId = String(body.dataset_id);
  node.dataset.added = String(body.added_samples);
  node.classList.remove("is-error");
  node.hidden = false;
}

function showFailure(node, message) {
  node.replaceChildren(`Not added: ${message}`);
  node.classList.add("is-error");
  node.hidden = false;
}

/**
 * makeCorrections({root, buttons, done, dataset, url, datasetPage, drawing}) -> {show(), hide()}.
 * drawing() returns the body of the shown prediction's request ({strokes, width, height,
 * line_width}) or null; show() offers the buttons for it, hide() withdraws them.
 */
export function makeCorrections({ root, buttons, done, dataset, url, datasetPage, drawing }) {
  async function pick(label, button) {
    const body = drawing();
    if (!body) return;
    for (const b of buttons.querySelectorAll("button")) b.disabled = true;
    button.classList.add("is-busy");
    try {
      const added = await sendJSON("POST", url, { ...body, label });
      showDone(done, added, datasetPage);
      root.hidden = true; // this drawing is in; a new stroke or drawing offers the buttons again
    } catch (err) {
      showFailure(done, err.message);
    } finally {
      button.classList.remove("is-busy");
      for (const b of buttons.querySelectorAll("button")) b.disabled = false;
    }
  }

  buttons.replaceChildren();
  for (const label of dataset.classes) {
    const button = el("button", "button correction-button", displayName(dataset, label));
    button.type = "button";
    button.dataset.testid = `correct-${label}`;
    button.dataset.label = label;
    button.title = `It is a “${displayName(dataset, label)}”: add this drawing to the training data`;
    button.addEventListener("click", () => pick(label, button));
    buttons.append(button);
  }

  return {
    show() {
      root.hidden = false;
    },
    hide() {
      root.hidden = true;
    },
  };
}
