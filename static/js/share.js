// The run page's Share card: make read-only links to the run, list them, revoke them
// (POST/GET /api/runs/<id>/shares, DELETE /api/shares/<id>).
import { fillUrl, getJSON, readPageData, sendJSON } from "./api.js";

const { urls } = readPageData();
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

function showError(message) {
  $("share-error").textContent = message || "";
  $("share-error").hidden = !message;
}

function linkItem(link) {
  const item = document.createElement("li");
  item.dataset.shareId = String(link.id);
  const text = document.createElement("span");
  text.textContent = `Link made ${link.created_at}${link.revoked ? " · revoked" : ""}`;
  item.append(text);
  if (!link.revoked) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-danger";
    button.textContent = "Revoke";
    button.dataset.testid = "share-revoke";
    button.addEventListener("click", () => act(() => sendJSON("DELETE", fillUrl(urls.share, link.id))));
    item.append(button);
  }
  return item;
}

async function loadLinks() {
  const { shares } = await getJSON(urls.shares);
  $("share-list").replaceChildren(...shares.map(linkItem));
}

async function act(change) {
  try {
    const result = await change();
    showError(null);
    await loadLinks();
    return result;
  } catch (error) {
    showError(error.message);
    return null;
  }
}

$("share-create").addEventListener("click", async () => {
  const made = await act(() => sendJSON("POST", urls.shares, {}));
  if (made) {
    $("share-url").textContent = made.url;
    $("share-new").hidden = false;
  }
});
loadLinks().catch((error) => showError(error.message));
