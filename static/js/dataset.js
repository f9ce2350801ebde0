// Dataset page: summary, class counts, class names, image grid with orientation/range controls,
// and the new-run form (options from GET /api/options, validated field by field).
import {
  readPageData, fillUrl, getJSON, sendJSON, el, displayName,
} from "./api.js";
import { makeImageCanvas } from "./images.js";
import { drawColumnBars } from "./bars.js";
import { isRegression, showTarget, taskControl } from "./regression.js";
import { setUpLayoutForm, showLayout } from "./layout.js";
import { setUpAutoButton } from "./auto-run.js";
import {
  dropPictureSettings, rangeText, revealInvalid, showFormForKind, showNamesNote,
} from "./dataset-kind.js";

const page = readPageData();
const urls = page.urls;
const SAMPLES_PER_CLASS = 8;
let dataset = null;
let formOptions = null;     // /api/options, kept to refill the run form after a role change

function showError(testid, message) {
  const node = document.querySelector(`[data-testid=${testid}]`);
  node.textContent = message || "";
  node.hidden = !message;
}

function showSummary() {
  document.title = `${dataset.name} · Neural network trainer`;
  document.querySelector("[data-testid=dataset-name]").textContent = dataset.name || `Dataset #${dataset.id}`;
  const source = { builtin: "Built-in sample", upload: "Uploaded file", corrections: "Corrections" }[dataset.source] || "";
  document.querySelector("[data-testid=dataset-source]").textContent = source;
  document.querySelector("[data-testid=dataset-rows]").textContent = dataset.n_samples;
  document.querySelector("[data-testid=dataset-features]").textContent = dataset.n_features;
  const regression = isRegression(dataset);
  document.querySelector("[data-testid=dataset-classes]").textContent =
    regression ? "number" : dataset.classes.length;
  document.querySelector("[data-testid=dataset-classes-label]").textContent =
    regression ? "to predict" : "classes";
  document.querySelector("[data-testid=dataset-range]").textContent = rangeText(dataset);
  showAdded();
  showCounts();
  showColumns();
  showTask();
  showLayout(dataset);
}

/** A number to predict: its figures instead of the class counts, names and per-class samples. */
function showTask() {
  const regression = isRegression(dataset);
  document.querySelector("[data-testid=target-card]").hidden = !regression;
  for (const id of ["counts-card", "names-card"]) {
    document.querySelector(`[data-testid=${id}]`).hidden = regression;
  }
  if (regression) {
    const label = (dataset.columns || []).find((c) => c.kind === "label");
    document.querySelector("[data-testid=target-name]").textContent =
      label ? `“${label.name}”, in its own units.` : "";
    showTarget(document.querySelector("[data-testid=target-summary]"), dataset.target);
  }
  const form = document.querySelector("[data-testid=run-form]");
  for (const field of form.querySelectorAll("[data-classes-only]")) field.hidden = regression;
  showFormForKind(form, dataset);
  showNamesNote(document.querySelector("[data-testid=names-tutorial]"), dataset);
}

/** The dataset read again (other columns, label or classes): every part of the page anew. */
function showChanged(changed) {
  dataset = changed;
  showSummary();
  showNameEditor();
  loadSamples();
  if (formOptions) fillRunForm(formOptions);
}

async function switchTask(task) {
  const status = document.querySelector("[data-testid=roles-status]");
  showError("roles-error", "");
  status.textContent = task === "regression" ? "Reading the label as numbers…" : "Reading the label as classes…";
  try {
    showChanged(await sendJSON("PATCH", urls.dataset, { task }));
    status.textContent = "Done.";
  } catch (err) {
    status.textContent = "";
    showError("roles-error", err.message);
    showColumns();                 // the select back to the task the dataset still has
  }
}

const ROLES = ["number", "category", "ignored", "label"];

/** The column table: one row per column with its kind as a select, to change its role. */
function showColumns() {
  const card = document.querySelector("[data-testid=columns-card]");
  card.hidden = !dataset.columns;
  if (!dataset.columns) return;
  document.querySelector("[data-testid=default-run]").textContent =
    dataset.default_run ? `Default run: ${dataset.default_run.reason}.` : "";
  const body = card.querySelector("tbody");
  body.replaceChildren();
  for (const column of dataset.columns) {
    const row = el("tr");
    row.dataset.column = column.name;
    row.dataset.kind = column.kind;
    const kind = el("select");
    kind.name = column.name;
    kind.setAttribute("aria-label", `Role of ${column.name}`);
    kind.disabled = !dataset.roles_changeable;
    for (const role of ROLES) {
      const option = el("option", null, role);
      option.value = role;
      option.selected = role === column.kind;
      kind.append(option);
    }
    const kindCell = el("td");
    kindCell.append(kind);
    const tokens = column.blank_tokens && column.blank_tokens.length
      ? ` (${column.blank_tokens.map((t) => `“${t}”`).join(", ")})` : "";
    row.append(el("th", null, column.name), kindCell, el("td", null, `${column.blanks}${tokens}`),
      el("td", "muted", (column.examples || []).join(", ")), el("td", null, column.action));
    if (column.kind === "label") row.lastChild.append(taskControl(dataset, switchTask));
    row.firstChild.scope = "row";
    body.append(row);
  }
  document.querySelector("[data-testid=save-roles]").disabled = !dataset.roles_changeable;
}

function setUpRolesForm() {
  const form = document.querySelector("[data-testid=roles-form]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const roles = {};
    for (const select of form.querySelectorAll("select")) {
      const column = dataset.columns.find((c) => c.name === select.name);
      if (column && select.value !== column.kind) roles[select.name] = select.value;
    }
    const status = document.querySelector("[data-testid=roles-status]");
    showError("roles-error", "");
    status.textContent = "Reading the columns again…";
    try {
      dataset = await sendJSON("PATCH", urls.dataset, { roles });
      showSummary();
      showNameEditor();            // the label may be another column now: other classes
      if (formOptions) fillRunForm(formOptions);   // and another default run
      status.textContent = "Done.";
    } catch (err) {
      status.textContent = "";
      showError("roles-error", err.message);
    }
  });
}

/** A dataset derived from another: "+ 3 of your drawings, added to <parent>". */
function showAdded() {
  const node = document.querySelector("[data-testid=added-samples]");
  const added = dataset.added_samples || 0;
  node.dataset.added = String(added);
  node.hidden = !added && dataset.source !== "corrections";
  if (node.hidden) return;
  const drawings = added === 1 ? "1 of your drawings" : `${added} of your drawings`;
  node.replaceChildren(`+ ${drawings}`);
  if (dataset.parent_id === null || dataset.parent_id === undefined) return;
  const parent = el("a", null, `dataset #${dataset.parent_id}`);
  parent.href = fillUrl(urls.datasetPage, dataset.parent_id);
  parent.dataset.testid = "parent-link";
  node.append(", added to the rows of ", parent);
  getJSON(fillUrl(urls.datasetApi, dataset.parent_id))
    .then((body) => { parent.textContent = body.name || parent.textContent; })
    .catch(() => {});
}

function showCounts() {
  const counts = dataset.class_counts || {};
  drawColumnBars(
    document.querySelector("[data-testid=class-counts]"),
    dataset.classes.map((label) => ({
      label: displayName(dataset, label),
      value: counts[label] || 0,
      title: `class “${label}” shown as “${displayName(dataset, label)}”: ${counts[label] || 0} samples`,
    })),
  );
}

function showNameEditor() {
  const grid = document.querySelector("[data-testid=names-grid]");
  grid.replaceChildren();
  for (const label of dataset.classes) {
    const field = el("label", "name-field");
    field.append(el("span", "name-label", `“${label}”`));
    const input = el("input");
    input.type = "text";
    input.name = label;
    input.value = displayName(dataset, label);
    input.dataset.testid = `name-${label}`;
    input.maxLength = 40;
    field.append(input);
    grid.append(field);
  }
  const form = document.querySelector("[data-testid=names-form]");
  form.onsubmit = async (event) => {
    event.preventDefault();
    const status = document.querySelector("[data-testid=names-status]");
    const names = {};
    for (const input of grid.querySelectorAll("input")) names[input.name] = input.value.trim() || input.name;
    status.textContent = "Saving…";
    try {
      dataset = await sendJSON("PATCH", urls.dataset, { display_names: names });
      status.textContent = "Saved.";
      showCounts();
      loadSamples();
    } catch (err) {
      status.textContent = err.message;
    }
  };
}

function readImageControls() {
  const form = document.querySelector("[data-testid=image-controls]");
  return {
    order: form.elements.order.value,
    vmin: form.elements.vmin.value.trim(),
    vmax: form.elements.vmax.value.trim(),
  };
}

function checkImageControls({ vmin, vmax }) {
  if (vmin === "" || vmax === "" || !isFinite(Number(vmin)) || !isFinite(Number(vmax))) {
    return "Enter numbers for the blank and ink values.";
  }
  if (Number(vmin) === Number(vmax)) return "The blank and ink values must differ.";
  return null;
}

function showImageControls() {
  const card = document.querySelector("[data-testid=images-card]");
  if (!dataset.image || isRegression(dataset)) {
    card.hidden = true;
    document.querySelector("[data-testid=dataset-layout]").classList.add("no-images");
    return;
  }
  card.hidden = false;
  const form = document.querySelector("[data-testid=image-controls]");
  form.elements.order.value = dataset.image.order;
  form.elements.vmin.value = dataset.image.vmin;
  form.elements.vmax.value = dataset.image.vmax;
  document.querySelector("[data-testid=image-geometry]").textContent =
    `${dataset.image.width}×${dataset.image.height} pixels`;
  for (const input of form.querySelectorAll("select, input")) input.addEventListener("change", () => loadSamples());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const controls = readImageControls();
    const problem = checkImageControls(controls);
    const status = document.querySelector("[data-testid=image-status]");
    if (problem) {
      showError("image-error", problem);
      return;
    }
    status.textContent = "Saving…";
    try {
      dataset = await sendJSON("PATCH", urls.dataset, {
        image: { order: controls.order, vmin: Number(controls.vmin), vmax: Number(controls.vmax) },
      });
      status.textContent = "Saved: training and drawing use this orientation.";
    } catch (err) {
      status.textContent = "";
      showError("image-error", err.message);
    }
  });
}

let samplesRequest = 0;

async function loadSamples() {
  if (!dataset.image || isRegression(dataset)) return;
  const controls = readImageControls();
  const problem = checkImageControls(controls);
  showError("image-error", problem);
  if (problem) return;
  const query = new URLSearchParams({ per_class: SAMPLES_PER_CLASS, ...controls });
  const request = (samplesRequest += 1);
  try {
    const body = await getJSON(`${urls.samples}?${query}`);
    if (request === samplesRequest) drawSampleGrid(body);
  } catch (err) {
    if (request === samplesRequest) showError("image-error", err.message);
  }
}

function drawSampleGrid(body) {
  const grid = document.querySelector("[data-testid=sample-grid]");
  grid.replaceChildren();
  const byLabel = new Map(dataset.classes.map((label) => [label, []]));
  for (const sample of body.samples) {
    if (!byLabel.has(sample.label)) byLabel.set(sample.label, []);
    byLabel.get(sample.label).push(sample);
  }
  for (const [label, samples] of byLabel) {
    const row = el("div", "sample-row");
    row.append(el("span", "sample-row-label", displayName(dataset, label)));
    const images = el("div", "sample-row-images");
    for (const sample of samples) {
      const canvas = makeImageCanvas(sample.pixels, body.width, body.height, "pixel-canvas grid-canvas");
      canvas.title = `row ${sample.index}, label “${sample.label}”`;
      images.append(canvas);
    }
    row.append(images);
    grid.append(row);
  }
  if (body.added && body.added.length) grid.prepend(addedRow(body));
}

/** The newest drawings the user added (corrections), each titled with its label. */
function addedRow(body) {
  const row = el("div", "sample-row sample-row-added");
  row.dataset.testid = "added-sample-row";
  row.append(el("span", "sample-row-label", "Yours"));
  const images = el("div", "sample-row-images");
  for (const sample of body.added) {
    const canvas = makeImageCanvas(sample.pixels, body.width, body.height, "pixel-canvas grid-canvas");
    canvas.title = `your drawing (row ${sample.index}), labelled “${displayName(dataset, sample.label)}”`;
    images.append(canvas);
  }
  row.append(images);
  return row;
}

// ---- new-run form ------------------------------------------------------------------------

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const INTEGER = /^\d+$/;

function fillSelect(select, names, chosen) {
  select.replaceChildren();
  for (const name of names) {
    const option = el("option", null, name);
    option.value = name;
    select.append(option);
  }
  if (chosen !== undefined && chosen !== null) select.value = chosen;
}

function optionNames(list) {
  // Registries may come as ["adam", ...] or {"adam": {...}}.
  return Array.isArray(list) ? list : Object.keys(list || {});
}

function fillRunForm(options) {
  const form = document.querySelector("[data-testid=run-form]");
  // The run this dataset gets by default (a table's width, epochs and early stopping), over
  // the general defaults, so that pressing "Start training" unchanged trains that run.
  const adapted = (dataset.default_run && dataset.default_run.settings) || {};
  const defaults = { ...(options.defaults || {}), ...adapted };
  fillSelect(form.elements.activation, optionNames(options.activations), defaults.activation);
  fillSelect(form.elements.output, optionNames(options.outputs), defaults.output);
  fillSelect(form.elements.optimizer, optionNames(options.optimizers), defaults.optimizer);
  fillSelect(form.elements.lr_schedule, optionNames(options.lr_schedules), defaults.lr_schedule);
  form.elements.hidden_layers.value = (defaults.hidden_layers || [25]).join(", ");
  form.elements.learning_rate.value = defaults.learning_rate ?? "";
  form.elements.epochs.value = defaults.epochs ?? 30;
  form.elements.batch_size.value = defaults.batch_size ?? "";
  form.elements.full_batch.checked = defaults.batch_size === null || defaults.batch_size === undefined;
  form.elements.l2.value = defaults.l2 ?? 0;
  form.elements.validation_split.value = defaults.validation_split ?? 0.2;
  form.elements.seed.value = defaults.seed ?? 0;
  form.elements.patience.value = defaults.patience ?? "";
  form.elements.conv_filters.value = (defaults.conv_filters || []).join(", ");
  form.elements.synthetic_digits.value = defaults.synthetic_digits ?? "";
  form.elements.pen_digits.value = defaults.pen_digits ?? "";
  form.elements.average_last.value = defaults.average_last ?? 0;
  syncBatchField(form);
  showLearningRateHint(form, options);
}

function syncBatchField(form) {
  const full = form.elements.full_batch.checked;
  form.elements.batch_size.disabled = full;
  if (!full && !form.elements.batch_size.value) form.elements.batch_size.value = 64;
}

function showLearningRateHint(form, options) {
  const optimizer = form.elements.optimizer.value;
  const activation = form.elements.activation.value;
  const rates = (options.learning_rates_by_activation || {})[optimizer] || {};
  const rate = rates[activation];
  const hint = document.querySelector("[data-testid=lr-hint]");
  const which = optimizer === "adam" ? `adam's default for ${activation}` : `${optimizer}'s default`;
  hint.textContent = rate !== undefined ? `Empty: ${which}, ${rate}.` : "Empty: the optimizer's default.";
}

/** Read and check every field; returns {config, errors: {field: message}}. */
function readRunForm(form, limits) {
  const value = (name) => form.elements[name].value.trim();
  const errors = {};
  const config = { dataset_id: dataset.id };

  const sizes = value("hidden_layers").split(/[\s,;]+/).filter(Boolean);
  const maxUnits = limits.max_layer_size;
  const maxLayers = limits.max_layers;
  if (!sizes.length) errors.hidden_layers = "Enter at least one layer size, e.g. 25.";
  else if (!sizes.every((s) => INTEGER.test(s) && Number(s) >= 1)) errors.hidden_layers = "Whole numbers of at least 1, separated by commas.";
  else if (sizes.some((s) => Number(s) > maxUnits)) errors.hidden_layers = `At most ${maxUnits} units per layer.`;
  else if (sizes.length > maxLayers) errors.hidden_layers = `At most ${maxLayers} hidden layers.`;
  config.hidden_layers = sizes.map(Number);

  for (const name of ["activation", "output", "optimizer", "lr_schedule"]) {
    if (!value(name)) errors[name] = "Choose one.";
    config[name] = value(name);
  }

  const averaged = value("average_last");
  if (!NUMBER.test(averaged) || Number(averaged) < 0 || Number(averaged) > 1) errors.average_last = "A share from 0 to 1, e.g. 0.25 (0 = no weight averaging).";
  else config.average_last = Number(averaged);

  const rate = value("learning_rate");
  if (rate === "") config.learning_rate = null;
  else if (!NUMBER.test(rate) || !(Number(rate) > 0)) errors.learning_rate = "A number greater than 0, e.g. 0.01 (or empty for the default).";
  else if (Number(rate) > 100) errors.learning_rate = "That is far too large; try something below 10.";
  else config.learning_rate = Number(rate);

  const maxEpochs = limits.max_epochs;
  const epochs = value("epochs");
  if (!INTEGER.test(epochs) || Number(epochs) < 1) errors.epochs = "A whole number of at least 1.";
  else if (Number(epochs) > maxEpochs) errors.epochs = `At most ${maxEpochs}.`;
  else config.epochs = Number(epochs);

  if (form.elements.full_batch.checked) config.batch_size = null;
  else {
    const batch = value("batch_size");
    if (!INTEGER.test(batch) || Number(batch) < 1) errors.batch_size = "A whole number of at least 1, or tick full batch.";
    else config.batch_size = Number(batch);
  }

  const l2 = value("l2");
  if (!NUMBER.test(l2) || Number(l2) < 0) errors.l2 = "A number of 0 or more (0 = no regularisation).";
  else config.l2 = Number(l2);

  const split = value("validation_split");
  if (!NUMBER.test(split) || Number(split) < 0 || Number(split) > limits.max_validation_split) errors.validation_split = `A fraction from 0 to ${limits.max_validation_split}, e.g. 0.2.`;
  else config.validation_split = Number(split);

  const seed = value("seed");
  if (!INTEGER.test(seed)) errors.seed = "A whole number of 0 or more.";
  else config.seed = Number(seed);

  const patience = value("patience");
  if (patience === "") config.patience = null;
  else if (!INTEGER.test(patience) || Number(patience) < 1) errors.patience = "A whole number of at least 1, or empty for off.";
  else if (config.validation_split === 0) errors.patience = "Early stopping needs a validation split above 0.";
  else config.patience = Number(patience);

  const filters = value("conv_filters").split(/[\s,;]+/).filter(Boolean);
  const maxFilters = limits.max_conv_filters, maxBlocks = limits.max_conv_blocks;
  if (!filters.every((s) => INTEGER.test(s) && Number(s) >= 1 && Number(s) <= maxFilters)) errors.conv_filters = `Whole numbers from 1 to ${maxFilters}, separated by commas; empty for none.`;
  else if (filters.length > maxBlocks) errors.conv_filters = `At most ${maxBlocks} convolutional blocks.`;
  else config.conv_filters = filters.map(Number);

  const synthetic = value("synthetic_digits");
  const maxSynthetic = limits.max_synthetic_digits;
  if (synthetic === "") config.synthetic_digits = null;
  else if (!INTEGER.test(synthetic) || Number(synthetic) > maxSynthetic) errors.synthetic_digits = `A whole number from 0 to ${maxSynthetic}, or empty for auto.`;
  else config.synthetic_digits = Number(synthetic);

  const pen = value("pen_digits");
  const maxPen = limits.max_pen_digits;
  if (pen === "") config.pen_digits = null;
  else if (!INTEGER.test(pen) || Number(pen) > maxPen) errors.pen_digits = `A whole number from 0 to ${maxPen}, or empty for auto.`;
  else config.pen_digits = Number(pen);

  if (isRegression(dataset)) {
    // a number to predict has one linear output and no digit extras: the task decides them
    for (const name of ["output", "conv_filters", "synthetic_digits", "pen_digits"]) {
      delete config[name];
      delete errors[name];
    }
  }
  dropPictureSettings(config, errors, dataset);
  return { config, errors };
}

function showFieldErrors(form, errors) {
  for (const node of form.querySelectorAll("[data-error-for]")) {
    const message = errors[node.dataset.errorFor] || "";
    node.textContent = message;
    const input = form.elements[node.dataset.errorFor];
    if (input && input.setAttribute) input.setAttribute("aria-invalid", message ? "true" : "false");
  }
}

/** The server names the field in its 400 message; put the message next to that field too. */
function fieldNamedIn(message, fields) {
  const lower = message.toLowerCase();
  return fields.find((name) => lower.includes(name) || lower.includes(name.replace(/_/g, " "))) || null;
}

/** The fields that make the network (nncore.defaults.NETWORK_SETTINGS). */
const NETWORK_FIELDS = ["hidden_layers", "activation", "output", "l2", "conv_filters"];

/**
 * A network of the user's own trains without the drawing pad's pen digits, for the epochs the
 * server gives it (default_run.own_network): the epochs field follows the network while it
 * still holds one of the two defaults, so a number the user typed is kept.
 */
function syncEpochsWithNetwork(form, options) {
  const run = dataset.default_run || {};
  const own = (run.own_network || {}).epochs;
  const defaults = { ...(options.defaults || {}), ...(run.settings || {}) };
  const epochs = form.elements.epochs;
  if (own === undefined || ![String(defaults.epochs), String(own)].includes(epochs.value.trim())) return;
  epochs.value = choosesNetwork(form, defaults) ? own : defaults.epochs;
}

/** Whether the form's network differs from the dataset's default run's. */
function choosesNetwork(form, defaults) {
  const value = (name) => form.elements[name].value.trim();
  const sizes = (text) => text.split(/[\s,;]+/).filter(Boolean).map(Number).join(",");
  return sizes(value("hidden_layers")) !== (defaults.hidden_layers || []).join(",")
    || value("activation") !== defaults.activation || value("output") !== defaults.output
    || Number(value("l2")) !== Number(defaults.l2 ?? 0)
    || sizes(value("conv_filters")) !== (defaults.conv_filters || []).join(",");
}

function setUpRunForm(options) {
  const form = document.querySelector("[data-testid=run-form]");
  const limits = options.limits;
  fillRunForm(options);
  form.elements.full_batch.addEventListener("change", () => syncBatchField(form));
  for (const name of ["optimizer", "activation"]) {
    form.elements[name].addEventListener("change", () => showLearningRateHint(form, options));
  }
  for (const name of NETWORK_FIELDS) {
    // on input, not change: a change event fires as the next field takes the focus, which
    // would rewrite the epochs field while the user starts typing in it
    for (const type of ["input", "change"]) {
      form.elements[name].addEventListener(type, () => syncEpochsWithNetwork(form, options));
    }
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("run-error", "");
    const { config, errors } = readRunForm(form, limits);
    showFieldErrors(form, errors);
    if (Object.keys(errors).length) {
      showError("run-error", "Please fix the highlighted fields.");
      revealInvalid(form);
      form.querySelector("[aria-invalid=true]")?.focus();
      return;
    }
    const button = form.querySelector("[data-testid=start-run]");
    button.disabled = true;
    button.textContent = "Starting…";
    try {
      const run = await sendJSON("POST", urls.runs, config);
      window.location.assign(fillUrl(urls.runPage, run.id));
    } catch (err) {
      const field = fieldNamedIn(err.message, Object.keys(config));
      if (field) showFieldErrors(form, { [field]: err.message });
      revealInvalid(form);
      showError("run-error", err.message);
      button.disabled = false;
      button.textContent = "Start training";
    }
  });
}

async function start() {
  try {
    const [body, options] = await Promise.all([getJSON(urls.dataset), getJSON(urls.options)]);
    dataset = body;
    formOptions = options;
    showSummary();
    setUpRolesForm();
    setUpLayoutForm(urls.dataset, () => dataset, showChanged);
    showNameEditor();
    showImageControls();
    loadSamples();
    setUpRunForm(options);
    setUpAutoButton(dataset, urls, (message) => showError("run-error", message));
  } catch (err) {
    showError("dataset-error", `Could not load the dataset: ${err.message}`);
  }
}

start();
