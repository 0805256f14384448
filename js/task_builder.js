// TaskBuilder front end: one form drawn from the model's traits. Every change is sent
// as an action {type: "action", name: "set_value", args: {field, value}}; Python checks
// the form and answers with field_errors (shown next to their fields), not_ready (why
// Submit is disabled), the code view and the status line. Enter in the form submits it
// (the keydown is stopped so JupyterLab's notebook does not take it). Server text
// (organization names, function descriptions) is always set as text.
import { el, uniqueId } from "./lib/dom.js";


function action(model, name, args = {}) {
  try {
    model.send({ type: "action", name, args });
  } catch (error) {
    // the kernel is gone (the notebook is closing, a blur sent a last change): nothing to tell
    if (!/Cannot send/.test(String(error && error.message))) throw error;
  }
}

function render({ model, el: root }) {
  const id = uniqueId("lp-tb");
  root.classList.add("lp-theme", "lp-panel", "lp-task-builder");
  const pending = new Map(); // field -> timer of a value typed but not sent yet

  function send(field, value) {
    clearTimeout(pending.get(field));
    pending.delete(field);
    action(model, "set_value", { field, value });
  }
  function sendSoon(field, read) {
    clearTimeout(pending.get(field));
    pending.set(field, setTimeout(() => { pending.delete(field); send(field, read()); }, 250));
  }
  const readers = new Map(); // field -> () => value, to flush pending typing on submit
  function flush() {
    for (const field of [...pending.keys()]) send(field, readers.get(field)());
  }

  // a labelled row: label, control, help and the field's error message
  const errorNodes = new Map();
  function row(field, labelText, control, helpText = "") {
    const controlId = `${id}-${field.replace(/[^a-z0-9]+/gi, "-")}`;
    const label = el("label", { class: "lp-tb-label", for: controlId, text: labelText });
    control.id = controlId;
    const help = helpText ? el("div", { class: "lp-tb-help", id: `${controlId}-help`, text: helpText }) : null;
    const error = el("div", { class: "lp-tb-error", id: `${controlId}-error`, dataset: { field } });
    errorNodes.set(field, { error, control });
    control.setAttribute("aria-describedby", [help && help.id, error.id].filter(Boolean).join(" "));
    return el("div", { class: "lp-tb-row", dataset: { field } }, label, el("div", { class: "lp-tb-control" }, control, help, error));
  }
  function textInput(field, attrs = {}) {
    const input = el("input", { type: "text", name: field, autocomplete: "off", spellcheck: "false", ...attrs });
    readers.set(field, () => input.value);
    input.addEventListener("input", () => sendSoon(field, () => input.value));
    input.addEventListener("change", () => { if (pending.has(field)) send(field, input.value); });
    return input;
  }
  function setIfIdle(input, value) {
    if (document.activeElement !== input && input.value !== value) input.value = value;
  }

  // -- the form ----------------------------------------------------------------------------
  const header = el("p", { class: "lp-tb-header" });
  const form = el("form", { class: "lp-tb-form", "aria-label": "New task", novalidate: true });

  const imageList = el("datalist", { id: `${id}-images` });
  const image = textInput("image", { list: imageList.id, placeholder: "algorithm image" });
  const methodSelect = el("select", { name: "method" });
  methodSelect.addEventListener("change", () => send("method", methodSelect.value));
  const methodText = textInput("method", { placeholder: "function name" });
  const methodBox = el("div", { class: "lp-tb-method" });
  const methodRow = row("method", "Function", methodBox);
  methodBox.removeAttribute("id");
  errorNodes.get("method").control = methodSelect;
  const functionHelp = el("p", { class: "lp-tb-function-help", id: `${id}-function-help` });
  methodSelect.setAttribute("aria-describedby", `${functionHelp.id} ${methodBox.getAttribute("aria-describedby")}`);
  methodText.setAttribute("aria-describedby", methodSelect.getAttribute("aria-describedby"));

  const orgs = el("fieldset", { class: "lp-tb-checklist lp-tb-organizations" });
  const orgLegend = el("legend", { text: "Organizations" });
  const orgList = el("div", { class: "lp-tb-checks" });
  const orgError = el("div", { class: "lp-tb-error", id: `${id}-organizations-error`, dataset: { field: "organizations" } });
  errorNodes.set("organizations", { error: orgError, control: orgs });
  orgs.setAttribute("aria-describedby", orgError.id);
  orgs.append(orgLegend, orgList, orgError);
  orgList.addEventListener("change", () => {
    send("organizations", [...orgList.querySelectorAll("input:checked")].map((c) => Number(c.value)));
  });

  const jsonToggle = el("input", { type: "checkbox", name: "json_mode", id: `${id}-json-mode` });
  jsonToggle.addEventListener("change", () => { flush(); send("json_mode", jsonToggle.checked); });
  const jsonToggleRow = el("div", { class: "lp-tb-toggle" }, jsonToggle, el("label", { for: jsonToggle.id, text: "Edit the arguments as JSON" }));
  const args = el("fieldset", { class: "lp-tb-arguments" }, el("legend", { text: "Arguments" }));
  const argFields = el("div", { class: "lp-tb-argument-fields" });
  const jsonText = el("textarea", { name: "json_text", rows: "5", spellcheck: "false", class: "lp-tb-mono", placeholder: '{"column_name": "age"}' });
  readers.set("json_text", () => jsonText.value);
  jsonText.addEventListener("input", () => sendSoon("json_text", () => jsonText.value));
  jsonText.addEventListener("change", () => { if (pending.has("json_text")) send("json_text", jsonText.value); });
  const jsonRow = row("json_text", "Arguments as JSON", jsonText);
  args.append(jsonToggleRow, argFields, jsonRow);

  const databases = textInput("databases", { placeholder: "database labels, comma separated" });
  const name = textInput("name", { placeholder: "a name to find the task by" });
  const description = el("textarea", { name: "description", rows: "2" });
  readers.set("description", () => description.value);
  description.addEventListener("input", () => sendSoon("description", () => description.value));
  description.addEventListener("change", () => { if (pending.has("description")) send("description", description.value); });

  const codeLabel = el("div", { class: "lp-tb-code-label", id: `${id}-code-label`, text: "The same task in code (with the lesson's client):" });
  const code = el("pre", { class: "lp-tb-code lp-tb-mono", tabindex: "0", "aria-labelledby": codeLabel.id });
  const submit = el("button", { type: "submit", class: "lp-button lp-primary", text: "Submit" });
  const reason = el("span", { class: "lp-tb-reason", id: `${id}-reason` });
  submit.setAttribute("aria-describedby", reason.id);
  const status = el("div", { class: "lp-tb-status", role: "status", "aria-live": "polite" });

  form.append(
    orgs,
    row("image", "Image", image), imageList,
    methodRow, functionHelp,
    args,
    row("databases", "Databases", databases),
    row("name", "Name", name),
    row("description", "Description", description),
    codeLabel, code,
    el("div", { class: "lp-tb-actions" }, submit, reason),
  );
  root.append(header, form, status);

  // -- submitting: Enter anywhere in the form, or the button ------------------------------
  function doSubmit() {
    if (model.get("sending")) return;
    flush();
    action(model, "submit");
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    doSubmit();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    event.stopPropagation(); // the notebook must not take it
    const t = event.target;
    if (t instanceof HTMLTextAreaElement && !(event.ctrlKey || event.metaKey)) return; // a new line
    if (t instanceof HTMLButtonElement) return; // the button's own click submits
    event.preventDefault();
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) {
      if (t.name && readers.has(t.name)) send(t.name, readers.get(t.name)());
    }
    doSubmit();
  });

  // -- drawing ---------------------------------------------------------------------------
  function drawHeader() { header.textContent = model.get("header"); }

  function drawChoices() {
    imageList.replaceChildren(...model.get("images").map((v) => el("option", { value: v })));
    setIfIdle(image, model.get("image"));
    const functions = model.get("functions");
    const method = model.get("method");
    if (functions.length) {
      const names = functions.map((f) => f.name);
      if ([...methodSelect.options].map((o) => o.value).join("\n") !== names.join("\n")) {
        methodSelect.replaceChildren(...functions.map((f) => el("option", { value: f.name, text: f.central ? `${f.name} (central)` : f.name })));
      }
      methodSelect.value = method;
      if (methodBox.firstChild !== methodSelect) methodBox.replaceChildren(methodSelect);
      methodSelect.id = `${id}-method`;
      methodText.removeAttribute("id");
    } else {
      setIfIdle(methodText, method);
      if (methodBox.firstChild !== methodText) methodBox.replaceChildren(methodText);
      methodText.id = `${id}-method`;
      methodSelect.removeAttribute("id");
    }
    const help = model.get("function_help");
    const central = model.get("central");
    functionHelp.textContent = help ? `${help}${central ? " (central: runs at one organization and creates subtasks)" : ""}` : "";
    functionHelp.hidden = !help;
  }

  function drawOrganizations() {
    const choices = model.get("organization_choices");
    const chosen = new Set(model.get("organizations"));
    const focused = orgList.contains(document.activeElement) ? document.activeElement.value : null;
    const have = [...orgList.querySelectorAll("input")].map((c) => `${c.value}|${c.dataset.label}`).join("\n");
    const want = choices.map((c) => `${c.id}|${c.label}`).join("\n");
    if (have !== want) {
      orgList.replaceChildren(...choices.map((c) => {
        const box = el("input", { type: "checkbox", name: "organizations", value: String(c.id), id: `${id}-org-${c.id}`, dataset: { label: c.label } });
        return el("div", { class: "lp-tb-check", dataset: { statusKind: c.status === "online" ? "ok" : "idle" } },
          box, el("label", { for: box.id, text: c.label }));
      }));
      if (focused !== null) orgList.querySelector(`input[value="${CSS.escape(focused)}"]`)?.focus();
    }
    for (const box of orgList.querySelectorAll("input")) box.checked = chosen.has(Number(box.value));
    orgs.hidden = false;
    if (!choices.length) orgList.replaceChildren(el("p", { class: "lp-tb-help", text: "Choose a collaboration first." }));
  }

  function argumentControl(spec) {
    const field = `arg:${spec.name}`;
    const value = () => model.get("argument_values")[spec.name];
    let control;
    if (spec.type === "bool") {
      control = el("input", { type: "checkbox", name: field });
      control.addEventListener("change", () => send(field, control.checked));
      control._draw = () => { control.checked = Boolean(value()); };
    } else if (spec.type === "columns") {
      const columns = [...model.get("columns")];
      for (const c of value() || []) if (!columns.includes(c)) columns.push(c);
      control = el("fieldset", { class: "lp-tb-checklist", name: field }, el("legend", { class: "lp-visually-hidden", text: spec.label }));
      const list = el("div", { class: "lp-tb-checks" });
      for (const c of columns) {
        const box = el("input", { type: "checkbox", name: field, value: c, id: `${id}-${spec.name}-${c.replace(/[^a-z0-9]+/gi, "-")}` });
        list.append(el("div", { class: "lp-tb-check" }, box, el("label", { for: box.id, text: c })));
      }
      control.append(list);
      control.addEventListener("change", () => send(field, [...list.querySelectorAll("input:checked")].map((b) => b.value)));
      control._draw = () => {
        const chosen = new Set(value() || []);
        for (const b of list.querySelectorAll("input")) b.checked = chosen.has(b.value);
      };
    } else {
      const attrs = { placeholder: spec.type === "column" ? "column name" : spec.type === "json" ? "JSON, e.g. [2, 3]" : "" };
      if (spec.type === "column") attrs.list = `${id}-columns`;
      if (spec.type === "int" || spec.type === "float") {
        attrs.type = "text";
        attrs.inputmode = spec.type === "int" ? "numeric" : "decimal";
      }
      control = textInput(field, attrs);
      control._draw = () => {
        const v = value();
        setIfIdle(control, v === null || v === undefined ? "" : String(v));
      };
    }
    return control;
  }

  let argControls = [];
  function drawArguments() {
    const specs = model.get("arguments");
    const jsonMode = model.get("json_mode");
    const key = JSON.stringify([specs, model.get("columns")]);
    if (argFields.dataset.key !== key) {
      argFields.dataset.key = key;
      for (const field of [...errorNodes.keys()]) if (field.startsWith("arg:")) errorNodes.delete(field);
      for (const field of [...readers.keys()]) if (field.startsWith("arg:")) readers.delete(field);
      argControls = [];
      const rows = specs.map((spec) => {
        const control = argumentControl(spec);
        argControls.push(control);
        return row(`arg:${spec.name}`, spec.label, control, spec.help);
      });
      const columnList = el("datalist", { id: `${id}-columns` }, ...model.get("columns").map((c) => el("option", { value: c })));
      argFields.replaceChildren(columnList, ...(rows.length || jsonMode ? rows : [el("p", { class: "lp-tb-help", text: "This function takes no arguments." })]));
    }
    for (const control of argControls) control._draw();
    argFields.hidden = jsonMode || !model.get("json_available");
    jsonRow.hidden = !jsonMode && model.get("json_available");
    jsonToggle.checked = jsonMode;
    jsonToggle.disabled = !model.get("json_available");
    jsonToggleRow.hidden = !model.get("json_available");
    setIfIdle(jsonText, model.get("json_text"));
  }

  function drawErrors() {
    const errors = model.get("field_errors");
    for (const [field, { error, control }] of errorNodes) {
      const text = errors[field] || "";
      error.textContent = text;
      error.hidden = !text;
      if (text) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
  }

  function drawRest() {
    setIfIdle(databases, model.get("databases"));
    setIfIdle(name, model.get("name"));
    setIfIdle(description, model.get("description"));
    code.textContent = model.get("code_text");
    const sending = model.get("sending");
    const why = model.get("not_ready");
    submit.disabled = sending || Boolean(why);
    submit.textContent = sending ? "Sending…" : "Submit";
    form.setAttribute("aria-busy", sending ? "true" : "false");
    reason.textContent = sending ? "" : why ? `Not ready: ${why}` : "";
    status.textContent = model.get("message");
    status.dataset.kind = model.get("message_kind");
  }

  function draw() {
    drawHeader();
    drawChoices();
    drawOrganizations();
    drawArguments();
    drawErrors();
    drawRest();
  }
  const names = ["header", "images", "image", "functions", "method", "function_help", "central", "columns",
    "arguments", "argument_values", "json_mode", "json_available", "json_text", "organization_choices",
    "organizations", "databases", "name", "description", "code_text", "field_errors", "not_ready",
    "sending", "message", "message_kind"];
  // one redraw per batch of trait changes
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => { queued = false; draw(); });
  };
  for (const n of names) model.on(`change:${n}`, schedule);
  draw();
  return () => {
    for (const n of names) model.off(`change:${n}`, schedule);
    for (const timer of pending.values()) clearTimeout(timer);
  };
}

export default { render };
