// JobBuilder: choose a solver and version, fill one labelled input per port (by type:
// number, text, yes/no, a choice, JSON, or a file of the work folder with an upload),
// Submit. Python validates: field messages come back in `field_errors`, the status
// line in `message`. Every click is an action message naming a panel method; Enter in
// the form submits it and never reaches the notebook. Text is set with textContent.
import { el, uniqueId } from "./lib/dom.js";

// an element with a class and text (textContent, never HTML)
const make = (tag, className, text) => el(tag, className ? { class: className } : {}, text);


function render({ model, el }) {
  const id = uniqueId("lp-ob");
  const act = (name, args = {}, buffers) => model.send({ type: "action", name, args }, undefined, buffers);
  const root = make("form", "lp-theme lp-osparc-builder");
  root.noValidate = true;
  el.append(root);

  const pick = make("div", "lp-ob-pick");
  const solverLabel = make("label", "", "Solver");
  solverLabel.htmlFor = `${id}-solver`;
  const solver = make("select", "lp-input");
  solver.id = `${id}-solver`;
  const versionLabel = make("label", "", "Version");
  versionLabel.htmlFor = `${id}-version`;
  const version = make("select", "lp-input");
  version.id = `${id}-version`;
  const reload = make("button", "lp-button", "Refresh");
  reload.type = "button";
  reload.title = "Read the solvers and the files of the folder again";
  pick.append(solverLabel, solver, versionLabel, version, reload);
  const about = make("p", "lp-ob-about");
  const fields = make("div", "lp-ob-fields");
  const filesList = make("datalist");
  filesList.id = `${id}-files`;
  const submit = make("button", "lp-button lp-primary", "Submit");
  submit.type = "submit";
  const status = make("div", "lp-status-line");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  root.append(pick, about, fields, filesList, submit, status);

  let inputs = {};   // key -> the input element holding the value
  let errors = {};   // key -> the element of its message
  let shape = "";    // the form's keys and kinds: rebuilt only when they change

  function valueOf(key) {
    const input = inputs[key];
    return input.type === "checkbox" ? input.checked : input.value;
  }

  function drawSolvers() {
    solver.replaceChildren(...model.get("solver_options").map(([value, label]) => {
      const option = make("option", "", label);
      option.value = value;
      return option;
    }));
    solver.value = model.get("solver_id");
    version.replaceChildren(...model.get("versions").map((v) => {
      const option = make("option", "", v);
      option.value = v;
      return option;
    }));
    version.value = model.get("version");
    about.textContent = model.get("about");
  }

  function fieldElement(spec) {
    const box = make("div", "lp-ob-field");
    const inputId = `${id}-in-${spec.key}`;
    const label = make("label", "lp-ob-label", spec.title);
    label.htmlFor = inputId;
    let input;
    if (spec.kind === "boolean") {
      input = make("input");
      input.type = "checkbox";
      box.classList.add("lp-ob-check");
    } else if (spec.options && spec.options.length) {
      input = make("select", "lp-input");
      for (const o of spec.options) {
        const option = make("option", "", o);
        option.value = o;
        input.append(option);
      }
    } else if (spec.kind === "json") {
      input = make("textarea", "lp-input");
      input.rows = 2;
      input.placeholder = "JSON";
    } else {
      input = make("input", "lp-input");
      input.type = "text";
      if (spec.kind === "integer" || spec.kind === "number") input.inputMode = spec.kind === "integer" ? "numeric" : "decimal";
      if (spec.kind === "file") {
        input.setAttribute("list", filesList.id);
        input.placeholder = "a file in the work folder";
      } else input.placeholder = spec.kind;
    }
    input.id = inputId;
    input.name = spec.key;
    input.dataset.key = spec.key;
    if (spec.required) input.setAttribute("aria-required", "true");
    const hint = make("div", "lp-ob-hint", spec.hint);
    hint.id = `${inputId}-hint`;
    const error = make("div", "lp-ob-error");
    error.id = `${inputId}-error`;
    input.setAttribute("aria-describedby", `${hint.id} ${error.id}`);
    input.addEventListener("change", () => act("set_inputs", { [spec.key]: valueOf(spec.key) }));
    const row = make("div", "lp-ob-row");
    row.append(input);
    if (spec.kind === "file") {
      const upLabel = make("label", "lp-button lp-ob-upload", "Upload");
      const up = make("input", "lp-visually-hidden");
      up.type = "file";
      up.setAttribute("aria-label", `Upload a file for ${spec.title}`);
      upLabel.append(up);
      up.addEventListener("change", async () => {
        const file = up.files && up.files[0];
        if (!file) return;
        const bytes = await file.arrayBuffer();
        act("upload", { key: spec.key, name: file.name }, [bytes]);
        up.value = "";
      });
      row.append(upLabel);
    }
    if (spec.kind === "boolean") box.append(row, label, hint, error);
    else box.append(label, row, hint, error);
    inputs[spec.key] = input;
    errors[spec.key] = error;
    return box;
  }

  function drawForm() {
    const form = model.get("form");
    const nextShape = JSON.stringify(form.map((f) => [f.key, f.kind, f.title, f.options]));
    if (nextShape !== shape) {
      shape = nextShape;
      inputs = {};
      errors = {};
      fields.replaceChildren(...(form.length ? form.map(fieldElement) : [make("p", "lp-ob-none", "This solver takes no inputs")]));
    }
    for (const spec of form) {
      const input = inputs[spec.key];
      if (!input || document.activeElement === input) continue;
      if (input.type === "checkbox") input.checked = !!spec.value;
      else input.value = spec.value === null || spec.value === undefined ? "" : String(spec.value);
    }
    drawErrors();
  }

  function drawErrors() {
    const all = model.get("field_errors");
    for (const [key, node] of Object.entries(errors)) {
      node.textContent = all[key] || "";
      inputs[key].setAttribute("aria-invalid", all[key] ? "true" : "false");
    }
  }

  function drawFiles() {
    filesList.replaceChildren(...model.get("files").map((f) => {
      const option = make("option");
      option.value = f;
      return option;
    }));
  }

  function drawStatus() {
    status.textContent = model.get("message");
    status.dataset.kind = model.get("message_kind");
    submit.disabled = model.get("submitting");
    submit.textContent = model.get("submitting") ? "Submitting…" : "Submit";
  }

  solver.addEventListener("change", () => act("choose_solver", { key: solver.value }));
  version.addEventListener("change", () => act("choose_solver", { key: solver.value, version: version.value }));
  reload.addEventListener("click", () => act("refresh"));
  root.addEventListener("keydown", (event) => event.stopPropagation());
  root.addEventListener("submit", (event) => {
    event.preventDefault();
    if (model.get("submitting")) return;
    const values = {};
    for (const key of Object.keys(inputs)) values[key] = valueOf(key);
    act("submit_form", { values });
  });
  model.on("change:solver_options", drawSolvers);
  model.on("change:solver_id", drawSolvers);
  model.on("change:versions", drawSolvers);
  model.on("change:version", drawSolvers);
  model.on("change:about", drawSolvers);
  model.on("change:form", drawForm);
  model.on("change:files", drawFiles);
  model.on("change:field_errors", drawErrors);
  model.on("change:message", drawStatus);
  model.on("change:message_kind", drawStatus);
  model.on("change:submitting", drawStatus);
  drawSolvers();
  drawFiles();
  drawForm();
  drawStatus();
}

export default { render };
