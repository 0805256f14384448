// InstructorView: the class at a glance. A toolbar (summary, "Stuck only", a filter box,
// Refresh, when the rows were read), one grid of learners (lib/grid.js: sort by a header
// button, arrows to move, Enter or a click to choose a learner) and the chosen learner's
// failed tasks with each run's error line. Every action is sent to Python as an action
// message naming a public method (select, show_stuck_only, sort, refresh). Server text is
// always textContent.
import { button, el, icon, uniqueId } from "./lib/dom.js";
import { relativeTime } from "./lib/format.js";
import { createGrid, patchWire, rowsFromWire } from "./lib/grid.js";
import { gridHandlers, listen, showMessage } from "./lib/view.js";

// The lines of the chosen learner's detail: [{ text, error }] (pure, for node tests).
export function detailLines(learner, failures) {
  if (!learner) return [];
  const list = Array.isArray(failures) ? failures : [];
  if (!list.length) return [{ text: `${learner} has no failed task.`, error: "" }];
  return list.map((f) => {
    const where = f.organization || f.node || "";
    const what = f.error || (f.status ? `${f.status} (reading why…)` : "reading why…");
    return { text: `${f.task || `task ${f.task_id}`}${where ? ` at ${where}` : ""}`, error: what };
  });
}

function render({ model, el: host }) {
  const id = uniqueId("lp-instructor");
  const action = (name, args = {}) => model.send({ type: "action", name, args });

  const summary = el("p", { class: "lp-instr-summary", "aria-live": "polite" });
  const stuck = el("input", { type: "checkbox", id: `${id}-stuck`, class: "lp-instr-stuck" });
  const filter = el("input", {
    type: "search", id: `${id}-filter`, class: "lp-instr-filter", placeholder: "Filter…",
    autocomplete: "off", spellcheck: "false",
  });
  const refresh = button("Refresh", "refresh", () => action("refresh"), { class: "lp-button lp-instr-refresh" });
  const updated = el("span", { class: "lp-instr-updated" });
  const toolbar = el("div", { class: "lp-instr-toolbar" },
    el("label", { class: "lp-instr-stuck-label", for: `${id}-stuck` }, stuck, el("span", {}, "Stuck only")),
    el("span", { class: "lp-instr-filter-box" },
      el("label", { class: "lp-instr-filter-label", for: `${id}-filter` }, icon("search"),
        el("span", { class: "lp-visually-hidden" }, "Filter learners")),
      filter),
    refresh, updated);
  const gridBox = el("div", { class: "lp-instr-grid" });
  const detailTitle = el("h3", { class: "lp-instr-detail-title", id: `${id}-detail` });
  const detailList = el("ul", { class: "lp-instr-detail-list", "aria-labelledby": `${id}-detail` });
  const detail = el("section", { class: "lp-instr-detail", "aria-live": "polite" }, detailTitle, detailList);
  const status = el("div", { class: "lp-instr-message", role: "status", "aria-live": "polite" });
  const root = el("div", { class: "lp-theme lp-instructor" }, summary, toolbar, gridBox, detail, status);
  host.append(root);

  const emptyText = () => (model.get("stuck_only") ? "Nobody looks stuck" : "No learners yet");
  const selectedKeys = () => (model.get("selected") ? [model.get("selected")] : []);
  const grid = createGrid(gridBox, {
    key: model.get("key") || "learner",
    label: "Learners",
    columns: model.get("columns"),
    rows: rowsFromWire(model.get("rows")),
    selectable: "single",
    selected: selectedKeys(),
    sortBy: model.get("sort_by"),
    sortDesc: model.get("sort_desc"),
    height: 320,
    rowHeight: 36,
    emptyText: emptyText(),
    rowClass: (row) => (row.stuck ? "lp-instr-row-stuck" : ""),
    onSelect(keys) { if (keys.length) action("select", { learner: String(keys[0]) }); },
    onSort(by, desc) { action("sort", { column: by, descending: desc }); },
  });

  stuck.addEventListener("change", () => action("show_stuck_only", { flag: stuck.checked }));
  stuck.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); stuck.click(); }
    if (event.key === "Enter" || event.key === " ") event.stopPropagation();
  });
  filter.addEventListener("input", () => grid.setFilter(filter.value));
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && filter.value) { filter.value = ""; grid.setFilter(""); }
    if (event.key === "ArrowDown") { event.preventDefault(); grid.focus(); }
    if (["Enter", "Escape", "ArrowDown"].includes(event.key)) event.stopPropagation();
  });

  function showSummary() {
    summary.textContent = model.get("summary") || "";
  }
  function showUpdated() {
    const at = model.get("updated_at");
    updated.textContent = at ? `read ${relativeTime(at)}` : "reading…";
  }
  function showStuck() {
    stuck.checked = !!model.get("stuck_only");
    grid.setOptions({ emptyText: emptyText() });
  }
  function showDetail() {
    const learner = model.get("selected");
    detail.hidden = !learner;
    detailTitle.textContent = learner ? `Failed tasks of ${learner}` : "";
    detailList.replaceChildren(...detailLines(learner, model.get("detail")).map((line) =>
      el("li", { class: "lp-instr-failure" },
        el("span", { class: "lp-instr-failure-task" }, line.text),
        line.error ? el("span", { class: "lp-instr-failure-error" }, line.error) : null)));
  }
  const unlisten = listen(model, {
    ...gridHandlers(model, grid),
    "change:selected": () => { grid.setSelected(selectedKeys()); showDetail(); },
    "change:detail": showDetail,
    "change:stuck_only": showStuck,
    "change:summary": showSummary,
    "change:updated_at": showUpdated,
    "change:message change:message_kind": () => showMessage(model, status),
  });
  showSummary();
  showUpdated();
  showStuck();
  showDetail();
  showMessage(model, status);
  const ticker = setInterval(showUpdated, 5000);

  return () => {
    clearInterval(ticker);
    unlisten();
    grid.destroy();
  };
}

function initialize({ model }) {
  model.on("msg:custom", (msg) => {
    if (msg && msg.type === "patch" && (!msg.table || msg.table === "rows")) {
      patchWire(model.get("rows"), msg.keys, msg.rows, model.get("key") || "learner");
    }
  });
}

export default { initialize, render };
