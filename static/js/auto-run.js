// Auto runs: the dataset page's "Auto (≈30 s)" button, and on the run page the candidate being
// trained, the time left of the budget and the leaderboard (result.auto or progress.auto).
import { el, fillUrl, formatNumber, formatPercent, formatSeconds, sendJSON } from "./api.js";

const $ = (testid) => document.querySelector(`[data-testid=${testid}]`);

/** The words a leaderboard uses for the settings a candidate changes. */
const SETTING_NAMES = {
  hidden_layers: "hidden", l2: "L2", learning_rate: "rate", epochs: "epochs",
  patience: "patience", activation: "", init: null,
};

const STATUS_WORDS = {
  kept: "kept", trained: "", "out of time": "stopped: out of time", diverged: "diverged",
  skipped: "not tried (budget)", waiting: "waiting", training: "training…",
};

/** Dataset page: one click starts an auto run of the dataset's defaults within its budget. */
export function setUpAutoButton(dataset, urls, showError) {
  const button = $("start-auto-run");
  const plan = dataset.auto_run;
  if (!button || !plan) return;
  button.textContent = `Auto (≈${formatSeconds(plan.budget)})`;
  $("auto-hint").textContent = `Auto tries a few variations of the default settings (wider, `
    + `deeper, more or less weight decay, other learning rates…) on the same split for about `
    + `${formatSeconds(plan.budget)} (${plan.rule}) and keeps the best by validation score.`;
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    showError("");
    try {
      const run = await sendJSON("POST", urls.runs, { dataset_id: dataset.id, auto: true });
      window.location.assign(fillUrl(urls.runPage, run.id));
    } catch (err) {
      showError(err.message);
      button.disabled = false;
    }
  });
}

/** "hidden 512 · L2 0.1" from a candidate's changed settings; "the defaults" for none. */
export function settingsSummary(changes) {
  const parts = [];
  for (const [key, value] of Object.entries(changes || {})) {
    const name = key in SETTING_NAMES ? SETTING_NAMES[key] : key.replace(/_/g, " ");
    if (name === null) continue;
    const shown = Array.isArray(value) ? value.join("×")
      : typeof value === "number" && !Number.isInteger(value) ? formatNumber(value, 3)
        : String(value);
    parts.push(name ? `${name} ${shown}` : shown);
  }
  return parts.length ? parts.join(" · ") : "the defaults";
}

function formatScore(score, regression) {
  if (score === null || score === undefined) return "–";
  return regression ? formatNumber(score, 3) : formatPercent(score);
}

function leaderboardRow(entry, regression) {
  const row = el("tr", entry.status === "kept" ? "is-kept" : null);
  row.dataset.testid = "leaderboard-row";
  row.dataset.name = entry.name;
  row.dataset.status = entry.status;
  const name = el("th", null, entry.name);
  name.scope = "row";
  if (entry.status === "kept") name.append(el("span", "kept-mark", " ✓ kept"));
  const status = STATUS_WORDS[entry.status] ?? entry.status;
  const time = entry.seconds === null || entry.seconds === undefined
    ? status : `${formatNumber(entry.seconds, 2)} s`;
  // the score and the time before the settings: a phone shows them without scrolling
  row.append(name, el("td", "score", formatScore(entry.score, regression)), el("td", null, time),
    el("td", null, settingsSummary(entry.changes)));
  return row;
}

function drawLeaderboard(board, regression) {
  const table = $("leaderboard");
  const head = el("tr");
  for (const title of ["Candidate", regression ? "Validation R²" : "Validation accuracy", "Time", "Settings"]) {
    const th = el("th", null, title);
    th.scope = "col";
    head.append(th);
  }
  table.replaceChildren(el("thead"), el("tbody"));
  table.tHead.append(head);
  for (const entry of board) table.tBodies[0].append(leaderboardRow(entry, regression));
  table.dataset.rows = String(board.length);
}

function describeSearch(auto, running) {
  const tried = auto.leaderboard.filter((e) => e.score !== null && e.score !== undefined).length;
  if (running && auto.candidate) {
    const best = auto.best ? `; best so far: ${auto.best.name}` : "";
    return `Training candidate ${auto.index + 1} of ${auto.count}: ${auto.candidate}${best}.`;
  }
  if (running) return "Comparing the candidates…";
  const which = tried === 1 ? "the only candidate trained"
    : `the best validation score of the ${tried} candidates trained`;
  return `Kept “${auto.chosen}”, ${which} in ${formatSeconds(auto.seconds)} of a `
    + `${formatSeconds(auto.budget)} budget; the settings above are its own.`;
}

/** Run page: the auto run's candidate and budget while it trains, its leaderboard after. */
export function showAuto(run, urls, regression) {
  const running = run.status === "running" || run.status === "queued";
  const auto = (run.status === "completed" && run.result && run.result.auto)
    || (run.progress && run.progress.auto);
  const card = $("auto-card");
  if (!card || !auto) return;
  card.hidden = false;
  $("auto-status").textContent = describeSearch(auto, running);
  drawLeaderboard(auto.leaderboard, regression);
  if (running && auto.candidate) {
    const counter = $("epoch-counter");
    counter.textContent = `${auto.candidate} (${auto.index + 1} of ${auto.count}) · ${counter.textContent}`;
    if (run.progress.eta_seconds !== null && run.progress.eta_seconds !== undefined) {
      $("eta").textContent = `about ${formatSeconds(run.progress.eta_seconds)} left of the `
        + `${formatSeconds(auto.budget)} budget`;
    }
  }
  const again = $("train-again");
  again.hidden = run.status !== "completed";
  if (!again.dataset.ready) {
    again.dataset.ready = "1";
    again.addEventListener("click", () => trainAgain(again, urls));
  }
}

async function trainAgain(button, urls) {
  button.disabled = true;
  try {
    const run = await sendJSON("POST", urls.restart, {});
    window.location.assign(fillUrl(urls.runPage, run.id));
  } catch (err) {
    $("auto-status").textContent = err.message;
    button.disabled = false;
  }
}
