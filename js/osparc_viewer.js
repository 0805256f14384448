// OsparcResultViewer: the job's heading and error, its outputs (a grid: arrows move,
// Space/Enter tick an output for download), a download folder, and its log filtered by
// level and text. Python keeps the state; every click is an action message naming a
// method of the panel. The log arrives as append messages (see logview.js). Server text
// is always written with textContent.
import { el, uniqueId } from "./lib/dom.js";
import { createGrid } from "./lib/grid.js";
import { actions, searchBox, statusLine, watch } from "./lib/view.js";
import { createLogView, initializeLog, logStore } from "./logview.js";

const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"];

const OUTPUT_COLUMNS = [
  { key: "name", label: "Output", width: "minmax(90px, 1fr)" },
  { key: "title", label: "Title", width: "minmax(120px, 2fr)" },
  { key: "type", label: "Type", width: "minmax(90px, 1fr)" },
  { key: "value", label: "Value", width: "minmax(120px, 2fr)" },
];

// The outputs grid: rows from `output_rows` (lists), ticked ones sent as select_outputs.
function outputGrid(model, act) {
  const box = el("div", { class: "lp-ov-outputs" });
  const toRows = () => model.get("output_rows").map((r) => ({ name: r[0], title: r[1], type: r[2], value: r[3] }));
  const grid = createGrid(box, {
    key: "name", columns: OUTPUT_COLUMNS, rows: toRows(), selectable: "multi", height: 160,
    label: "Outputs", emptyText: model.get("outputs_empty"), selected: model.get("selected_outputs"),
    onSelect: (keys) => act("select_outputs", { names: keys.map(String) }),
  });
  watch(model, ["output_rows"], () => grid.setRows(toRows()));
  watch(model, ["outputs_empty"], () => grid.setOptions({ emptyText: model.get("outputs_empty") }));
  watch(model, ["selected_outputs"], () => grid.setSelected(model.get("selected_outputs")));
  return { el: box, destroy: () => grid.destroy() };
}

function initialize({ model }) {
  return initializeLog(model);
}

function render({ model, el: host }) {
  const id = uniqueId("lp-ov");
  const act = actions(model);
  const root = el("div", { class: "lp-theme lp-osparc-viewer" });
  host.append(root);

  const heading = el("div", { class: "lp-ov-heading", role: "heading", "aria-level": "3" });
  const reload = el("button", { type: "button", class: "lp-button", onclick: () => act("load") }, "Reload");
  const head = el("div", { class: "lp-ov-head" }, heading, reload);
  const banner = el("div", { class: "lp-ov-error", role: "alert" });

  const grid = outputGrid(model, act);

  const dest = el("input", { class: "lp-input", id: `${id}-dest`, placeholder: "./osparc-outputs/<job id>" });
  const download = el("button", { type: "submit", class: "lp-button lp-primary",
    title: "Download the selected file outputs (all when none)" }, "Download files");
  const save = el("form", { class: "lp-ov-save" }, el("label", { for: dest.id }, "Save to"), dest, download);
  save.addEventListener("submit", (event) => {
    event.preventDefault();
    act("download", { dest: dest.value.trim() || null });
  });
  save.addEventListener("keydown", (event) => event.stopPropagation());

  const filters = el("fieldset", { class: "lp-ov-filters" },
    el("legend", { class: "lp-visually-hidden" }, "Log filters"));
  const boxes = {};
  for (const level of LEVELS) {
    const box = el("input", { type: "checkbox", value: level });
    const text = el("span", {}, level);
    box.addEventListener("change", () => {
      act("filter_log", { levels: LEVELS.filter((lv) => boxes[lv].box.checked) });
    });
    boxes[level] = { box, text };
    filters.append(el("label", { class: "lp-ov-level" }, box, text));
  }
  const search = searchBox({ class: "lp-input lp-ov-search", id: `${id}-search`,
    placeholder: "Filter log lines…" }, (text) => act("filter_log", { text }));
  const count = el("span", { class: "lp-ov-count", "aria-live": "polite" });
  filters.append(el("label", { class: "lp-visually-hidden", for: search.id }, "Filter log lines"),
    search, count);

  const store = logStore(model);
  const log = createLogView(model, store, () => ({
    levels: new Set(model.get("levels")),
    needle: model.get("query").trim().toLowerCase(),
    marked: model.get("error_line"),
  }), (shown, total) => {
    count.textContent = `${shown} of ${total} lines`;
    for (const level of LEVELS) boxes[level].text.textContent = `${level} (${store.counts[level] || 0})`;
  });
  root.append(head, banner, grid.el, save, filters, el("div", { class: "lp-ov-logtitle" }, "Log"),
    log.el, statusLine(model));

  const drawHead = watch(model, ["heading", "state", "error"], () => {
    heading.textContent = model.get("heading");
    const error = model.get("error");
    banner.textContent = error ? `Job ${model.get("state")}: ${error}` : "";
    banner.hidden = !error;
    banner.dataset.statusKind = error ? "error" : "idle";
  });
  const drawFilters = watch(model, ["levels", "query"], () => {
    const levels = new Set(model.get("levels"));
    for (const level of LEVELS) boxes[level].box.checked = levels.has(level);
    if (document.activeElement !== search) search.value = model.get("query");
    log.redraw();
  });
  watch(model, ["error_line", "log_empty"], () => log.redraw());
  const drawDest = watch(model, ["dest"], () => {
    if (document.activeElement !== dest) dest.value = model.get("dest");
  });
  drawHead();
  drawFilters();
  drawDest();
  return () => { log.destroy(); grid.destroy(); };
}

export default { initialize, render };
