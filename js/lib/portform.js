// The typed input form of the o²S²PARC panels (JobBuilder: a solver's ports; the study
// runner: a study's inputs): one labelled input per field of the model's `form` (Python's
// PortField.spec(): key, kind, title, hint, options, value, required), by its kind — a
// yes/no checkbox, a choice, JSON, text or a number, or a file — with its hint and the
// message of `field_errors` under it. Python checks the values; the form only shows them.
// Text is always set with textContent.
import { el } from "./dom.js";
import { watch } from "./view.js";

// The control that holds a field's value: "checkbox", "select", "textarea" or "text".
export function controlOf(spec) {
  if (spec.kind === "boolean") return "checkbox";
  if (spec.options && spec.options.length) return "select";
  if (spec.kind === "json") return "textarea";
  return "text";
}

// What a text control shows for a value: nothing for null or undefined.
export function fieldText(value) {
  return value === null || value === undefined ? "" : String(value);
}

// What the form's elements depend on: they are built again only when this changes.
export function formShape(specs) {
  return JSON.stringify(specs.map((s) => [s.key, s.kind, s.title, s.options]));
}

// The value a control holds: a checkbox's state, else its text.
export function controlValue(input) {
  return input.type === "checkbox" ? input.checked : input.value;
}

// The form of `model` (traits `form` and `field_errors`). Options:
//   id           a page-unique prefix for the inputs' ids
//   empty        what the form says when there is no field ("" says nothing)
//   filePlaceholder  the placeholder of a file field
//   files        the id of a <datalist> of files a file field offers, or null
//   onChange(key, value)      a field was changed (null: nothing is sent)
//   onUpload(key, file)       a file was chosen for a file field (null: no Upload button)
// Returns { el, values() } — values(): every field's value, by key.
export function createPortForm(model, { id, empty = "", filePlaceholder = "a file",
  files = null, onChange = null, onUpload = null }) {
  const box = el("div", { class: "lp-pf-fields" });
  let inputs = {};   // key -> the control holding its value
  let errors = {};   // key -> the element of its message
  let shape = null;

  function control(spec, inputId) {
    const kind = controlOf(spec);
    if (kind === "checkbox") return el("input", { type: "checkbox", id: inputId });
    if (kind === "select") {
      return el("select", { class: "lp-input", id: inputId },
        spec.options.map((o) => el("option", { value: o }, o)));
    }
    if (kind === "textarea") return el("textarea", { class: "lp-input", id: inputId, rows: 2, placeholder: "JSON" });
    const input = el("input", { class: "lp-input", id: inputId, type: "text",
      placeholder: spec.kind === "file" ? filePlaceholder : spec.kind });
    if (spec.kind === "integer") input.inputMode = "numeric";
    if (spec.kind === "number") input.inputMode = "decimal";
    if (spec.kind === "file" && files) input.setAttribute("list", files);
    return input;
  }

  function upload(spec) {
    const picker = el("input", { type: "file", class: "lp-visually-hidden",
      "aria-label": `Upload a file for ${spec.title}` });
    picker.addEventListener("change", () => {
      const file = picker.files && picker.files[0];
      if (file) onUpload(spec.key, file);
      picker.value = "";
    });
    return el("label", { class: "lp-button lp-pf-upload" }, "Upload", picker);
  }

  function field(spec, n) {
    const inputId = `${id}-in-${n}`;
    const input = control(spec, inputId);
    input.name = spec.key;
    input.dataset.key = spec.key;
    if (spec.required) input.setAttribute("aria-required", "true");
    input.setAttribute("aria-describedby", `${inputId}-hint ${inputId}-error`);
    if (onChange) input.addEventListener("change", () => onChange(spec.key, controlValue(input)));
    const label = el("label", { class: "lp-pf-label", for: inputId }, spec.title);
    const row = el("div", { class: "lp-pf-row" }, input,
      spec.kind === "file" && onUpload ? upload(spec) : null);
    const hint = el("div", { class: "lp-pf-hint", id: `${inputId}-hint` }, spec.hint);
    const error = el("div", { class: "lp-pf-error", id: `${inputId}-error` });
    inputs[spec.key] = input;
    errors[spec.key] = error;
    const check = spec.kind === "boolean";  // the box first, then what it says
    return el("div", { class: check ? "lp-pf-field lp-pf-check" : "lp-pf-field" },
      check ? [row, label] : [label, row], hint, error);
  }

  function drawErrors() {
    const messages = model.get("field_errors");
    for (const [key, node] of Object.entries(errors)) {
      node.textContent = messages[key] || "";
      inputs[key].setAttribute("aria-invalid", messages[key] ? "true" : "false");
    }
  }

  function draw() {
    const specs = model.get("form");
    const next = formShape(specs);
    if (next !== shape) {
      shape = next;
      inputs = {};
      errors = {};
      box.replaceChildren(...(specs.length ? specs.map(field)
        : [empty ? el("p", { class: "lp-pf-none" }, empty) : null].filter(Boolean)));
    }
    for (const spec of specs) {  // what the kernel holds, except where one is typing
      const input = inputs[spec.key];
      if (!input || document.activeElement === input) continue;
      if (input.type === "checkbox") input.checked = !!spec.value;
      else input.value = fieldText(spec.value);
    }
    drawErrors();
  }

  watch(model, ["form"], draw);
  watch(model, ["field_errors"], drawErrors);
  draw();
  return {
    el: box,
    values: () => Object.fromEntries(Object.entries(inputs).map(([k, input]) => [k, controlValue(input)])),
  };
}
