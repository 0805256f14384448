// TaskBuilder front end: one form drawn from the model's traits, in two steps. The form:
// a searchable algorithm picker (type to filter, arrows, Enter), the function with its
// kind, the whole collaboration or a study, organizations, databases, one typed field per
// argument (a column picker fed by the nodes' answers, typed lists item by item, allowed
// values as a choice, organization pickers, JSON) and the name. Review shows the summary
// Python wrote (what will run where), with Back (or Escape) and Submit. Every change is
// sent as an action {type: "action", name, args}; Python checks the form and answers with
// field_errors (shown next to their fields), not_ready (why Review is disabled), the code
// view and the status line. Server text is always set as text.
import { el, icon, uniqueId } from "./lib/dom.js";

// -- pure helpers (tested in js/test/task_builder.test.js) ---------------------------------

// Whether an algorithm choice matches the picker's search: every word of the query is in
// its name, image or description, any case (Python's match_algorithm says the same).
export function matchAlgorithm(choice, query) {
  const text = ["name", "image", "description"].map((k) => String(choice[k] || "")).join(" ").toLowerCase();
  return String(query || "").toLowerCase().split(/\s+/).filter(Boolean).every((w) => text.includes(w));
}

// The picker's options for a query: the matching algorithms, then (for text that looks
// like an image, with a registry, a path or a tag, and is not one of theirs) the typed
// image itself.
export function algorithmOptions(choices, query) {
  const q = String(query || "").trim();
  const options = choices.filter((c) => matchAlgorithm(c, q)).map((c) => ({
    value: c.image, label: c.name || c.image, detail: c.image, note: c.description || "",
  }));
  if (q && !/\s/.test(q) && /[/:.]/.test(q) && !choices.some((c) => c.image === q)) {
    options.push({ value: q, label: `Use the image ${q}`, detail: "not described by the algorithm store", note: "", free: true });
  }
  return options;
}

// The column picker's options: the offered columns containing the typed text (any case),
// those starting with it first; the typed text itself is a column name too (no option).
export function columnOptions(columns, notes, query) {
  const q = String(query || "").trim().toLowerCase();
  const found = columns.filter((c) => c.toLowerCase().includes(q));
  found.sort((a, b) => Number(!a.toLowerCase().startsWith(q)) - Number(!b.toLowerCase().startsWith(q)));
  return found.map((c) => ({ value: c, label: c, detail: "", note: (notes || {})[c] || "" }));
}

// A list field's items after an edit: item i set to text (i === length appends one).
export function setItem(items, i, text) {
  const out = [...(items || [])];
  out[i] = text;
  return out;
}

// The element that has the focus where ``node`` lives: its shadow root's (marimo draws
// each widget in one, where document.activeElement is only the shadow host) or the page's.
function activeIn(node) {
  const place = node.getRootNode ? node.getRootNode() : document;
  return (place && place.activeElement) || document.activeElement;
}

function action(model, name, args = {}) {
  try {
    model.send({ type: "action", name, args });
  } catch (error) {
    // the kernel is gone (the notebook is closing, a blur sent a last change): nothing to tell
    if (!/Cannot send/.test(String(error && error.message))) throw error;
  }
}

// A combobox: a text input with a listbox of options under it (in the flow, so nothing is
// clipped in a narrow output). Typing filters, ArrowDown/ArrowUp move, Enter picks,
// Escape closes. options(query) -> [{value, label, detail, note}].
function combobox({ input, name, listLabel, options, onPick, query = () => input.value }) {
  const listId = uniqueId("lp-tb-list");
  const list = el("ul", { role: "listbox", id: listId, class: "lp-tb-listbox", "aria-label": listLabel, hidden: true });
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listId);
  let shown = [];
  let active = -1;
  const isOpen = () => !list.hidden;

  function drawList() {
    shown = options(query());
    list.replaceChildren(...shown.map((o, i) => {
      const item = el("li", { role: "option", id: `${listId}-${i}`, class: "lp-tb-option", "aria-selected": String(i === active), dataset: { value: o.value, free: o.free ? "1" : "" } },
        el("span", { class: "lp-tb-option-label", text: o.label }),
        o.detail ? el("span", { class: "lp-tb-option-detail lp-tb-mono", text: o.detail }) : null,
        o.note ? el("span", { class: "lp-tb-option-note", text: o.note }) : null);
      item.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
      item.addEventListener("click", () => pick(i));
      return item;
    }));
    if (!shown.length) list.append(el("li", { class: "lp-tb-option-empty", role: "presentation", text: `No ${name} matches` }));
    if (active >= 0 && shown[active]) {
      input.setAttribute("aria-activedescendant", `${listId}-${active}`);
      list.children[active].scrollIntoView?.({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }
  function open(first = 0) {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = first;
    drawList();
    if (!shown.length) active = -1;
  }
  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function pick(i) {
    const option = shown[i];
    close();
    if (option) onPick(option);
  }
  input.addEventListener("input", () => open(0));
  input.addEventListener("blur", () => close());
  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    let handled = true;
    if (event.key === "ArrowDown") {
      if (!isOpen()) open(0);
      else { active = Math.min(shown.length - 1, active + 1); drawList(); }
    } else if (event.key === "ArrowUp") {
      if (!isOpen()) open(Math.max(0, options(query()).length - 1));
      else { active = Math.max(0, active - 1); drawList(); }
    } else if (event.key === "Enter" && isOpen() && active >= 0 && shown[active]) {
      // the option already typed out: Enter goes on to the form (Review)
      if (shown[active].value === input.value) { close(); handled = false; } else pick(active);
    } else if (event.key === "Escape" && isOpen()) {
      close();
    } else handled = false;
    if (handled) {
      event.preventDefault();
      event.stopPropagation(); // the form and the notebook must not take it
    }
  });
  return { list, close, redraw: () => { if (isOpen()) drawList(); }, isOpen };
}

function render({ model, el: root }) {
  const id = uniqueId("lp-tb");
  root.classList.add("lp-theme", "lp-panel", "lp-task-builder");
  const pending = new Map(); // field -> timer of a value typed but not sent yet
  const readers = new Map(); // field -> () => value, to flush pending typing

  function send(field, value) {
    clearTimeout(pending.get(field));
    pending.delete(field);
    action(model, "set_value", { field, value });
  }
  function sendSoon(field, read) {
    readers.set(field, read);
    clearTimeout(pending.get(field));
    pending.set(field, setTimeout(() => { pending.delete(field); send(field, read()); }, 250));
  }
  function flush() {
    for (const field of [...pending.keys()]) send(field, readers.get(field)());
  }

  // a labelled row: label, control, help and the field's error message; group controls
  // (checklists, list editors) are named by the label through aria-labelledby
  const errorNodes = new Map();
  function row(field, labelParts, control, helpText = "", group = false) {
    const controlId = `${id}-${field.replace(/[^a-z0-9]+/gi, "-")}`;
    const label = group
      ? el("span", { class: "lp-tb-label", id: `${controlId}-label` }, labelParts)
      : el("label", { class: "lp-tb-label", for: controlId, id: `${controlId}-label` }, labelParts);
    if (group) {
      control.setAttribute("role", "group");
      control.setAttribute("aria-labelledby", label.id);
    }
    control.id = controlId;
    const help = el("div", { class: "lp-tb-help", id: `${controlId}-help`, text: helpText, hidden: !helpText });
    const error = el("div", { class: "lp-tb-error", id: `${controlId}-error`, dataset: { field } });
    errorNodes.set(field, { error, control });
    control.setAttribute("aria-describedby", `${help.id} ${error.id}`);
    return el("div", { class: "lp-tb-row", dataset: { field } }, label,
      el("div", { class: "lp-tb-control" }, control, help, error));
  }
  function textInput(field, attrs = {}) {
    const input = el("input", { type: "text", name: field, autocomplete: "off", spellcheck: "false", ...attrs });
    readers.set(field, () => input.value);
    input.addEventListener("input", () => sendSoon(field, () => input.value));
    input.addEventListener("change", () => { if (pending.has(field)) send(field, input.value); });
    return input;
  }
  function setIfIdle(input, value) {
    if (activeIn(input) !== input && !pending.has(input.name) && input.value !== value) input.value = value;
  }
  function sameOptions(select, options) {
    return [...select.options].map((o) => `${o.value}|${o.textContent}`).join("\n") === options.map((o) => `${o.value}|${o.label}`).join("\n");
  }
  function fillSelect(select, options, value) {
    if (!sameOptions(select, options)) select.replaceChildren(...options.map((o) => el("option", { value: o.value, text: o.label })));
    select.value = value;
  }
  function checklist(items, chosen, name, onChange) {
    // items: [{value, label, kind}] -> a list of labelled checkboxes
    const box = el("div", { class: "lp-tb-checks" });
    for (const item of items) {
      const input = el("input", { type: "checkbox", name, value: String(item.value), id: uniqueId("lp-tb-check") });
      input.checked = chosen.has(String(item.value));
      box.append(el("div", { class: "lp-tb-check", dataset: item.kind ? { statusKind: item.kind } : {} },
        input, el("label", { for: input.id, text: item.label })));
    }
    box.addEventListener("change", () => onChange([...box.querySelectorAll("input:checked")].map((c) => c.value)));
    return box;
  }

  // -- the form ----------------------------------------------------------------------------
  const header = el("p", { class: "lp-tb-header" });
  const form = el("form", { class: "lp-tb-form", "aria-label": "New task", novalidate: true });

  // the algorithm: a searchable picker, a Refresh that reads the store again
  let typedAlgorithm = false;
  const algoInput = el("input", { type: "text", name: "algorithm", autocomplete: "off", spellcheck: "false", placeholder: "search by name, image or description" });
  const algoPicker = combobox({
    input: algoInput, name: "algorithm", listLabel: "Algorithms",
    query: () => (typedAlgorithm ? algoInput.value : ""),
    options: (q) => algorithmOptions(model.get("algorithm_choices"), q),
    onPick: (option) => { typedAlgorithm = false; send("image", option.value); algoInput.value = algorithmLabel(option.value); },
  });
  algoInput.addEventListener("input", () => { typedAlgorithm = true; });
  algoInput.addEventListener("focus", () => algoInput.select());
  algoInput.addEventListener("blur", () => { typedAlgorithm = false; algoInput.value = algorithmLabel(model.get("image")); });
  const refreshAlgorithms = el("button", { type: "button", class: "lp-button lp-tb-icon-button", title: "Read the algorithm store again", "aria-label": "Refresh the algorithms" }, icon("refresh"));
  refreshAlgorithms.addEventListener("click", () => action(model, "refresh_algorithms"));
  const algoDetail = el("div", { class: "lp-tb-algo-detail" });
  const algoNote = el("div", { class: "lp-tb-help lp-tb-algo-note" });
  const algoBox = el("div", { class: "lp-tb-combo" }, el("div", { class: "lp-tb-inline" }, algoInput, refreshAlgorithms), algoPicker.list);
  const algoRow = row("image", ["Algorithm"], algoBox);
  algoBox.removeAttribute("id");
  algoBox.removeAttribute("aria-describedby");
  algoInput.id = `${id}-image`;
  algoInput.setAttribute("aria-describedby", `${id}-algo-detail ${id}-image-error`);
  algoDetail.id = `${id}-algo-detail`;
  errorNodes.get("image").control = algoInput;
  algoRow.querySelector(".lp-tb-control").insertBefore(algoDetail, algoRow.querySelector(".lp-tb-help"));
  algoRow.querySelector(".lp-tb-control").append(algoNote);
  function algorithmLabel(image) {
    const found = model.get("algorithm_choices").find((c) => c.image === image);
    return found ? found.name || found.image : image || "";
  }

  // the function: a list, or a text box for an image no store describes
  const methodSelect = el("select", { name: "method" });
  methodSelect.addEventListener("change", () => send("method", methodSelect.value));
  const methodText = textInput("method", { placeholder: "function name" });
  const methodBox = el("div", { class: "lp-tb-method" });
  const methodRow = row("method", ["Function"], methodBox);
  methodBox.removeAttribute("id");
  methodBox.removeAttribute("aria-describedby");
  errorNodes.get("method").control = methodSelect;
  const functionHelp = el("p", { class: "lp-tb-function-help", id: `${id}-function-help` });
  methodSelect.setAttribute("aria-describedby", `${functionHelp.id} ${id}-method-error`);
  methodText.setAttribute("aria-describedby", methodSelect.getAttribute("aria-describedby"));

  // where: the whole collaboration or a study, then its organizations
  const studySelect = el("select", { name: "study" });
  studySelect.addEventListener("change", () => send("study", studySelect.value === "" ? null : Number(studySelect.value)));
  const studyRow = row("study", ["Run in"], studySelect, "A study is a part of the collaboration: only its organizations can be chosen.");
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

  // databases: one choice per database the function reads
  const dbBox = el("div", { class: "lp-tb-databases" });
  const dbError = el("div", { class: "lp-tb-error", id: `${id}-databases-error`, dataset: { field: "databases" } });
  errorNodes.set("databases", { error: dbError, control: dbBox });

  // the arguments
  const jsonToggle = el("input", { type: "checkbox", name: "json_mode", id: `${id}-json-mode` });
  jsonToggle.addEventListener("change", () => { flush(); send("json_mode", jsonToggle.checked); });
  const jsonToggleRow = el("div", { class: "lp-tb-toggle" }, jsonToggle, el("label", { for: jsonToggle.id, text: "Edit the arguments as JSON" }));
  const args = el("fieldset", { class: "lp-tb-arguments" }, el("legend", { text: "Arguments" }));
  const argFields = el("div", { class: "lp-tb-argument-fields" });
  const jsonText = el("textarea", { name: "json_text", rows: "5", spellcheck: "false", class: "lp-tb-mono", placeholder: '{"column_name": "age"}' });
  readers.set("json_text", () => jsonText.value);
  jsonText.addEventListener("input", () => sendSoon("json_text", () => jsonText.value));
  jsonText.addEventListener("change", () => { if (pending.has("json_text")) send("json_text", jsonText.value); });
  const jsonRow = row("json_text", ["Arguments as JSON"], jsonText);
  args.append(jsonToggleRow, argFields, jsonRow);

  const name = textInput("name", { placeholder: "a name to find the task by" });
  const description = el("textarea", { name: "description", rows: "2" });
  readers.set("description", () => description.value);
  description.addEventListener("input", () => sendSoon("description", () => description.value));
  description.addEventListener("change", () => { if (pending.has("description")) send("description", description.value); });

  const review = el("button", { type: "submit", class: "lp-button lp-primary lp-tb-review", text: "Review" });
  const reason = el("span", { class: "lp-tb-reason", id: `${id}-reason` });
  review.setAttribute("aria-describedby", reason.id);
  const formPart = el("div", { class: "lp-tb-form-part" },
    algoRow, methodRow, functionHelp, studyRow, orgs, dbBox, dbError, args,
    row("name", ["Name"], name), row("description", ["Description"], description),
    el("div", { class: "lp-tb-actions" }, review, reason));

  // the summary step: what will run where, Back and Submit
  const summaryHeading = el("h3", { class: "lp-tb-summary-heading", id: `${id}-summary-heading`, tabindex: "-1", text: "Review: what will run where" });
  const summaryList = el("dl", { class: "lp-tb-summary-list" });
  const back = el("button", { type: "button", class: "lp-button lp-tb-back", text: "Back" });
  const submit = el("button", { type: "button", class: "lp-button lp-primary lp-tb-submit", text: "Submit" });
  back.addEventListener("click", () => action(model, "back"));
  submit.addEventListener("click", () => doSubmit());
  const summaryPart = el("section", { class: "lp-tb-summary", "aria-labelledby": summaryHeading.id, hidden: true },
    summaryHeading, summaryList,
    el("p", { class: "lp-tb-help", text: "Escape or Back returns to the form." }),
    el("div", { class: "lp-tb-actions" }, back, submit));

  const codeLabel = el("div", { class: "lp-tb-code-label", id: `${id}-code-label`, text: "The same task in code (with the lesson's client):" });
  const code = el("pre", { class: "lp-tb-code lp-tb-mono", tabindex: "0", "aria-labelledby": codeLabel.id });
  const status = el("div", { class: "lp-tb-status", role: "status", "aria-live": "polite" });

  form.append(formPart, summaryPart, codeLabel, code);
  root.append(header, form, status);

  // -- reviewing and submitting --------------------------------------------------------------
  function doReview() {
    flush();
    action(model, "review");
  }
  function doSubmit() {
    if (model.get("sending")) return;
    flush();
    action(model, "submit");
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (model.get("step") === "form") doReview();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && model.get("step") === "summary") {
      event.preventDefault();
      event.stopPropagation();
      action(model, "back");
      return;
    }
    if (event.key !== "Enter" || event.isComposing) return;
    event.stopPropagation(); // the notebook must not take it
    const t = event.target;
    if (t instanceof HTMLTextAreaElement && !(event.ctrlKey || event.metaKey)) return; // a new line
    if (t instanceof HTMLButtonElement) return; // the button's own click
    if (t instanceof HTMLInputElement && t.type === "checkbox") return; // Enter does not tick
    event.preventDefault();
    if (model.get("step") !== "form") return;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) {
      if (t.name && readers.has(t.name)) send(t.name, readers.get(t.name)());
    }
    doReview();
  });

  // -- argument controls ---------------------------------------------------------------------
  function argumentControl(spec) {
    const field = `arg:${spec.name}`;
    const value = () => model.get("argument_values")[spec.name];
    const kind = spec.type;
    let control;
    if (kind === "bool") {
      control = el("input", { type: "checkbox", name: field });
      control.addEventListener("change", () => send(field, control.checked));
      control._draw = () => { control.checked = Boolean(value()); };
    } else if (kind === "column") {
      const input = textInput(field, { placeholder: "column name: pick or type" });
      const picker = combobox({
        input, name: "column", listLabel: "Columns offered",
        options: (q) => columnOptions(model.get("columns"), model.get("column_notes"), q),
        onPick: (option) => { input.value = option.value; send(field, option.value); },
      });
      input.addEventListener("focus", () => {
        if (["", "stale"].includes(model.get("columns_state"))) action(model, "load_columns");
      });
      input.addEventListener("click", () => { if (!picker.isOpen()) picker.redraw(); });
      control = input;
      control._wrap = el("div", { class: "lp-tb-combo" }, input, picker.list);
      control._draw = () => {
        const v = value();
        setIfIdle(input, v === null || v === undefined ? "" : String(v));
        picker.redraw();
      };
    } else if (kind === "columns" || kind === "choices" || kind === "organizations") {
      control = el("div", { class: "lp-tb-multi" });
      let key = "";
      const add = kind === "columns" ? el("input", { type: "text", name: `${field}:add`, autocomplete: "off", spellcheck: "false", placeholder: "another column", "aria-label": `Add a column to ${spec.label}` }) : null;
      const addButton = add ? el("button", { type: "button", class: "lp-button", text: "Add" }) : null;
      const items = () => {
        if (kind === "choices") return spec.choices.map((c) => ({ value: c.value, label: c.label }));
        if (kind === "organizations") return model.get("organization_choices").map((o) => ({ value: String(o.id), label: o.label }));
        const cols = [...model.get("columns")];
        for (const c of value() || []) if (!cols.includes(c)) cols.push(c);
        return cols.map((c) => ({ value: c, label: model.get("column_notes")[c] ? `${c} (${model.get("column_notes")[c]})` : c }));
      };
      const out = (chosen) => (kind === "organizations" ? chosen.map(Number) : chosen);
      let list = null;
      const draw = () => {
        const all = items();
        const chosen = new Set((value() || []).map(String));
        const want = JSON.stringify(all);
        if (want !== key || !list) {
          const focused = control.contains(activeIn(control)) ? activeIn(control).value : null;
          key = want;
          const next = checklist(all, chosen, field, (picked) => send(field, out(picked)));
          if (list) list.replaceWith(next); else control.prepend(next);
          list = next;
          if (!all.length) list.append(el("p", { class: "lp-tb-help", text: kind === "columns" ? "No columns offered yet: type one below." : "Nothing to choose." }));
          if (focused !== null) list.querySelector(`input[value="${CSS.escape(focused)}"]`)?.focus();
        }
        for (const box of list.querySelectorAll("input")) box.checked = chosen.has(box.value);
      };
      if (add) {
        const addOne = () => {
          const text = add.value.trim();
          if (!text) return;
          const now = [...(value() || [])];
          if (!now.includes(text)) now.push(text);
          add.value = "";
          send(field, now);
        };
        add.addEventListener("keydown", (event) => {
          if (event.key !== "Enter" || event.isComposing) return;
          event.preventDefault();
          event.stopPropagation();
          addOne();
        });
        addButton.addEventListener("click", addOne);
        add.addEventListener("focus", () => {
          if (["", "stale"].includes(model.get("columns_state"))) action(model, "load_columns");
        });
        control.append(el("div", { class: "lp-tb-inline" }, add, addButton));
      }
      control._group = true;
      control._draw = draw;
    } else if (kind === "list") {
      // one input per item, each checked by Python; Enter adds the next item
      control = el("div", { class: "lp-tb-items" });
      const itemsBox = el("div", { class: "lp-tb-item-list" });
      const addButton = el("button", { type: "button", class: "lp-button lp-tb-add", text: "Add an item", "aria-label": `Add an item to ${spec.label}` });
      control.append(itemsBox, addButton);
      let draft = null; // the items as typed, until Python has them
      const current = () => draft || (value() || []).map(String);
      const mode = spec.store_type === "integer_list" ? "numeric" : spec.store_type === "float_list" ? "decimal" : "text";
      const sendItems = (items, soon) => {
        draft = items;
        if (soon) sendSoon(field, () => draft);
        else send(field, items);
      };
      function drawItems(focusIndex = -1) {
        const items = current();
        const inputs = [...itemsBox.querySelectorAll("input")];
        if (inputs.length !== items.length) {
          itemsBox.replaceChildren(...items.map((text, i) => {
            const input = el("input", { type: "text", inputmode: mode, autocomplete: "off", spellcheck: "false", name: `${field}#${i}`, "aria-label": `${spec.label}, item ${i + 1}` });
            input.value = text;
            input.addEventListener("input", () => sendItems(setItem(current(), i, input.value), true));
            input.addEventListener("change", () => { if (pending.has(field)) send(field, current()); });
            input.addEventListener("keydown", (event) => {
              if (event.key !== "Enter" || event.isComposing) return;
              event.preventDefault();
              event.stopPropagation();
              sendItems([...current(), ""], false);
              drawItems(current().length - 1);
            });
            const remove = el("button", { type: "button", class: "lp-button lp-tb-icon-button", "aria-label": `Remove item ${i + 1} of ${spec.label}`, title: "Remove" }, icon("cross"));
            remove.addEventListener("click", () => {
              const next = current().filter((_, j) => j !== i);
              sendItems(next, false);
              drawItems(Math.min(i, next.length - 1));
              if (!next.length) addButton.focus();
            });
            return el("div", { class: "lp-tb-item" }, input, remove);
          }));
        } else {
          inputs.forEach((input, i) => setIfIdle(input, items[i]));
        }
        if (!items.length) itemsBox.replaceChildren(el("p", { class: "lp-tb-help", text: "No items." }));
        if (focusIndex >= 0) itemsBox.querySelectorAll("input")[focusIndex]?.focus();
      }
      addButton.addEventListener("click", () => {
        sendItems([...current(), ""], false);
        drawItems(current().length - 1);
      });
      control._group = true;
      control._draw = () => {
        if (!control.contains(activeIn(control))) draft = null;
        drawItems();
      };
      control._errors = (errors) => {
        itemsBox.querySelectorAll("input").forEach((input, i) => {
          if (errors[`${field}#${i}`]) input.setAttribute("aria-invalid", "true");
          else input.removeAttribute("aria-invalid");
        });
      };
    } else if (kind === "choice" || kind === "organization") {
      control = el("select", { name: field });
      control.addEventListener("change", () => {
        const v = control.value;
        send(field, kind === "organization" ? (v === "" ? null : Number(v)) : v);
      });
      control._draw = () => {
        const options = kind === "choice" ? spec.choices.map((c) => ({ value: c.value, label: c.label }))
          : model.get("organization_choices").map((o) => ({ value: String(o.id), label: o.label }));
        const v = value();
        const text = v === null || v === undefined ? "" : String(v);
        if (!spec.required || text === "" || !options.some((o) => o.value === text)) {
          options.unshift({ value: "", label: kind === "organization" ? "(none)" : "(no value)" });
        }
        if (text && !options.some((o) => o.value === text)) options.push({ value: text, label: text });
        fillSelect(control, options, text);
      };
    } else if (kind === "json") {
      control = el("textarea", { name: field, rows: "3", spellcheck: "false", class: "lp-tb-mono", placeholder: "JSON, e.g. {\"min_count\": 5}" });
      readers.set(field, () => control.value);
      control.addEventListener("input", () => sendSoon(field, () => control.value));
      control.addEventListener("change", () => { if (pending.has(field)) send(field, control.value); });
      control._draw = () => {
        const v = value();
        setIfIdle(control, v === null || v === undefined ? "" : String(v));
      };
    } else {
      const attrs = {};
      if (kind === "int" || kind === "float") attrs.inputmode = kind === "int" ? "numeric" : "decimal";
      control = textInput(field, attrs);
      control._draw = () => {
        const v = value();
        setIfIdle(control, v === null || v === undefined ? "" : String(v));
      };
    }
    return control;
  }

  function argumentRow(spec) {
    const control = argumentControl(spec);
    const label = [spec.label];
    if (spec.label.toLowerCase() !== spec.name.toLowerCase()) label.push(" ", el("span", { class: "lp-tb-argname lp-tb-mono", text: spec.name }));
    if (!spec.required) label.push(el("span", { class: "lp-tb-optional", text: " (optional)" }));
    const sentence = (text) => (/[.!?:)]$/.test(text) ? text : `${text}.`);
    const help = [spec.help ? sentence(spec.help) : "",
      spec.condition ? `${spec.condition[0].toUpperCase()}${spec.condition.slice(1)}.` : "",
      spec.frontend_only ? "Used by the form only: never sent to the algorithm." : ""].filter(Boolean).join(" ");
    const r = row(`arg:${spec.name}`, label, control, help, Boolean(control._group));
    if (control._wrap) { // the input with its listbox
      control.replaceWith(control._wrap);
      control._wrap.prepend(control);
    }
    if (spec.type === "column" || spec.type === "columns") {
      const note = el("div", { class: "lp-tb-columns-note" });
      const again = el("button", { type: "button", class: "lp-button lp-tb-link", text: "Ask the nodes again" });
      again.addEventListener("click", () => action(model, "load_columns", { refresh: true }));
      const line = el("div", { class: "lp-tb-columns-line" }, note, again);
      r.querySelector(".lp-tb-control").append(line);
      const draw = control._draw;
      control._draw = () => {
        draw();
        const state = model.get("columns_state");
        note.textContent = model.get("columns_note") || "The columns are asked from the nodes when you open this field.";
        note.dataset.state = state;
        again.hidden = state === "loading" || state === "";
      };
    }
    r.dataset.kind = spec.type;
    return { row: r, control };
  }

  // -- drawing ---------------------------------------------------------------------------
  function drawHeader() { header.textContent = model.get("header"); }

  function drawAlgorithm() {
    const image = model.get("image");
    if (activeIn(algoInput) !== algoInput) algoInput.value = algorithmLabel(image);
    algoPicker.redraw();
    const found = model.get("algorithm_choices").find((c) => c.image === image);
    algoDetail.replaceChildren(...[
      image ? el("span", { class: "lp-tb-mono lp-tb-image", text: image }) : null,
      found && found.description ? el("span", { class: "lp-tb-algo-description", text: found.description }) : null,
      image && !found ? el("span", { class: "lp-tb-algo-description", text: "Not described by the algorithm store." }) : null,
    ].filter(Boolean));
    algoNote.textContent = model.get("algorithms_note");
    algoNote.hidden = !model.get("algorithms_note");
  }

  function drawFunctions() {
    const functions = model.get("functions");
    const method = model.get("method");
    if (functions.length) {
      const options = functions.map((f) => ({ value: f.name, label: `${f.label && f.label !== f.name ? `${f.label} (${f.name})` : f.name}, ${f.central ? "central" : "federated"}` }));
      fillSelect(methodSelect, options, method);
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
    const known = functions.some((f) => f.name === method);
    const central = model.get("central");
    functionHelp.replaceChildren(...[
      known ? el("span", { class: "lp-tb-kind", dataset: { kind: central ? "central" : "federated" }, text: central ? "Central" : "Federated" }) : null,
      known ? el("span", { text: central ? " runs at one organization, which creates subtasks at the others." : " runs at each chosen organization." }) : null,
      help ? el("span", { class: "lp-tb-function-description", text: known ? ` ${help}` : help }) : null,
    ].filter(Boolean));
    functionHelp.hidden = !help && !known;
  }

  function drawScope() {
    const studies = model.get("study_choices");
    studyRow.hidden = !studies.length;
    fillSelect(studySelect, [{ value: "", label: "The whole collaboration" },
      ...studies.map((s) => ({ value: String(s.id), label: `Study: ${s.name} (${s.organizations.length} organization${s.organizations.length === 1 ? "" : "s"})` }))],
    model.get("study") === null || model.get("study") === undefined ? "" : String(model.get("study")));

    const choices = model.get("organization_choices");
    const chosen = new Set(model.get("organizations"));
    const focused = orgList.contains(activeIn(orgList)) ? activeIn(orgList).value : null;
    const have = [...orgList.querySelectorAll("input")].map((c) => `${c.value}|${c.dataset.label}`).join("\n");
    const want = choices.map((c) => `${c.id}|${c.label}`).join("\n");
    if (have !== want || !choices.length) {
      orgList.replaceChildren(...choices.map((c) => {
        const box = el("input", { type: "checkbox", name: "organizations", value: String(c.id), id: `${id}-org-${c.id}`, dataset: { label: c.label } });
        return el("div", { class: "lp-tb-check", dataset: { statusKind: c.status === "online" ? "ok" : "idle" } },
          box, el("label", { for: box.id, text: c.label }));
      }));
      if (focused !== null) orgList.querySelector(`input[value="${CSS.escape(focused)}"]`)?.focus();
    }
    for (const box of orgList.querySelectorAll("input")) box.checked = chosen.has(Number(box.value));
    if (!choices.length) orgList.replaceChildren(el("p", { class: "lp-tb-help", text: "Choose a collaboration first." }));
  }

  let dbKey = "";
  let dbSelects = [];
  function drawDatabases() {
    const slots = model.get("database_slots").length ? model.get("database_slots") : [{ name: "", description: "" }];
    const labels = model.get("databases");
    const choices = model.get("database_choices").length ? model.get("database_choices") : ["default"];
    const key = JSON.stringify([slots, choices]);
    if (key !== dbKey) {
      dbKey = key;
      dbSelects = [];
      dbBox.replaceChildren(...slots.map((slot, i) => {
        const select = el("select", { name: `databases#${i}` });
        select.addEventListener("change", () => send("databases", dbSelects.map((s) => s.value)));
        dbSelects.push(select);
        const title = slot.name && slot.name !== "default" ? `Database: ${slot.name}` : (slots.length > 1 ? `Database ${i + 1}` : "Database");
        const r = row(`databases#${i}`, [title], select, slot.description || "");
        errorNodes.delete(`databases#${i}`);
        select.setAttribute("aria-describedby", `${select.id}-help ${dbError.id}`);
        return r;
      }));
    }
    dbSelects.forEach((select, i) => {
      const label = labels[i] || "";
      const options = choices.map((c) => ({ value: c, label: c }));
      if (label && !choices.includes(label)) options.push({ value: label, label });
      fillSelect(select, options, label);
    });
  }

  let argControls = [];
  let argRows = new Map();
  function drawArguments() {
    const specs = model.get("arguments");
    const jsonMode = model.get("json_mode");
    const key = JSON.stringify(specs);
    if (argFields.dataset.key !== key) {
      argFields.dataset.key = key;
      for (const field of [...errorNodes.keys()]) if (field.startsWith("arg:")) errorNodes.delete(field);
      for (const field of [...readers.keys()]) if (field.startsWith("arg:")) readers.delete(field);
      argControls = [];
      argRows = new Map();
      const rows = specs.map((spec) => {
        const { row: r, control } = argumentRow(spec);
        argControls.push(control);
        argRows.set(spec.name, r);
        return r;
      });
      argFields.replaceChildren(...(rows.length || jsonMode ? rows : [el("p", { class: "lp-tb-help", text: "This function takes no arguments." })]));
    }
    const hidden = new Set(model.get("hidden_arguments"));
    for (const [argName, r] of argRows) r.hidden = hidden.has(argName);
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
    for (const control of argControls) if (control._errors) control._errors(errors);
  }

  let lastStep = "form";
  function drawStep() {
    const step = model.get("step");
    const inside = root.contains(activeIn(root));
    formPart.hidden = step === "summary";
    summaryPart.hidden = step !== "summary";
    summaryList.replaceChildren(...model.get("summary").map((r) => el("div", { class: "lp-tb-summary-row" },
      el("dt", { text: r.label }),
      el("dd", { class: r.kind === "code" ? "lp-tb-mono lp-tb-summary-code" : "lp-tb-summary-text", text: r.value }))));
    if (step !== lastStep) {
      lastStep = step;
      // the focus follows the step it was in (a review started from code takes none)
      if (inside) (step === "summary" ? submit : review).focus();
    }
  }

  function drawRest() {
    setIfIdle(name, model.get("name"));
    setIfIdle(description, model.get("description"));
    code.textContent = model.get("code_text");
    const sending = model.get("sending");
    const why = model.get("not_ready");
    review.disabled = Boolean(why);
    submit.disabled = sending || Boolean(why);
    back.disabled = sending;
    submit.textContent = sending ? "Sending…" : "Submit";
    form.setAttribute("aria-busy", sending ? "true" : "false");
    reason.textContent = why ? `Not ready: ${why}` : "";
    status.textContent = model.get("message");
    status.dataset.kind = model.get("message_kind");
  }

  function draw() {
    drawHeader();
    drawAlgorithm();
    drawFunctions();
    drawScope();
    drawDatabases();
    drawArguments();
    drawErrors();
    drawRest();
    drawStep();
  }
  const names = ["header", "algorithm_choices", "algorithms_note", "image", "functions", "method",
    "function_help", "central", "columns", "column_notes", "columns_note", "columns_state", "arguments",
    "hidden_arguments", "argument_values", "json_mode", "json_available", "json_text", "study_choices",
    "study", "organization_choices", "organizations", "database_slots", "database_choices", "databases",
    "name", "description", "step", "summary", "code_text", "field_errors", "not_ready", "sending",
    "message", "message_kind"];
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
