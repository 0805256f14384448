// OsparcJobHistory: a solver release's past jobs (a grid: state, created, started,
// stopped, elapsed, error) with a state filter and a search; Enter or a click re-opens a
// job (its inputs, outputs and log below), Re-run runs it again with the same inputs.
// Python keeps the state; every click is an action message naming a panel method.
// Server text is always written with textContent.
import { el, button, uniqueId } from "./lib/dom.js";
import { createGrid } from "./lib/grid.js";
import { duration } from "./lib/format.js";
import { createJobDetail } from "./lib/jobdetail.js";
import { actions, searchBox, statusLine, watch } from "./lib/view.js";

const COLUMNS = [
  { key: "id", label: "Job", width: "minmax(90px, 1fr)" },
  { key: "state", label: "State", kind: "status", width: "minmax(100px, 1fr)" },
  { key: "created_at", label: "Created", kind: "ago", width: "minmax(90px, 1fr)" },
  { key: "started_at", label: "Started", kind: "ago", width: "minmax(90px, 1fr)" },
  { key: "stopped_at", label: "Stopped", kind: "ago", width: "minmax(90px, 1fr)" },
  { key: "elapsed", label: "Ran for", width: "minmax(80px, 1fr)" },
  { key: "error", label: "Error", width: "minmax(120px, 2fr)" },
];
const STATES = ["SUCCESS", "FAILED", "ABORTED", "STARTED", "PENDING", "PUBLISHED", "NOT_STARTED"];

function render({ model, el: host }) {
  const id = uniqueId("lp-oh");
  const act = actions(model);
  const root = el("div", { class: "lp-theme lp-osparc-history" });
  host.append(root);

  const solver = el("select", { class: "lp-input", id: `${id}-solver` });
  solver.addEventListener("change", () => act("choose_solver", { key: solver.value }));
  const refresh = button("Refresh", "refresh", () => act("refresh"));
  const state = el("select", { class: "lp-input", id: `${id}-state` });
  state.addEventListener("change", () => act("filter", { state: state.value }));
  const search = searchBox({ class: "lp-input lp-oh-search", id: `${id}-search`,
    placeholder: "Search id, state, error, inputs…" }, (text) => act("filter", { text }));
  const bar = el("div", { class: "lp-oh-bar" },
    el("label", { for: `${id}-solver` }, "Solver"), solver, refresh,
    el("label", { for: `${id}-state` }, "State"), state,
    el("label", { class: "lp-visually-hidden", for: `${id}-search` }, "Search jobs"), search);

  const count = el("div", { class: "lp-oh-count", "aria-live": "polite" });
  const listBox = el("div", { class: "lp-oh-list" });
  const toRows = () => model.get("rows").map((r) => ({
    id: r[0], state: r[1], created_at: r[2], started_at: r[3], stopped_at: r[4],
    elapsed: typeof r[5] === "number" ? duration(r[5], { tenths: true }) : "", error: r[6],
  }));
  const grid = createGrid(listBox, {
    key: "id", columns: COLUMNS, rows: toRows(), selectable: "single", height: 220,
    label: "Past jobs", emptyText: "No jobs",
    selected: model.get("shown_id") ? [model.get("shown_id")] : [],
    onSelect: (keys) => { if (keys.length) act("reopen", { job_id: String(keys[0]) }); },
  });
  const rerun = button("Re-run with the same inputs", "refresh", () => act("rerun"),
    { class: "lp-button lp-primary" });
  const detail = createJobDetail(model, { label: "Job" });
  root.append(bar, count, listBox, el("div", { class: "lp-oh-actions" }, rerun), detail.el,
    statusLine(model));

  const drawSolvers = watch(model, ["releases", "solver_id", "version"], () => {
    solver.replaceChildren(...model.get("releases").map(([value, label]) =>
      el("option", { value }, label)));
    solver.value = `${model.get("solver_id")}:${model.get("version")}`;
  });
  const drawStates = watch(model, ["counts", "state_filter"], () => {
    const counts = model.get("counts");
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const known = [...STATES, ...Object.keys(counts).filter((s) => !STATES.includes(s))];
    state.replaceChildren(el("option", { value: "" }, `All states (${total})`),
      ...known.filter((s) => counts[s] || s === model.get("state_filter"))
        .map((s) => el("option", { value: s }, `${s} (${counts[s] || 0})`)));
    state.value = model.get("state_filter");
    count.textContent = `${model.get("rows").length} of ${total} jobs`;
  });
  const drawSearch = watch(model, ["query"], () => {
    if (document.activeElement !== search) search.value = model.get("query");
  });
  watch(model, ["rows"], () => {
    grid.setRows(toRows());
    drawStates();
  });
  const drawShown = watch(model, ["shown_id"], () => {
    const shown = model.get("shown_id");
    grid.setSelected(shown ? [shown] : []);
    rerun.disabled = !shown;
  });
  drawSolvers();
  drawStates();
  drawSearch();
  drawShown();
  return () => { grid.destroy(); detail.destroy(); };
}

export default { render };
