// OsparcResultViewer: the job's heading and error, its outputs (a grid: arrows move,
// Space/Enter tick an output for download), a download folder, and its log filtered by
// level and text. Python keeps the state; every click is an action message naming a
// method of the panel. The log arrives as append messages (see logview.js). Server text
// is always written with textContent.
import { createGrid } from "./lib/grid.js";
import { createLogView, initializeLog, logStore } from "./logview.js";
import { el, uniqueId } from "./lib/dom.js";

const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"];

// an element with a class and text (textContent, never HTML)
const make = (tag, className, text) => el(tag, className ? { class: className } : {}, text);


const OUTPUT_COLUMNS = [
  { key: "name", label: "Output", width: "minmax(90px, 1fr)" },
  { key: "title", label: "Title", width: "minmax(120px, 2fr)" },
  { key: "type", label: "Type", width: "minmax(90px, 1fr)" },
  { key: "value", label: "Value", width: "minmax(120px, 2fr)" },
];

// The outputs grid: rows from `output_rows` (lists), ticked ones sent as select_outputs.
function outputGrid(model, act) {
  const box = make("div", "lp-ov-outputs");
  const toRows = () => model.get("output_rows").map((r) => ({ name: r[0], title: r[1], type: r[2], value: r[3] }));
  const grid = createGrid(box, {
    key: "name", columns: OUTPUT_COLUMNS, rows: toRows(), selectable: "multi", height: 160,
    label: "Outputs", emptyText: model.get("outputs_empty"), selected: model.get("selected_outputs"),
    onSelect: (keys) => act("select_outputs", { names: keys.map(String) }),
  });
  const onRows = () => grid.setRows(toRows());
  const onEmpty = () => grid.setOptions({ emptyText: model.get("outputs_empty") });
  const onSelected = () => grid.setSelected(model.get("selected_outputs"));
  model.on("change:output_rows", onRows);
  model.on("change:outputs_empty", onEmpty);
  model.on("change:selected_outputs", onSelected);
  return { el: box, destroy: () => grid.destroy() };
}

function initialize({ model }) {
  return initializeLog(model);
}

function render({ model, el }) {
  const id = uniqueId("lp-ov");
  const act = (name, args = {}) => model.send({ type: "action", name, args });
  const root = make("div", "lp-theme lp-osparc-viewer");
  el.append(root);

  const head = make("div", "lp-ov-head");
  const heading = make("div", "lp-ov-heading");
  heading.setAttribute("role", "heading");
  heading.setAttribute("aria-level", "3");
  const reload = make("button", "lp-button", "Reload");
  reload.type = "button";
  reload.addEventListener("click", () => act("load"));
  head.append(heading, reload);
  const banner = make("div", "lp-ov-error");
  banner.setAttribute("role", "alert");

  const grid = outputGrid(model, act);

  const save = make("form", "lp-ov-save");
  const destLabel = make("label", "", "Save to");
  destLabel.htmlFor = `${id}-dest`;
  const dest = make("input", "lp-input");
  dest.id = `${id}-dest`;
  dest.placeholder = "./osparc-outputs/<job id>";
  const download = make("button", "lp-button lp-primary", "Download files");
  download.type = "submit";
  download.title = "Download the selected file outputs (all when none)";
  save.append(destLabel, dest, download);
  save.addEventListener("submit", (event) => {
    event.preventDefault();
    act("download", { dest: dest.value.trim() || null });
  });
  save.addEventListener("keydown", (event) => event.stopPropagation());

  const filters = make("fieldset", "lp-ov-filters");
  const legend = make("legend", "lp-visually-hidden", "Log filters");
  filters.append(legend);
  const boxes = {};
  for (const level of LEVELS) {
    const label = make("label", "lp-ov-level");
    const box = make("input");
    box.type = "checkbox";
    box.value = level;
    const text = make("span", "", level);
    label.append(box, text);
    box.addEventListener("change", () => {
      act("filter_log", { levels: LEVELS.filter((lv) => boxes[lv].box.checked) });
    });
    boxes[level] = { box, text };
    filters.append(label);
  }
  const searchLabel = make("label", "lp-visually-hidden", "Filter log lines");
  searchLabel.htmlFor = `${id}-search`;
  const search = make("input", "lp-input lp-ov-search");
  search.type = "search";
  search.id = `${id}-search`;
  search.placeholder = "Filter log lines…";
  let typing = null;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => act("filter_log", { text: search.value }), 150);
  });
  search.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Escape") { search.value = ""; act("filter_log", { text: "" }); }
  });
  const count = make("span", "lp-ov-count");
  count.setAttribute("aria-live", "polite");
  filters.append(searchLabel, search, count);

  const store = logStore(model);
  const log = createLogView(model, store, () => ({
    levels: new Set(model.get("levels")),
    needle: model.get("query").trim().toLowerCase(),
    marked: model.get("error_line"),
  }), (shown, total) => {
    count.textContent = `${shown} of ${total} lines`;
    for (const level of LEVELS) boxes[level].text.textContent = `${level} (${store.counts[level] || 0})`;
  });
  const logTitle = make("div", "lp-ov-logtitle", "Log");
  const status = make("div", "lp-status-line");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  root.append(head, banner, grid.el, save, filters, logTitle, log.el, status);

  function drawHead() {
    heading.textContent = model.get("heading");
    const error = model.get("error");
    banner.textContent = error ? `Job ${model.get("state")}: ${error}` : "";
    banner.hidden = !error;
    banner.dataset.statusKind = error ? "error" : "idle";
  }
  function drawFilters() {
    const levels = new Set(model.get("levels"));
    for (const level of LEVELS) boxes[level].box.checked = levels.has(level);
    if (document.activeElement !== search) search.value = model.get("query");
    log.redraw();
  }
  function drawStatus() {
    status.textContent = model.get("message");
    status.dataset.kind = model.get("message_kind");
  }
  function drawDest() {
    if (document.activeElement !== dest) dest.value = model.get("dest");
  }
  model.on("change:heading", drawHead);
  model.on("change:state", drawHead);
  model.on("change:error", drawHead);
  model.on("change:levels", drawFilters);
  model.on("change:query", drawFilters);
  model.on("change:error_line", () => log.redraw());
  model.on("change:log_empty", () => log.redraw());
  model.on("change:message", drawStatus);
  model.on("change:message_kind", drawStatus);
  model.on("change:dest", drawDest);
  drawHead();
  drawFilters();
  drawStatus();
  drawDest();
  return () => { log.destroy(); grid.destroy(); };
}

export default { initialize, render };
