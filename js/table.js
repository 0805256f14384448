// The Table panel (labpanels.widgets.Table): a filter box, a row count and one grid
// (lib/grid.js). Rows arrive as names once + lists ({keys, data}); a "patch" message
// holds only the changed rows and is applied to the model in initialize(), so every
// view of the table (also one drawn later) shows it; each view then redraws only those
// rows. Every cell is text (textContent), never HTML.
import { el, icon, uniqueId } from "./lib/dom.js";
import { createGrid, patchWire, rowsFromWire } from "./lib/grid.js";
import { gridHandlers, listen, showMessage } from "./lib/view.js";


function render({ model, el: host }) {
  const id = uniqueId("lp-table");
  const filter = el("input", {
    type: "search", id: `${id}-filter`, class: "lp-table-filter", placeholder: "Filter…",
    autocomplete: "off", spellcheck: "false", value: model.get("filter_text"),
  });
  const count = el("span", { class: "lp-table-count", "aria-live": "polite" });
  const toolbar = el("div", { class: "lp-table-toolbar" },
    el("label", { class: "lp-table-filter-label", for: `${id}-filter` },
      icon("search"), el("span", { class: "lp-visually-hidden" }, "Filter rows")),
    filter, count);
  const gridBox = el("div", { class: "lp-table-grid" });
  const status = el("div", { class: "lp-table-message", role: "status", "aria-live": "polite" });
  const root = el("div", { class: "lp-theme lp-table" }, toolbar, gridBox, status);
  host.append(root);

  const grid = createGrid(gridBox, {
    key: model.get("key"),
    columns: model.get("columns"),
    rows: rowsFromWire(model.get("rows")),
    selectable: model.get("selectable"),
    selected: model.get("selected"),
    rowHeight: model.get("row_height"),
    height: model.get("height"),
    emptyText: model.get("empty_text"),
    label: model.get("label"),
    sortBy: model.get("sort_by"),
    sortDesc: model.get("sort_desc"),
    filter: model.get("filter_text"),
    onSelect(keys) { model.set("selected", keys); model.save_changes(); },
    onSort(by, desc) { model.set("sort_by", by); model.set("sort_desc", desc); model.save_changes(); },
    onChange({ total, shown }) {
      count.textContent = shown === total ? `${total} row${total === 1 ? "" : "s"}` : `${shown} of ${total}`;
    },
  });
  // onChange ran before `grid` existed in the first draw: the count is right already.

  filter.addEventListener("input", () => {
    grid.setFilter(filter.value); // at once, without waiting for the kernel
    model.set("filter_text", filter.value);
    model.save_changes();
  });
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && filter.value) {
      filter.value = "";
      filter.dispatchEvent(new Event("input"));
    }
    if (event.key === "Enter" || event.key === "Escape") event.stopPropagation();
    if (event.key === "ArrowDown") { event.preventDefault(); event.stopPropagation(); grid.focus(); }
  });

  const unlisten = listen(model, {
    ...gridHandlers(model, grid),
    "change:selected": () => grid.setSelected(model.get("selected")),
    "change:filter_text": () => {
      if (filter.value !== model.get("filter_text")) filter.value = model.get("filter_text");
      grid.setFilter(model.get("filter_text"));
    },
    "change:height": () => grid.setOptions({ height: model.get("height") }),
    "change:row_height": () => grid.setOptions({ rowHeight: model.get("row_height") }),
    "change:empty_text": () => grid.setOptions({ emptyText: model.get("empty_text") }),
    "change:selectable": () => grid.setOptions({ selectable: model.get("selectable") }),
    "change:label": () => grid.setOptions({ label: model.get("label") }),
    "change:key": () => { grid.setOptions({ key: model.get("key") }); grid.setRows(rowsFromWire(model.get("rows"))); },
    "change:message change:message_kind": () => showMessage(model, status),
  });
  showMessage(model, status);

  return () => {
    unlisten();
    grid.destroy();
  };
}

function initialize({ model }) {
  // the model's own rows take the patch (in place: a `set` would mark them changed by
  // the browser and the next save would send every row back to Python)
  model.on("msg:custom", (msg) => {
    if (msg && msg.type === "patch" && (!msg.table || msg.table === "rows")) {
      patchWire(model.get("rows"), msg.keys, msg.rows, model.get("key"));
    }
  });
}

export default { initialize, render };
