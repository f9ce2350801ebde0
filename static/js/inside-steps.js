// The four steps of one gradient-descent step on the chosen example, written as formulas with the
// server's numbers put in: forward, cost, backward, update. Every number comes from the inside
// API's answer (computed by nncore/reference.py); this module only formats and places them.
import { el, formatNumber } from "./api.js";
import { layerTitle, unitName, POSITIVE, NEGATIVE } from "./inside-diagram.js";

const MINUS = "−";

/** A formula line: strings are text, {v, id} a number shown with 4 significant digits. */
function formula(...parts) {
  const line = el("p", "formula");
  for (const part of parts) {
    if (typeof part === "string") {
      line.append(part);
      continue;
    }
    const number = el("span", "num formula-number", formatNumber(part.v));
    if (part.id) number.dataset.testid = part.id;
    line.append(number);
  }
  return line;
}

function referenceNote(data, step) {
  const reference = data.reference || {};
  const note = el("p", "reference-note");
  note.append("Computed by ", el("code", null, reference[step] || "?"), " in ",
    el("code", null, reference.module || "nncore/reference.py"), ".");
  return note;
}

/** The activation function of layer l (1..L): per layer when the API lists them. */
export function activationOf(data, l) {
  const network = data.network || {};
  const last = data.layers.length - 1;
  // the API lists one per layer, the inputs' (none) first
  if (Array.isArray(network.activations)) return network.activations[l];
  return l === last ? network.output : network.activation;
}

/** A row of small cells coloured by value (blue positive, orange negative), one per unit. */
function valueStrip(values, label, testid) {
  const strip = el("div", "value-strip");
  strip.dataset.testid = testid;
  strip.setAttribute("role", "img");
  const extent = Math.max(1e-12, ...values.map((v) => Math.abs(v)));
  strip.setAttribute("aria-label", `${label}: ${values.length} values, the largest size ${formatNumber(extent)}`);
  for (const value of values) {
    const cell = el("span", "strip-cell");
    cell.style.backgroundColor = value >= 0 ? POSITIVE : NEGATIVE;
    cell.style.opacity = String(0.08 + 0.92 * Math.min(1, Math.abs(value) / extent));
    cell.title = formatNumber(value);
    strip.append(cell);
  }
  return strip;
}

function layerHeading(data, l) {
  const size = (data.layers[l].a || []).length;
  const activation = l > 0 ? ` ${activationOf(data, l)}` : "";
  return el("h4", "step-layer", `Layer ${l}: ${layerTitle(data, l)} (${size}${activation} units)`);
}

function forwardLayer(data, l, j) {
  const layer = data.layers[l];
  const before = data.layers[l - 1];
  const name = unitName(data, l, j);
  const box = el("div", "step-block");
  const f = activationOf(data, l);
  box.append(layerHeading(data, l), formula(`z = a W + b, then a = ${f}(z), for all ${(layer.a || []).length} units at once.`));
  const incoming = ((layer.incoming || {})[j]) || [];
  const parts = [`${name}: z = `];
  incoming.forEach((weight, k) => {
    parts.push(k ? " + (" : "(", { v: (before.a || [])[weight.from] }, " × ", { v: weight.w }, ")");
  });
  const rest = (before.a || []).length - incoming.length;
  if (rest > 0) parts.push(` + … (${rest} more terms)`);
  parts.push(incoming.length ? " + " : "", { v: (layer.b || [])[j], id: `forward-b-${l}` }, " = ", { v: (layer.z || [])[j], id: `forward-z-${l}` });
  box.append(formula(...parts));
  box.append(formula(`${name}: a = ${f}(`, { v: (layer.z || [])[j] }, ") = ", { v: (layer.a || [])[j], id: `forward-a-${l}` }));
  box.append(valueStrip(layer.a || [], `a of ${layerTitle(data, l)}`, `forward-strip-${l}`));
  return box;
}

/** Step 1: per layer z = a W + b and a = f(z), the selected unit's numbers written in. */
export function renderForward(body, data, units) {
  body.replaceChildren(el("p", "muted", "Each layer multiplies the previous layer's values by its weights, adds its biases, and squashes the result."));
  for (let l = 1; l < data.layers.length; l += 1) body.append(forwardLayer(data, l, units[l]));
  body.append(referenceNote(data, "forward"));
}

function costFormula(network, last) {
  if (network.cost === "squared_error") return "J = ½ Σₖ (aₖ − yₖ)²";
  if (network.output === "softmax") return "J = −Σₖ yₖ log aₖ";
  return `J = −Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)] over the ${last} outputs`;
}

function outputTable(data) {
  const last = data.layers.length - 1;
  const table = el("table", "preview-table cost-table");
  table.dataset.testid = "cost-outputs";
  const head = el("tr");
  head.append(el("th", null, "output"), el("th", "num", "target y"), el("th", "num", "network a"));
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  (data.layers[last].a || []).forEach((a, k) => {
    const row = el("tr");
    row.append(el("td", null, unitName(data, last, k)), el("td", "num", formatNumber((data.target || [])[k])),
      el("td", "num", formatNumber(a)));
    table.tBodies[0].append(row);
  });
  const wrap = el("div", "table-scroll");
  wrap.append(table);
  return wrap;
}

/** Step 2: the run's cost on this example, data term plus L2 term. */
export function renderCost(body, data) {
  const network = data.network || {};
  const terms = data.cost_terms || {};
  const last = data.layers.length - 1;
  const kind = network.cost === "squared_error" ? "half the squared error" : "the cross-entropy";
  body.replaceChildren(
    el("p", "muted", `This run scores an example by ${kind} of its outputs against the target, plus the L2 penalty on the weights.`),
    ...(data.target_source === "prediction"
      ? [el("p", "muted", "This example has no label: its target is the network's own answer, so the step makes the network surer of it.")]
      : []),
    formula(costFormula(network, (data.layers[last].a || []).length), "  +  (λ / 2m) Σ W²"),
    outputTable(data),
    formula("data term = ", { v: terms.data, id: "cost-data" }),
    formula("L2 term = (", { v: network.l2 }, " / (2 × ", { v: network.m }, ")) × Σ W² = ", { v: terms.l2, id: "cost-l2" }),
    formula("J = ", { v: terms.data }, " + ", { v: terms.l2 }, " = ", { v: data.cost, id: "cost-total" }),
    referenceNote(data, "cost"),
  );
}

function derivativeLine(data, l, j) {
  const layer = data.layers[l];
  const a = (layer.a || [])[j];
  const f = activationOf(data, l);
  if (f === "sigmoid") return formula("f′(z) = a (1 − a) = ", { v: a }, " × (1 − ", { v: a }, ")");
  if (f === "tanh") return formula("f′(z) = 1 − a² = 1 − ", { v: a }, "²");
  if (f === "relu") return formula("f′(z) = 1 when z > 0, else 0; here z = ", { v: (layer.z || [])[j] });
  return formula(`f′(z) of ${f}`);
}

/** "unit: δ = (δ_next[k] × W[j, k] + ...)" over the drawn links out of unit j of layer l. */
function backTerms(data, l, j) {
  const next = data.layers[l + 1];
  const links = (next.links || []).filter((link) => link.from === j);
  const parts = [`${unitName(data, l, j)}: δ = (`];
  links.forEach((link, k) => parts.push(k ? " + " : "", { v: (next.delta || [])[link.to] }, " × ", { v: link.w }));
  const rest = (next.delta || []).length - links.length;
  if (rest > 0) parts.push(`${links.length ? " + " : ""}… (${rest} more terms)`);
  parts.push(")");
  return parts;
}

function backwardLayer(data, l, j) {
  const last = data.layers.length - 1;
  const layer = data.layers[l];
  const name = unitName(data, l, j);
  const box = el("div", "step-block");
  box.append(layerHeading(data, l));
  if (l === last) {
    box.append(formula("δ = a − y (the output error)"),
      formula(`${name}: δ = `, { v: (layer.a || [])[j] }, ` ${MINUS} `, { v: (data.target || [])[j] }, " = ",
        { v: (layer.delta || [])[j], id: `backward-delta-${l}` }));
  } else {
    box.append(formula(`δ = (δ_next W_nextᵀ) ⊙ f′(z), with f = ${activationOf(data, l)}`),
      derivativeLine(data, l, j),
      formula(...backTerms(data, l, j), " × f′(z) = ", { v: (layer.delta || [])[j], id: `backward-delta-${l}` }));
  }
  box.append(valueStrip(layer.delta || [], `δ of ${layerTitle(data, l)}`, `backward-strip-${l}`));
  return box;
}

function gradientBlock(data, step) {
  const network = data.network || {};
  const l = step.layer;
  const from = unitName(data, l - 1, step.from);
  const to = unitName(data, l, step.to);
  const box = el("div", "step-block step-gradient");
  box.append(el("h4", "step-layer", `The chosen weight: ${from} → ${to} (layer ${l})`),
    formula("∂J/∂W = aᵀ δ / n + (λ / m) W, with n = 1 example and m = ", { v: network.m }, " training rows"),
    formula("= ", { v: (data.layers[l - 1].a || [])[step.from], id: "grad-a" }, " × ",
      { v: (data.layers[l].delta || [])[step.to], id: "grad-delta" }, " / 1 + (", { v: network.l2 }, " / ",
      { v: network.m }, ") × ", { v: step.w }),
    formula("= ", { v: step.grad_data, id: "grad-data" }, " + ", { v: step.grad_l2, id: "grad-l2" },
      " = ", { v: step.grad, id: "grad" }),
    el("p", "muted", "The first part is the example's error passed back through this weight; the second, the L2 penalty pulling the weight towards 0."));
  return box;
}

/** Step 3: the output error, each hidden layer's delta, and the chosen weight's gradient. */
export function renderBackward(body, data, units, step) {
  body.replaceChildren(el("p", "muted", "The error starts at the outputs and flows back through the same weights, scaled by each unit's slope."));
  for (let l = data.layers.length - 1; l >= 1; l -= 1) body.append(backwardLayer(data, l, units[l]));
  body.append(gradientBlock(data, step), referenceNote(data, "backward"));
}

function ruleLines(data, step) {
  const optimizer = (data.network || {}).optimizer;
  if (optimizer === "adam") {
    const adam = step.adam || {};
    return [formula("Adam's step: W ← W − α m̂ / (√v̂ + ε), where m̂ and v̂ are the bias-corrected running means of the gradient and of its square"),
      formula(`its first step (t = ${adam.t ?? 1}): m = `, { v: adam.m, id: "adam-m" }, ", v = ", { v: adam.v, id: "adam-v" },
        ", so m̂ = ∂J/∂W and v̂ = (∂J/∂W)²: the weight moves by α against the gradient's sign"),
      formula("= ", { v: step.w, id: "update-w" }, " − ", { v: step.learning_rate, id: "update-rate" }, " × m̂ / (√v̂ + ε) = ",
        { v: step.w_after, id: "update-w-after" })];
  }
  const name = optimizer === "momentum" ? "Momentum's first step is the plain one" : "Gradient descent";
  return [formula(`${name}: W ← W − α ∂J/∂W`),
    formula("= ", { v: step.w, id: "update-w" }, " − ", { v: step.learning_rate, id: "update-rate" }, " × ",
      { v: step.grad }, " = ", { v: step.w_after, id: "update-w-after" })];
}

function verdict(data) {
  const node = el("p", data.cost_falls ? "verdict verdict-ok" : "verdict verdict-bad");
  node.dataset.testid = "update-verdict";
  node.dataset.falls = String(Boolean(data.cost_falls));
  if (data.cost_falls) {
    node.textContent = "The cost on this example falls: the step went downhill.";
    return node;
  }
  const smaller = data.smaller_rate || {};
  node.append("The cost on this example does not fall at this learning rate: the step overshoots. ");
  const rate = el("span", "num", formatNumber(smaller.learning_rate));
  rate.dataset.testid = "smaller-rate";
  const after = el("span", "num", formatNumber(smaller.cost_after));
  after.dataset.testid = "smaller-cost-after";
  if (smaller.cost_falls) node.append("At a smaller rate, ", rate, ", it falls (to ", after, ").");
  else node.append("Even at ", rate, " it does not fall (", after, "): the gradient here is flat or zero.");
  return node;
}

/** Step 4: the chosen weight moved, every weight moved the same way, the cost before and after. */
export function renderUpdate(body, data, step) {
  const from = unitName(data, step.layer - 1, step.from);
  const to = unitName(data, step.layer, step.to);
  body.replaceChildren(
    el("p", "muted", `Every weight moves against its gradient at the run's learning rate α; here ${from} → ${to}.`),
    ...ruleLines(data, step),
    formula("cost on this example: before ", { v: data.cost, id: "cost-before" }, ", after the step ",
      { v: data.cost_after, id: "cost-after" }),
    verdict(data),
    referenceNote(data, "update"),
  );
}
