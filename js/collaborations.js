// CollaborationBrowser: the collaborations grid, the summary line, the organizations
// grid and the nodes grid, drawn from the panel's traits. Choosing a collaboration (a
// click, or Enter/Space on its row) sends the action "select"; the Refresh button
// "refresh". Node and collaboration rows change by patch messages, applied to the
// model in initialize() so every view agrees. Server text is always textContent.
import { button, el, icon, uniqueId } from "./lib/dom.js";
import { createGrid, patchRowsFromWire, patchWire, rowsFromWire } from "./lib/grid.js";
import { listen, showMessage } from "./lib/view.js";

const TABLES = {
  collaborations: { trait: "collaboration_rows", title: "Collaborations", selectable: "single", sortBy: "name" },
  organizations: { trait: "organization_rows", title: "Organizations", selectable: "none", sortBy: "name" },
  nodes: { trait: "node_rows", title: "Nodes", selectable: "none", sortBy: "organization", filter: true },
};


function render({ model, el: host }) {
  const id = uniqueId("lp-collab");
  const action = (name, args = {}) => model.send({ type: "action", name, args });
  const refresh = button("Refresh", "refresh", () => action("refresh"), { class: "lp-button lp-collab-refresh" });
  const summary = el("p", { class: "lp-collab-summary", "aria-live": "polite" });
  const status = el("div", { class: "lp-collab-message", role: "status", "aria-live": "polite" });
  const root = el("div", { class: "lp-theme lp-collaborations lp-panel" });
  host.append(root);

  const grids = {};
  const counts = {};
  for (const [name, spec] of Object.entries(TABLES)) {
    const titleId = `${id}-${name}`;
    const head = el("div", { class: "lp-collab-head" }, el("h3", { class: "lp-collab-title", id: titleId }, spec.title));
    let filter = null;
    if (name === "collaborations") head.append(refresh);
    if (spec.filter) {
      filter = el("input", { type: "search", id: `${titleId}-filter`, class: "lp-table-filter", placeholder: "Filter…", autocomplete: "off", spellcheck: "false" });
      counts[name] = el("span", { class: "lp-table-count", "aria-live": "polite" });
      head.append(el("span", { class: "lp-collab-filter" },
        el("label", { for: `${titleId}-filter`, class: "lp-table-filter-label" }, icon("search"),
          el("span", { class: "lp-visually-hidden" }, `Filter ${spec.title.toLowerCase()}`)),
        filter, counts[name]));
    }
    const box = el("div", { class: `lp-table lp-collab-${name}` });
    root.append(head, box);
    if (name === "collaborations") root.append(summary);
    grids[name] = createGrid(box, {
      key: "id",
      label: spec.title,
      columns: (model.get("columns") || {})[name] || [],
      rows: rowsFromWire(model.get(spec.trait)),
      selectable: spec.selectable,
      selected: name === "collaborations" && model.get("current") !== null ? [model.get("current")] : [],
      height: (model.get("heights") || {})[name] || 170,
      emptyText: (model.get("empty_texts") || {})[name] || "Nothing to show",
      sortBy: spec.sortBy,
      onSelect: name === "collaborations" ? (keys) => { if (keys.length) action("select", { collaboration: keys[0] }); } : null,
      onChange: counts[name] ? ({ total, shown }) => {
        counts[name].textContent = shown === total ? `${total} node${total === 1 ? "" : "s"}` : `${shown} of ${total}`;
      } : null,
    });
    if (filter) {
      filter.addEventListener("input", () => grids[name].setFilter(filter.value));
      filter.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && filter.value) { filter.value = ""; grids[name].setFilter(""); }
        if (event.key === "ArrowDown") { event.preventDefault(); grids[name].focus(); }
        if (["Enter", "Escape", "ArrowDown"].includes(event.key)) event.stopPropagation();
      });
    }
  }
  root.append(status);

  function showSummary() {
    summary.textContent = model.get("summary") || "";
    summary.hidden = !model.get("summary");
  }
  function showCurrent() {
    const current = model.get("current");
    grids.collaborations.setSelected(current === null || current === undefined ? [] : [current]);
  }

  const handlers = {
    "change:summary": showSummary,
    "change:message change:message_kind": () => showMessage(model, status),
    "change:current": showCurrent,
    "change:columns": () => { for (const name of Object.keys(TABLES)) grids[name].setColumns((model.get("columns") || {})[name] || []); },
    "msg:custom": (msg) => {
      if (!msg || msg.type !== "patch") return;
      const name = Object.keys(TABLES).find((n) => TABLES[n].trait === msg.table);
      if (name) grids[name].patchRows(patchRowsFromWire(msg.keys, msg.rows));
    },
  };
  for (const [name, spec] of Object.entries(TABLES)) {
    handlers[`change:${spec.trait}`] = () => grids[name].setRows(rowsFromWire(model.get(spec.trait)));
  }
  const unlisten = listen(model, handlers);
  showSummary();
  showMessage(model, status);

  return () => {
    unlisten();
    for (const grid of Object.values(grids)) grid.destroy();
  };
}

function initialize({ model }) {
  model.on("msg:custom", (msg) => {
    if (!msg || msg.type !== "patch") return;
    const spec = Object.values(TABLES).find((t) => t.trait === msg.table);
    if (spec) patchWire(model.get(spec.trait), msg.keys, msg.rows, "id");
  });
}

export default { initialize, render };
