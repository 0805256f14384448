// The job a panel opened (OsparcJobHistory, OsparcStudyRunner): its state and error,
// inputs, outputs (a grid) and log lines, drawn from the model's shown_* traits,
// inputs_rows, outputs_rows and log_rows. Every server text is written with textContent.
import { el } from "./dom.js";
import { createGrid } from "./grid.js";
import { statusClass, statusKind } from "./format.js";
import { watch } from "./view.js";

const OUTPUT_COLUMNS = [
  { key: "name", label: "Output", width: "minmax(90px, 1fr)" },
  { key: "type", label: "Type", width: "minmax(80px, 1fr)" },
  { key: "value", label: "Value", width: "minmax(110px, 2fr)" },
];

// Build the section; returns { el, destroy }.
export function createJobDetail(model, { label = "Job", empty = "No job opened" } = {}) {
  const heading = el("div", { class: "lp-jd-heading", role: "heading", "aria-level": "4" });
  const chip = el("span", { class: "lp-status" });
  const error = el("div", { class: "lp-jd-error", role: "alert" });
  const note = el("div", { class: "lp-jd-note" });
  const inputs = el("dl", { class: "lp-jd-inputs" });
  const outBox = el("div", { class: "lp-jd-outputs" });
  const toRows = () => model.get("outputs_rows").map((r) => ({ name: r[0], type: r[1], value: r[2] }));
  const grid = createGrid(outBox, {
    key: "name", columns: OUTPUT_COLUMNS, rows: toRows(), selectable: "none", height: 150,
    label: `${label} outputs`, emptyText: "No outputs",
  });
  const logNote = el("div", { class: "lp-jd-lognote", role: "status" });
  const log = el("div", { class: "lp-jd-log", role: "log", tabindex: "0", "aria-label": `${label} log` });
  const body = el("div", { class: "lp-jd-body" },
    el("div", { class: "lp-jd-title" }, "Inputs"), inputs,
    el("div", { class: "lp-jd-title" }, "Outputs"), outBox,
    el("div", { class: "lp-jd-title" }, "Log"), logNote, log);
  const root = el("section", { class: "lp-jobdetail", "aria-label": label },
    el("div", { class: "lp-jd-head" }, heading, chip), error, note, body);

  watch(model, ["shown_id", "shown_state", "shown_error", "shown_note"], () => {
    const id = model.get("shown_id");
    const state = model.get("shown_state");
    heading.textContent = id ? `${label} ${id}` : empty;
    chip.textContent = state || "—";
    chip.className = `lp-status lp-status-${statusClass(state, "none")}`;
    chip.dataset.statusKind = statusKind(state);
    chip.hidden = !id;
    body.hidden = !id;
    const err = model.get("shown_error");
    error.textContent = err ? `${state}: ${err}` : "";
    error.hidden = !err;
    error.dataset.statusKind = err ? "error" : "idle";
    const text = state === "SUCCESS" || err ? "" : model.get("shown_note");
    note.textContent = id ? text : "";
  })();
  watch(model, ["inputs_rows"], () => {
    const rows = model.get("inputs_rows");
    inputs.replaceChildren(...(rows.length ? rows.flatMap(([name, value]) => [
      el("dt", {}, name), el("dd", {}, value)]) : [el("dd", { class: "lp-jd-none" }, "Not known")]));
  })();
  watch(model, ["log_rows", "log_note"], () => {
    logNote.textContent = model.get("log_note");
    log.replaceChildren(...model.get("log_rows").map(([level, text]) =>
      el("div", { class: "lp-log-line", dataset: { level } }, text)));
  })();
  watch(model, ["outputs_rows"], () => grid.setRows(toRows()));
  return { el: root, destroy: () => grid.destroy() };
}
