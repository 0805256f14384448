// OsparcStudyRunner: my studies (a grid; Enter or a click chooses one), its description,
// one labelled input per study input, Clone (with an optional title), Run and Stop, a
// progress bar, then the run's inputs, outputs and step logs. Python keeps the state and
// checks the inputs (messages in field_errors); every click is an action message naming a
// panel method. Server text is always written with textContent.
import { el, button } from "./lib/dom.js";
import { createGrid } from "./lib/grid.js";
import { createJobDetail } from "./lib/jobdetail.js";

const COLUMNS = [
  { key: "title", label: "Study", width: "minmax(140px, 2fr)" },
  { key: "description", label: "Description", width: "minmax(160px, 3fr)" },
];

let unique = 0;

function render({ model, el: host }) {
  const id = `lp-os-${++unique}`;
  const act = (name, args = {}) => model.send({ type: "action", name, args });
  const root = el("div", { class: "lp-theme lp-osparc-studies" });
  host.append(root);

  const refresh = button("Refresh", "refresh", () => act("refresh"));
  const listBox = el("div", { class: "lp-os-list" });
  const toRows = () => model.get("study_rows").map((r) => ({ uid: r[0], title: r[1], description: r[2] }));
  const grid = createGrid(listBox, {
    key: "uid", columns: COLUMNS, rows: toRows(), selectable: "single", height: 150,
    label: "Studies", emptyText: "No studies", selected: [model.get("study_id")].filter(Boolean),
    onSelect: (keys) => { if (keys.length) act("choose", { study_id: String(keys[0]) }); },
  });
  const about = el("p", { class: "lp-os-about" });

  const cloneTitle = el("input", { class: "lp-input", id: `${id}-clone`, placeholder: "(Copy)" });
  const clone = button("Clone", null, () => act("clone", { title: cloneTitle.value.trim() || null }));
  cloneTitle.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Enter") { event.preventDefault(); clone.click(); }
  });
  const cloneRow = el("div", { class: "lp-os-clone" },
    el("label", { for: `${id}-clone` }, "Clone as"), cloneTitle, clone);

  const form = el("form", { class: "lp-os-form", "aria-label": "Study inputs" });
  form.noValidate = true;
  const fields = el("div", { class: "lp-os-fields" });
  const outputs = el("p", { class: "lp-os-outputs" });
  const run = el("button", { type: "submit", class: "lp-button lp-primary" }, "Run");
  const stop = button("Stop", null, () => act("stop"));
  form.append(fields, outputs, el("div", { class: "lp-os-actions" }, run, stop));
  form.addEventListener("keydown", (event) => event.stopPropagation());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = {};
    for (const [key, input] of Object.entries(inputs)) {
      values[key] = input.type === "checkbox" ? input.checked : input.value;
    }
    act("run_form", { values });
  });

  const track = el("div", { class: "lp-os-track", role: "progressbar", "aria-valuemin": "0",
    "aria-valuemax": "100", "aria-label": "Run progress" });
  const fill = el("div", { class: "lp-os-fill" });
  const percent = el("span", { class: "lp-os-percent" });
  track.append(fill, percent);
  const detail = createJobDetail(model, { label: "Run", empty: "No run yet" });
  const status = el("div", { class: "lp-status-line", role: "status", "aria-live": "polite" });
  root.append(el("div", { class: "lp-os-bar" }, el("span", { class: "lp-os-heading" }, "Studies"), refresh),
    listBox, about, cloneRow, form, track, detail.el, status);

  let inputs = {};
  let errors = {};
  let shape = "";

  function fieldElement(spec, n) {
    const inputId = `${id}-in-${n}`;
    let input;
    if (spec.kind === "boolean") {
      input = el("input", { type: "checkbox", id: inputId });
      input.checked = !!spec.value;
    } else {
      input = el("input", { class: "lp-input", id: inputId, type: "text",
        placeholder: spec.kind === "file" ? "a file path (empty: the study's own file)" : "" });
      input.value = spec.value === null || spec.value === undefined ? "" : String(spec.value);
    }
    const message = el("div", { class: "lp-os-error", id: `${inputId}-error` });
    input.setAttribute("aria-describedby", `${inputId}-hint ${inputId}-error`);
    inputs[spec.key] = input;
    errors[spec.key] = message;
    return el("div", { class: `lp-os-field${spec.kind === "boolean" ? " lp-os-check" : ""}` },
      el("label", { for: inputId }, spec.title), input,
      el("div", { class: "lp-os-hint", id: `${inputId}-hint` }, spec.hint), message);
  }
  function drawForm() {
    const specs = model.get("form");
    const next = JSON.stringify(specs.map((s) => [s.key, s.kind]));
    if (next !== shape) {
      shape = next;
      inputs = {};
      errors = {};
      fields.replaceChildren(...specs.map(fieldElement));
    } else {
      for (const spec of specs) {
        const input = inputs[spec.key];
        if (!input || document.activeElement === input) continue;
        if (input.type === "checkbox") input.checked = !!spec.value;
        else input.value = spec.value === null || spec.value === undefined ? "" : String(spec.value);
      }
    }
    drawErrors();
  }
  function drawErrors() {
    const messages = model.get("field_errors");
    for (const [key, box] of Object.entries(errors)) {
      box.textContent = messages[key] || "";
      inputs[key].setAttribute("aria-invalid", messages[key] ? "true" : "false");
    }
  }
  function drawStudy() {
    grid.setRows(toRows());
    grid.setSelected([model.get("study_id")].filter(Boolean));
    about.textContent = model.get("about");
    const names = model.get("output_names");
    outputs.textContent = names.length ? `Outputs: ${names.join(", ")}` : "";
    run.disabled = !model.get("study_id") || model.get("running");
    clone.disabled = !model.get("study_id");
  }
  function drawProgress() {
    const p = Math.max(0, Math.min(100, model.get("progress")));
    fill.style.width = `${p}%`;
    percent.textContent = model.get("progress_text");
    track.setAttribute("aria-valuenow", String(p));
    track.hidden = !model.get("shown_id");
    stop.disabled = !model.get("running");
    run.disabled = !model.get("study_id") || model.get("running");
  }
  function drawStatus() {
    status.textContent = model.get("message");
    status.dataset.kind = model.get("message_kind");
  }
  model.on("change:form", drawForm);
  model.on("change:field_errors", drawErrors);
  for (const name of ["study_rows", "study_id", "about", "output_names"]) model.on(`change:${name}`, drawStudy);
  for (const name of ["progress", "progress_text", "running", "shown_id"]) model.on(`change:${name}`, drawProgress);
  model.on("change:message", drawStatus);
  model.on("change:message_kind", drawStatus);
  drawForm();
  drawStudy();
  drawProgress();
  drawStatus();
  return () => { grid.destroy(); detail.destroy(); };
}

export default { render };
