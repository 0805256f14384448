// What a panel's view does with its model, the same way in every o²S²PARC view: send a
// click as an action message naming a panel method, redraw when traits change, show the
// panel's status line, and a search box that sends what is typed once typing pauses.
// Text is always set with textContent. Nothing here runs at import time.
import { el } from "./dom.js";
import { patchRowsFromWire, rowsFromWire } from "./grid.js";

// act(name, args, buffers): the action message for the panel method `name`.
export function actions(model) {
  return (name, args = {}, buffers = undefined) =>
    model.send({ type: "action", name, args }, undefined, buffers);
}

// Call `draw` whenever one of the traits `names` changes; returns `draw`.
export function watch(model, names, draw) {
  for (const name of names) model.on(`change:${name}`, draw);
  return draw;
}

// The status line of a panel: its `message`, coloured by `message_kind`, announced politely.
export function statusLine(model) {
  const line = el("div", { class: "lp-status-line", role: "status", "aria-live": "polite" });
  watch(model, ["message", "message_kind"], () => {
    line.textContent = model.get("message");
    line.dataset.kind = model.get("message_kind");
  })();
  return line;
}

// Call `fn` once calls stop coming for `wait` ms (with the last call's arguments).
export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

// A search input (`attrs` as for el) that calls onText(text) once typing pauses for
// 150 ms; Escape empties it at once. Its keys never reach the notebook.
export function searchBox(attrs, onText) {
  const input = el("input", { class: "lp-input", type: "search", ...attrs });
  const later = debounce(() => onText(input.value), 150);  // the text when it fires
  input.addEventListener("input", later);
  input.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Escape") { input.value = ""; onText(""); }
  });
  return input;
}

// Register handlers on the model, given as {"change:a change:b": fn, "msg:custom": fn};
// returns the function that removes them all again (a view's cleanup).
export function listen(model, handlers) {
  const each = (f) => Object.entries(handlers)
    .forEach(([events, fn]) => events.split(" ").forEach((event) => f(event, fn)));
  each((event, fn) => model.on(event, fn));
  return () => each((event, fn) => model.off(event, fn));
}

// Show the panel's `message` in `line`, marked with `message_kind`; hidden while empty.
export function showMessage(model, line) {
  line.textContent = model.get("message") || "";
  line.dataset.kind = model.get("message_kind") || "info";
  line.hidden = !model.get("message");
}

// The handlers (for listen) that keep `grid` drawing a table panel's `rows`, `columns`,
// sort and row patches.
export function gridHandlers(model, grid) {
  return {
    "change:rows": () => grid.setRows(rowsFromWire(model.get("rows"))),
    "change:columns": () => grid.setColumns(model.get("columns")),
    "change:sort_by change:sort_desc": () => grid.setSort(model.get("sort_by"), model.get("sort_desc")),
    "msg:custom": (msg) => {
      if (msg && msg.type === "patch" && (!msg.table || msg.table === "rows")) {
        grid.patchRows(patchRowsFromWire(msg.keys, msg.rows));
      }
    },
  };
}
