// TaskList's view: the collaboration's tasks (search by name or id, status chips, the
// shared grid with local created/finished times), the open task's details and actions
// (kill, repeat, downloads), its task -> runs -> subtasks tree (an ARIA tree: arrows,
// Home/End, Enter) and the chosen run's log. Python keeps every trait; a click goes back
// as an action naming one of its public methods. Server text is always textContent.
//
// The pure parts (statusGroup, matchTask, groupCounts, visibleTree, treeKey) are
// exported for node tests (js/test/task_list.test.js); they say what task_list.py and
// labpanels/vantage6/task_records.py say.

import { button, el, icon } from "./lib/dom.js";
import { duration, localTime, parseTime, statusClass, statusKind } from "./lib/format.js";
import { createGrid, patchWire, rowsFromWire } from "./lib/grid.js";

// ---- pure helpers ----------------------------------------------------------------------

export const STATUS_GROUPS = ["all", "running", "completed", "failed", "killed"];
export const GROUP_LABELS = { all: "All", running: "Running", completed: "Completed", failed: "Failed", killed: "Killed" };
const FAILED = new Set(["failed", "start failed", "non-existing Docker image", "crashed",
  "not allowed", "unknown error"]);

// The filter group of a status: running (pending, initializing, active and anything
// unknown), completed, killed (killed by user) or failed.
export function statusGroup(status) {
  if (status === "completed") return "completed";
  if (status === "killed by user") return "killed";
  if (FAILED.has(status)) return "failed";
  return "running";
}

// Whether a task row passes the search and the status filter: digits match that task id
// or names containing them, "#12" only task 12, other text names containing it (any case).
export function matchTask(row, query = "", status = "all") {
  if (status !== "all" && statusGroup(row.status) !== status) return false;
  const q = String(query ?? "").trim().toLowerCase();
  if (!q) return true;
  const number = q.startsWith("#") ? q.slice(1) : q;
  const digits = /^\d+$/.test(number);
  if (digits && String(row.id) === String(Number(number))) return true;
  if (digits && q.startsWith("#")) return false;
  return String(row.name ?? "").toLowerCase().includes(q);
}

// How many rows matching the search each status chip would show ({all, running, ...}).
export function groupCounts(rows, query = "") {
  const counts = Object.fromEntries(STATUS_GROUPS.map((g) => [g, 0]));
  for (const row of rows) {
    if (!matchTask(row, query)) continue;
    counts.all++;
    counts[statusGroup(row.status)]++;
  }
  return counts;
}

// The tree nodes to draw, in order: those whose ancestors are all expanded (`collapsed`
// holds the ids of collapsed nodes). Each: { node, index, hasChildren, expanded,
// parentIndex, setsize, posinset } (positions among the node's siblings).
export function visibleTree(nodes, collapsed = new Set()) {
  const children = new Map();
  for (const node of nodes) {
    const key = node.parent ?? null;
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(node);
  }
  const out = [];
  const walk = (parentKey, parentIndex) => {
    const kids = children.get(parentKey) || [];
    kids.forEach((node, i) => {
      const hasChildren = (children.get(node.id) || []).length > 0;
      const expanded = hasChildren && !collapsed.has(node.id);
      const index = out.length;
      out.push({ node, index, hasChildren, expanded, parentIndex, setsize: kids.length, posinset: i + 1 });
      if (expanded) walk(node.id, index);
    });
  };
  walk(null, -1);
  return out;
}

// What a key does on visible item `index`: { focus: i } moves, { expand: id } and
// { collapse: id } open or close a node, { activate: i } is Enter/Space; null otherwise.
// ArrowRight on an open node goes to its first child, ArrowLeft on a closed one (or a
// leaf) to its parent.
export function treeKey(visible, index, key) {
  const item = visible[index];
  if (!item) return visible.length && ["ArrowDown", "Home"].includes(key) ? { focus: 0 } : null;
  const last = visible.length - 1;
  switch (key) {
    case "ArrowDown": return { focus: Math.min(last, index + 1) };
    case "ArrowUp": return { focus: Math.max(0, index - 1) };
    case "Home": return { focus: 0 };
    case "End": return { focus: last };
    case "ArrowRight":
      if (item.hasChildren && !item.expanded) return { expand: item.node.id };
      if (item.expanded) return { focus: Math.min(last, index + 1) };
      return { focus: index };
    case "ArrowLeft":
      if (item.expanded) return { collapse: item.node.id };
      return { focus: item.parentIndex >= 0 ? item.parentIndex : index };
    case "Enter":
    case " ":
      return { activate: index };
    default: return null;
  }
}

// ---- the view -----------------------------------------------------------------------------

function action(model, name, args = {}) {
  model.send({ type: "action", name, args });
}

function pill(status) {
  return el("span", { class: `lp-status lp-status-${statusClass(status)}`, dataset: { statusKind: statusKind(status) } }, status || "");
}

let counter = 0;

function render({ model, el: host }) {
  const uid = `lp-task-list-${++counter}`;
  const root = el("div", { class: "lp-theme lp-panel lp-task-list" });
  host.append(root);
  root.addEventListener("keydown", (event) => event.stopPropagation()); // not the notebook's keys

  // -- the list ------------------------------------------------------------------------------
  const title = el("h3", { class: "lp-tl-title", id: `${uid}-title` });
  const refresh = button("Refresh", "refresh", () => action(model, "refresh"),
    { class: "lp-button lp-tl-refresh", title: "Read the task list from the server again" });
  const search = el("input", {
    type: "search", id: `${uid}-search`, class: "lp-tl-search", placeholder: "Search name or id…",
    autocomplete: "off", spellcheck: "false", "aria-label": "Search tasks by name or id",
  });
  const searchBox = el("span", { class: "lp-tl-searchbox" },
    el("label", { for: `${uid}-search`, class: "lp-tl-search-label" }, icon("search")), search);
  const chips = el("div", { class: "lp-tl-chips", role: "group", "aria-label": "Filter tasks by status" });
  const chipButtons = {};
  for (const group of STATUS_GROUPS) {
    chipButtons[group] = el("button", {
      type: "button", class: "lp-tl-chip", dataset: { group },
      onclick: () => setStatus(group),
    });
    chips.append(chipButtons[group]);
  }
  const count = el("div", { class: "lp-tl-count", role: "status", "aria-live": "polite" });
  const box = el("div", { class: "lp-tl-tasks" });
  const grid = createGrid(box, {
    key: "id", columns: model.get("columns") || [], selectable: "single", height: 260, rowHeight: 40,
    label: "Tasks", emptyText: model.get("empty_text"), sortBy: "id", sortDesc: true,
    onActivate: (key) => action(model, "open_task", { task: Number(key) }),
  });

  // -- the open task ----------------------------------------------------------------------------
  const detailTitle = el("h3", { class: "lp-tl-detail-title", id: `${uid}-detail`, tabindex: "-1" });
  const detailPill = el("span", { class: "lp-tl-detail-status" });
  const meta = el("dl", { class: "lp-tl-meta" });
  const kill = button("Kill", "cross", () => action(model, "kill", { task: model.get("opened") }),
    { class: "lp-button lp-tl-kill" });
  const repeat = button("Repeat", "refresh", () => action(model, "repeat", { task: model.get("opened") }),
    { class: "lp-button lp-tl-repeat", title: "Fill the task builder with this task's form" });
  const downloads = el("div", { class: "lp-tl-downloads", role: "group", "aria-label": "Downloads" });
  for (const what of ["input", "results"]) {
    for (const fmt of ["json", "csv"]) {
      downloads.append(button(`${what === "input" ? "Input" : "Results"} ${fmt.toUpperCase()}`, "download",
        () => action(model, "download", { what, fmt, task: model.get("opened") }),
        { class: "lp-button lp-tl-download", dataset: { what, fmt },
          title: `Save task ${model.get("opened") ?? ""} ${what} as ${fmt.toUpperCase()}` }));
    }
  }
  const closeDetail = button("Close", null, () => action(model, "open_task", { task: null }),
    { class: "lp-button lp-tl-close", title: "Close this task" });
  const actions = el("div", { class: "lp-tl-actions" }, kill, repeat, downloads, closeDetail);
  const treeLabel = el("div", { class: "lp-tl-label", id: `${uid}-tree-label` }, "Runs and subtasks");
  const tree = el("ul", { class: "lp-tl-tree", role: "tree", "aria-labelledby": `${uid}-tree-label` });
  const logTitle = el("div", { class: "lp-tl-log-title" });
  const logBody = el("pre", { class: "lp-tl-log-body", tabindex: "0", "aria-label": "Log of the chosen run" });
  const log = el("section", { class: "lp-tl-log", "aria-label": "Run log" }, logTitle, logBody);
  const detail = el("section", { class: "lp-tl-detail", "aria-labelledby": `${uid}-detail` },
    el("div", { class: "lp-tl-detail-head" }, detailTitle, detailPill), meta, actions, treeLabel, tree, log);
  const message = el("div", { class: "lp-tl-message", role: "status", "aria-live": "polite" });

  root.append(
    el("div", { class: "lp-tl-head" }, title, refresh),
    el("div", { class: "lp-tl-toolbar" }, searchBox, chips),
    count, box, detail, message);

  // -- the list's state ---------------------------------------------------------------------------
  let rows = rowsFromWire(model.get("task_rows"));
  let query = model.get("query") || "";
  let status = model.get("status_filter") || "all";
  search.value = query;
  let sendTimer = null;

  function drawList() {
    const shown = rows.filter((row) => matchTask(row, query, status));
    grid.setRows(shown);
    const counts = groupCounts(rows, query);
    for (const group of STATUS_GROUPS) {
      const chip = chipButtons[group];
      chip.replaceChildren(el("span", {}, GROUP_LABELS[group]), el("span", { class: "lp-tl-chip-count" }, String(counts[group])));
      chip.setAttribute("aria-pressed", String(group === status));
      chip.setAttribute("aria-label", `${GROUP_LABELS[group]}: ${counts[group]} task${counts[group] === 1 ? "" : "s"}`);
    }
    count.textContent = rows.length
      ? (shown.length === rows.length ? `${rows.length} task${rows.length === 1 ? "" : "s"}` : `${shown.length} of ${rows.length} tasks`)
      : "";
    const opened = model.get("opened");
    grid.setSelected(opened === null || opened === undefined ? [] : [opened]);
  }
  function setStatus(group) {
    status = group;
    drawList();
    action(model, "filter_status", { status: group });
  }
  search.addEventListener("input", () => {
    query = search.value;
    drawList();
    clearTimeout(sendTimer);
    sendTimer = setTimeout(() => action(model, "search", { query }), 200);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && search.value) {
      search.value = "";
      query = "";
      drawList();
      action(model, "search", { query: "" });
    }
    if (event.key === "ArrowDown") { event.preventDefault(); grid.focus(); }
    if (event.key === "Enter") {
      clearTimeout(sendTimer);
      action(model, "search", { query });
    }
  });

  // -- the open task's tree ---------------------------------------------------------------------------
  let nodes = rowsFromWire(model.get("tree_rows"));
  const collapsed = new Set();
  let visible = [];
  let activeId = null;

  function runText(node) {
    const parts = [];
    if (node.node) parts.push(`node ${node.node}`);
    const start = parseTime(node.started_at);
    const end = parseTime(node.finished_at);
    if (!Number.isNaN(start) && !Number.isNaN(end)) parts.push(`ran ${duration((end - start) / 1000, { pad: false, tenths: true })}`);
    else if (!Number.isNaN(start)) parts.push(`started ${localTime(node.started_at)}`);
    return parts.join(" · ");
  }

  function drawTree() {
    visible = visibleTree(nodes, collapsed);
    if (!visible.some((v) => v.node.id === activeId)) activeId = visible.length ? visible[0].node.id : null;
    const hadFocus = tree.contains(document.activeElement);
    const logRun = model.get("log_run");
    tree.replaceChildren(...visible.map((item) => {
      const node = item.node;
      const isRun = node.kind === "run";
      const chosen = isRun && logRun !== null && Number(node.ref) === Number(logRun);
      const line = el("li", {
        role: "treeitem", class: `lp-tl-node lp-tl-${node.kind}${chosen ? " lp-tl-chosen" : ""}`,
        "aria-level": String(Number(node.level) + 1), "aria-setsize": String(item.setsize),
        "aria-posinset": String(item.posinset), "aria-expanded": item.hasChildren ? String(item.expanded) : null,
        "aria-selected": isRun ? String(chosen) : null,
        tabindex: node.id === activeId ? "0" : "-1", dataset: { id: node.id, kind: node.kind, ref: String(node.ref) },
        style: { paddingLeft: `${4 + 18 * Number(node.level)}px` },
      });
      line.append(item.hasChildren ? icon("chevron", { className: item.expanded ? "lp-tl-open" : "lp-tl-shut" })
        : el("span", { class: "lp-tl-leaf", "aria-hidden": "true" }));
      line.append(el("span", { class: "lp-tl-node-label" }, node.label), pill(node.status));
      if (isRun) {
        const extra = runText(node);
        if (extra) line.append(el("span", { class: "lp-tl-node-extra" }, extra));
        line.append(el("span", { class: "lp-tl-node-hint" }, chosen ? "log shown below" : "Enter: log"));
      }
      return line;
    }));
    if (!visible.length) tree.append(el("li", { class: "lp-tl-tree-empty", role: "none" }, "No runs yet"));
    if (hadFocus) focusNode(activeId);
  }
  function focusNode(id) {
    activeId = id;
    for (const item of tree.querySelectorAll("[role=treeitem]")) {
      item.setAttribute("tabindex", item.dataset.id === id ? "0" : "-1");
      if (item.dataset.id === id) item.focus();
    }
  }
  function activate(index) {
    const item = visible[index];
    if (!item) return;
    if (item.node.kind === "run") action(model, "show_log", { run_id: Number(item.node.ref) });
    else if (item.hasChildren) toggle(item.node.id);
  }
  function toggle(id, open = collapsed.has(id)) {
    if (open) collapsed.delete(id); else collapsed.add(id);
    drawTree();
    focusNode(id);
  }
  tree.addEventListener("keydown", (event) => {
    const line = event.target.closest("[role=treeitem]");
    if (!line || event.altKey || event.ctrlKey || event.metaKey) return;
    const index = visible.findIndex((v) => v.node.id === line.dataset.id);
    const move = treeKey(visible, index, event.key);
    if (!move) return;
    event.preventDefault();
    event.stopPropagation();
    if ("focus" in move) focusNode(visible[move.focus].node.id);
    else if ("expand" in move) toggle(move.expand, true);
    else if ("collapse" in move) toggle(move.collapse, false);
    else if ("activate" in move) activate(move.activate);
  });
  tree.addEventListener("click", (event) => {
    const line = event.target.closest("[role=treeitem]");
    if (!line) return;
    const index = visible.findIndex((v) => v.node.id === line.dataset.id);
    focusNode(line.dataset.id);
    activate(index);
  });

  // -- drawing the rest ------------------------------------------------------------------------------
  function drawTitle() {
    title.textContent = model.get("title") || "Tasks";
    grid.setOptions({ emptyText: model.get("empty_text") || "No tasks" });
  }
  function drawDetail() {
    const d = model.get("detail") || {};
    const open = d.id !== undefined && d.id !== null;
    detail.hidden = !open;
    if (!open) return;
    detailTitle.textContent = `Task ${d.id}${d.name ? `: ${d.name}` : ""}`;
    detailPill.replaceChildren(pill(d.status));
    const items = [
      ["Image", d.image],
      ["Created", localTime(d.created_at)],
      ["Finished", d.finished ? (localTime(d.finished_at) || "yes") : "not yet"],
      ["Runs", d.runs + (d.failed ? ` (${d.failed} failed)` : "") + (d.subtasks ? `; ${d.subtasks} subtask${d.subtasks === 1 ? "" : "s"}` : "")],
      ["Description", d.description],
    ].filter(([, v]) => v);
    meta.replaceChildren(...items.map(([k, v]) => el("div", { class: "lp-tl-meta-item" }, el("dt", {}, k), el("dd", {}, v))));
    kill.disabled = !d.can_kill;
    kill.title = d.can_kill ? `Stop task ${d.id} and its subtasks on every node` : `Task ${d.id} has ended: nothing to kill`;
    for (const b of downloads.querySelectorAll("button")) {
      b.title = `Save task ${d.id} ${b.dataset.what} as ${b.dataset.fmt.toUpperCase()}`;
    }
  }
  function drawLog() {
    const lines = model.get("log_lines") || [];
    log.hidden = model.get("log_run") === null || model.get("log_run") === undefined;
    logTitle.textContent = model.get("log_title") || "";
    const marked = new Set(model.get("log_highlight") || []);
    logBody.replaceChildren(...lines.map((text, i) => {
      const line = el("div", { class: `lp-tl-log-line${marked.has(i) ? " lp-tl-log-error" : ""}` });
      if (marked.has(i)) line.append(el("span", { class: "lp-tl-log-mark" }, "error line: "));
      line.append(document.createTextNode(text === "" ? "\u00a0" : text));
      return line;
    }));
    if (!lines.length) logBody.append(el("div", { class: "lp-tl-log-empty" }, "This run wrote no log"));
    drawTree();
  }
  function drawMessage() {
    message.textContent = model.get("message") || "";
    message.dataset.kind = model.get("message_kind") || "info";
    message.hidden = !model.get("message");
  }
  function onFile(msg, buffers) {
    if (!msg || msg.type !== "file" || !buffers || !buffers.length) return;
    const blob = new Blob([buffers[0]], { type: msg.mime || "application/octet-stream" });
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: String(msg.filename || "task.json"), hidden: true });
    root.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
  function onPatch(msg) {
    if (!msg || msg.type !== "patch") return;
    if (msg.table === "task_rows") { // initialize() patched the model's rows already
      rows = rowsFromWire(model.get("task_rows"));
      drawList(); // the chips count statuses: the whole list is filtered again
    }
  }

  const handlers = [
    ["change:task_rows", () => { rows = rowsFromWire(model.get("task_rows")); drawList(); }],
    ["change:columns", () => grid.setColumns(model.get("columns") || [])],
    ["change:query", () => {
      const q = model.get("query") || "";
      if (q !== query && document.activeElement !== search) { query = q; search.value = q; drawList(); }
    }],
    ["change:status_filter", () => {
      const s = model.get("status_filter") || "all";
      if (s !== status) { status = s; drawList(); }
    }],
    ["change:opened", drawList],
    ["change:title", drawTitle],
    ["change:empty_text", drawTitle],
    ["change:detail", drawDetail],
    ["change:tree_rows", () => { nodes = rowsFromWire(model.get("tree_rows")); drawTree(); }],
    ["change:log_lines", drawLog],
    ["change:log_run", drawLog],
    ["change:log_title", drawLog],
    ["change:log_highlight", drawLog],
    ["change:message", drawMessage],
    ["change:message_kind", drawMessage],
    ["msg:custom", onFile],
    ["msg:custom", onPatch],
  ];
  for (const [event, fn] of handlers) model.on(event, fn);
  drawTitle(); drawList(); drawDetail(); drawLog(); drawMessage();

  return () => {
    clearTimeout(sendTimer);
    for (const [event, fn] of handlers) model.off(event, fn);
    grid.destroy();
  };
}

function initialize({ model }) {
  model.on("msg:custom", (msg) => {
    if (msg && msg.type === "patch" && msg.table === "task_rows") patchWire(model.get("task_rows"), msg.keys, msg.rows, "id");
  });
}

export default { initialize, render };
