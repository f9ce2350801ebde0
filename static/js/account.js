// The account page: make, list and revoke personal API tokens (through /api/tokens).
import { fillUrl, getJSON, readPageData, sendJSON } from "./api.js";

const { urls } = readPageData();
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

function showError(message) {
  const node = $("token-error");
  node.textContent = message || "";
  node.hidden = !message;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function tokenRow(token) {
  const tr = document.createElement("tr");
  tr.dataset.tokenId = String(token.id);
  tr.append(cell(token.label), cell(token.created_at), cell(token.last_used_at || "never"));
  const action = document.createElement("td");
  if (token.revoked) {
    action.textContent = "revoked";
    action.className = "muted";
  } else {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-danger";
    button.textContent = "Revoke";
    button.dataset.testid = "token-revoke";
    button.addEventListener("click", () => revokeToken(token.id));
    action.append(button);
  }
  tr.append(action);
  return tr;
}

async function loadTokens() {
  const { tokens } = await getJSON(urls.tokens);
  $("token-rows").replaceChildren(...tokens.map(tokenRow));
  $("token-empty").hidden = tokens.length > 0;
  $("token-table").hidden = tokens.length === 0;
}

async function revokeToken(id) {
  try {
    await sendJSON("DELETE", fillUrl(urls.token, id));
    showError(null);
    await loadTokens();
  } catch (error) {
    showError(error.message);
  }
}

async function makeToken(event) {
  event.preventDefault();
  const label = $("token-label").value;
  try {
    const made = await sendJSON("POST", urls.tokens, { label });
    $("token-secret").textContent = made.token;
    $("token-new").hidden = false;
    $("token-label").value = "";
    showError(null);
    await loadTokens();
  } catch (error) {
    showError(error.message);
  }
}

$("token-form").addEventListener("submit", makeToken);
loadTokens().catch((error) => showError(error.message));
