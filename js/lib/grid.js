// The grid of every labpanels table: virtualized (only the visible rows are in the
// DOM), sortable by a header button, filterable, and usable with the keyboard alone.
//
//   const grid = createGrid(container, { key: "id", columns, rows, selectable: "single",
//                                        onSelect: (keys) => ... });
//   grid.setRows(rows); grid.patchRows(changed); grid.setFilter("abc"); ...
//
// ARIA grid: role="grid" with aria-rowcount/aria-colcount, the header row (role="row",
// role="columnheader" cells holding sort buttons, aria-sort) inside the grid, then the
// rows (role="row", aria-rowindex, aria-selected) with a roving tabindex: the grid is
// one Tab stop; ArrowUp/ArrowDown/PageUp/PageDown/Home/End move between rows (ArrowUp
// from the first row reaches the header, ArrowLeft/ArrowRight move between its
// buttons), Enter or Space selects (Ctrl/Shift with them for several rows in a "multi"
// grid). Handled keys stop propagating, so JupyterLab's notebook does not take them.
//
// A sort is made once per (rows, column, direction) with rows.js's collator and
// precomputed keys; a filter keystroke only filters the sorted rows with cached
// lower-case text. A patch replaces the changed rows; a row element is rebuilt only
// when its row (or its selection) changed. Every cell is written with textContent.
//
// The pure parts (moveIndex, nextSelection, cellText, columnTemplate, columnsMinWidth)
// are exported for node tests; createGrid needs a DOM.

import { el, icon, uniqueId } from "./dom.js";
import { formatBytes, formatNumber, localTime, relativeTime, statusClass, statusKind } from "./format.js";
import { applyPatch, createFilter, sorterFor, windowRange } from "./rows.js";

const OVERSCAN = 8;
const DEFAULT_ROW_HEIGHT = 28;
const SPARE_ROWS = 100; // row elements kept for reuse
const DEFAULT_WIDTH = "minmax(80px, 1fr)";

// ---- pure helpers --------------------------------------------------------------------

// The index focus moves to for a key press, or null when `key` is not a moving key.
// Indexes are rows 0..total-1; -1 is the header row (only with header: true, reached by
// ArrowUp from the first row; ArrowDown from it returns to row 0). `page` is the number
// of rows a PageUp/PageDown moves.
export function moveIndex(index, key, total, page = 10, { header = true } = {}) {
  if (total <= 0) return key === "ArrowUp" && header ? -1 : null;
  const last = total - 1;
  const at = Math.min(Math.max(index, header ? -1 : 0), last);
  const step = Math.max(1, Math.floor(page) || 1);
  switch (key) {
    case "ArrowDown": return Math.min(last, at + 1);
    case "ArrowUp": return at <= 0 ? (header ? -1 : 0) : at - 1;
    case "PageDown": return Math.min(last, Math.max(0, at) + step);
    case "PageUp": return Math.max(0, at - step);
    case "Home": return 0;
    case "End": return last;
    default: return null;
  }
}

// The selection after choosing the row `key`: { selected, anchor }.
// mode "none": nothing changes. "single": [key]; Ctrl on the selected row clears it.
// "multi": a plain choice selects only that row; Ctrl adds or removes it; Shift selects
// the rows from the anchor (the last plain or Ctrl choice) to it in `order` (the keys
// as shown). Keys compare as text (7 and "7" are one row); the keys returned are the
// ones given (from `order` for a range).
export function nextSelection({ selected = [], anchor = null } = {}, key, mode,
  { ctrl = false, shift = false } = {}, order = []) {
  const same = (a, b) => String(a) === String(b);
  const has = selected.some((k) => same(k, key));
  if (mode === "single") {
    if (ctrl && has) return { selected: [], anchor: key };
    return { selected: [key], anchor: key };
  }
  if (mode === "multi") {
    if (shift && anchor !== null && anchor !== undefined) {
      const from = order.findIndex((k) => same(k, anchor));
      const to = order.findIndex((k) => same(k, key));
      if (from >= 0 && to >= 0) {
        const [a, b] = from <= to ? [from, to] : [to, from];
        return { selected: order.slice(a, b + 1), anchor };
      }
    }
    if (ctrl) {
      return { selected: has ? selected.filter((k) => !same(k, key)) : [...selected, key], anchor: key };
    }
    return { selected: [key], anchor: key };
  }
  return { selected: selected.slice(), anchor };
}

// The text of a cell: kinds text (default), number, status (the word), ago ("3 min ago",
// "never"), time (local date and time, "14 Mar 2026, 10:32"; empty stays empty), bytes
// ("1.5 kB").
export function cellText(column, value, now = Date.now()) {
  const kind = column && column.kind;
  if (kind === "ago") return relativeTime(value, now);
  if (kind === "time") return localTime(value);
  if (kind === "bytes" && typeof value === "number") return formatBytes(value);
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// CSS grid-template-columns for the columns (their `width`, or a flexible default).
export function columnTemplate(columns) {
  return columns.map((c) => c.width || DEFAULT_WIDTH).join(" ");
}

// The narrowest the rows may get before the grid scrolls sideways: the sum of each
// column's minimum ("120px", "minmax(140px, 2fr)"; 80 px otherwise).
export function columnsMinWidth(columns) {
  let sum = 0;
  for (const c of columns) {
    const m = /^\s*(?:minmax\(\s*)?(\d+(?:\.\d+)?)px/.exec(c.width || "");
    sum += m ? Number(m[1]) : 80;
  }
  return sum;
}

// Rows as Python sends them ({keys: [...names], data: [[...cells], ...]}; a plain list of
// objects is taken as it is) as objects {name: cell}.
export function rowsFromWire(wire) {
  if (Array.isArray(wire)) return wire;
  if (!wire || !Array.isArray(wire.data)) return [];
  const keys = wire.keys || [];
  return wire.data.map((list) => {
    const row = {};
    for (let i = 0; i < keys.length; i++) row[keys[i]] = list[i];
    return row;
  });
}

// A patch from Python ({keys, rows: [[...]]}) as objects.
export function patchRowsFromWire(keys, lists) {
  return rowsFromWire({ keys, data: lists || [] });
}

// Apply a patch (its own `keys` and row lists) to rows in wire form, in place: each row
// replaces the row with the same `key` (compared as text) or is added at the end; a
// name the rows did not have is added to wire.keys. Used in a view module's
// initialize() on the model's own value, so every view (also one drawn later) agrees
// and no later save sends the rows back to Python. Returns `wire`.
export function patchWire(wire, keys, lists, key) {
  if (!wire || !Array.isArray(wire.data)) return wire;
  if (!wire.keys) wire.keys = [];
  for (const k of keys) if (!wire.keys.includes(k)) wire.keys.push(k);
  const at = keys.map((k) => wire.keys.indexOf(k));
  const converted = (lists || []).map((list) => {
    const out = new Array(wire.keys.length);
    at.forEach((p, i) => { out[p] = list[i]; });
    return out;
  });
  applyPatch(wire.data, converted, wire.keys.indexOf(key), { inPlace: true });
  return wire;
}

// ---- the component -------------------------------------------------------------------


export function createGrid(container, options = {}) {
  const o = {
    key: "id", columns: [], rows: [], selectable: "single", selected: [], rowHeight: DEFAULT_ROW_HEIGHT,
    height: 300, emptyText: "Nothing to show", label: "", sortBy: "", sortDesc: false, filter: "",
    rowClass: null, onSelect: null, onSort: null, onActivate: null, onChange: null, ...options,
  };
  const id = uniqueId("lp-grid");
  let columns = o.columns.slice();
  let rows = o.rows.slice();
  let selected = o.selected.slice();
  let selectedSet = new Set(selected.map(String));
  let anchor = null;
  let sortBy = o.sortBy || "";
  let sortDesc = !!o.sortDesc;
  let filterText = o.filter || "";
  let sortedCache = null; // { rows, by, desc, result }
  let view = [];          // rows shown: sorted, then filtered
  let viewIndex = null;   // key -> index in view, built on demand
  let activeKey = null;   // the row holding the roving tab stop
  let activeRow = null;   // ... its row object, when known
  let area = "rows";      // "rows" or "header": where the tab stop is
  let activeCol = 0;
  let drawn = new Map();  // key -> { el, row, index, sel }
  let version = 0;        // bumps when every shown row must be drawn again ("3 min ago" aged)
  let shape = 0;          // bumps when columns or row options change: row elements are rebuilt
  let destroyed = false;
  // The geometry a draw needs, kept so that a keystroke or a patch never forces a layout:
  // the scroll position (read when the user scrolls), the box's and the header's heights
  // (read by a ResizeObserver, when layout is already done).
  let scrollTop = 0;
  let boxHeight = 0;
  let headerHeight = 0;
  const spare = [];       // row elements no longer shown, reused before new ones are made
  const filter = createFilter((row) => columns.map((c) => cellText(c, row[c.key])));

  const header = el("div", { class: "lp-grid-header", role: "row", "aria-rowindex": "1" });
  const body = el("div", { class: "lp-grid-body", role: "presentation" });
  const inner = el("div", { class: "lp-grid-inner", role: "presentation" }, header, body);
  const scroller = el("div", { class: "lp-grid-scroll", role: "grid", id }, inner);
  const empty = el("div", { class: "lp-grid-empty", role: "note" });
  const root = el("div", { class: "lp-grid" }, scroller, empty);
  container.append(root);

  const rowHeight = () => Math.max(1, Number(o.rowHeight) || DEFAULT_ROW_HEIGHT);
  const keyOf = (row) => row[o.key];
  const sel = (k) => selectedSet.has(String(k));

  function applyOptions() {
    scroller.style.maxHeight = `${o.height}px`;
    if (o.label) scroller.setAttribute("aria-label", o.label); else scroller.removeAttribute("aria-label");
    if (o.selectable === "multi") scroller.setAttribute("aria-multiselectable", "true");
    else scroller.removeAttribute("aria-multiselectable");
    root.dataset.selectable = o.selectable;
    root.style.setProperty("--lp-grid-row-height", `${rowHeight()}px`);
  }

  // -- header ---------------------------------------------------------------------------
  function drawHeader() {
    const template = columnTemplate(columns);
    const minWidth = `${columnsMinWidth(columns)}px`;
    inner.style.minWidth = minWidth;
    header.style.gridTemplateColumns = template;
    root.style.setProperty("--lp-grid-template", template); // every row's columns
    scroller.setAttribute("aria-colcount", String(columns.length));
    header.replaceChildren(...columns.map((column, i) => {
      const sorted = column.key === sortBy;
      const cell = el("div", {
        class: "lp-grid-columnheader", role: "columnheader", "aria-colindex": String(i + 1),
        "aria-sort": sorted ? (sortDesc ? "descending" : "ascending") : null,
      });
      const button = el("button", {
        type: "button", tabindex: "-1",
        class: `lp-grid-head lp-table-head${sorted ? (sortDesc ? " lp-sorted-desc" : " lp-sorted-asc") : ""}`,
        dataset: { column: column.key, index: String(i) },
        title: `Sort by ${column.label || column.key}`,
      }, el("span", { class: "lp-grid-head-label" }, column.label || column.key),
      sorted ? icon("chevron", { className: sortDesc ? "lp-sort-desc" : "lp-sort-asc" }) : null);
      button.addEventListener("click", () => {
        activeCol = i;
        area = "header";
        if (sortBy === column.key) setSort(column.key, !sortDesc, true);
        else setSort(column.key, false, true);
      });
      cell.append(button);
      return cell;
    }));
    updateTabStop();
  }

  // -- rows -------------------------------------------------------------------------------
  function sortedRows() {
    if (!sortBy || !columns.length) return rows;
    const c = sortedCache;
    if (c && c.rows === rows && c.by === sortBy && c.desc === sortDesc) return c.result;
    const result = sorterFor(sortBy)(rows, sortDesc);
    sortedCache = { rows, by: sortBy, desc: sortDesc, result };
    return result;
  }

  function recompute() {
    const started = performance.now();
    view = filter.apply(sortedRows(), filterText);
    viewIndex = null;
    if (activeKey !== null && activeIndex() < 0) activeKey = null;
    if (activeKey === null && view.length) setActive(view[0]);
    scroller.setAttribute("aria-rowcount", String(view.length + 1));
    body.style.height = `${view.length * rowHeight()}px`;
    empty.textContent = view.length ? "" : (filterText && rows.length ? "No rows match the filter" : o.emptyText);
    empty.hidden = view.length > 0;
    root.classList.toggle("lp-grid-is-empty", view.length === 0);
    draw();
    if (o.onChange) o.onChange({ total: rows.length, shown: view.length });
    root.dataset.recomputeMs = (performance.now() - started).toFixed(1); // for benchmarks
  }

  // The index of the tab-stop row in view (-1 when not shown): by the row object first
  // (no map of 5,000 keys for a keystroke), by its key when a patch replaced it.
  function setActive(row) { activeKey = keyOf(row); activeRow = row; }

  function activeIndex() {
    if (activeKey === null) return -1;
    let i = activeRow ? view.indexOf(activeRow) : -1;
    if (i < 0) {
      const k = String(activeKey);
      i = viewIndex ? indexOfKey(k) : view.findIndex((row) => String(keyOf(row)) === k);
      activeRow = i >= 0 ? view[i] : null;
    }
    return i;
  }

  function indexOfKey(k) {
    if (!viewIndex) {
      viewIndex = new Map();
      view.forEach((row, i) => viewIndex.set(String(keyOf(row)), i));
    }
    const i = viewIndex.get(String(k));
    return i === undefined ? -1 : i;
  }

  function viewportHeight() {
    const h = boxHeight || o.height;
    return Math.max(0, h - (headerHeight || rowHeight()));
  }

  // The scroll position the browser will have once the body's new height is laid out
  // (it clamps a position past the end), computed rather than read.
  function clampedScrollTop() {
    const most = Math.max(0, view.length * rowHeight() - viewportHeight());
    return Math.min(scrollTop, most);
  }

  function measure() {
    boxHeight = scroller.clientHeight;
    headerHeight = header.offsetHeight;
    scrollTop = scroller.scrollTop;
  }

  function rowClassName(row, isSel) {
    let cls = "lp-grid-row lp-table-row";
    if (isSel) cls += " lp-selected";
    if (row._class) cls += " " + String(row._class).split(/\s+/).filter(Boolean).map((c) => `lp-row-${c}`).join(" ");
    if (o.rowClass) { const extra = o.rowClass(row); if (extra) cls += ` ${extra}`; }
    return cls;
  }

  // Fill a cell with a row's value: a status pill (word and colour) or plain text.
  function fillCell(cell, column, value, now) {
    const text = cellText(column, value, now);
    const kind = column.kind || "text";
    const title = (kind === "ago" || kind === "time") && value ? String(value) : text;
    if (cell.title !== title) cell.title = title;
    if (column.kind === "status") {
      const pill = cell.firstElementChild;
      if (!text) { if (pill) cell.replaceChildren(); return; }
      const cls = `lp-status lp-status-${statusClass(value)}`;
      if (pill && pill.textContent === text && pill.className === cls) return;
      cell.replaceChildren(el("span", { class: cls, dataset: { statusKind: statusKind(value) } }, text));
    } else if (cell.textContent !== text) {
      cell.textContent = text;
    }
  }

  function newRowElement() {
    const line = el("div", { class: "lp-grid-row", role: "row", tabindex: "-1" });
    columns.forEach((column, i) => {
      line.append(el("div", {
        class: `lp-grid-cell lp-grid-${column.kind || "text"}${column.wrap ? " lp-grid-wrap" : ""}`,
        role: "gridcell", "aria-colindex": String(i + 1), dataset: { column: column.key },
      }));
    });
    line.lpShape = shape;
    return line;
  }

  // The element of a row at `index`: `line` (or a spare one of the same columns) refilled,
  // or a new one.
  function rowElement(row, index, line = null) {
    while (!line && spare.length) {
      const candidate = spare.pop();
      if (candidate.lpShape === shape) line = candidate;
    }
    if (!line) line = newRowElement();
    const k = keyOf(row);
    const isSel = sel(k);
    const cls = rowClassName(row, isSel);
    if (line.className !== cls) line.className = cls;
    line.setAttribute("aria-rowindex", String(index + 2));
    if (o.selectable === "none") line.removeAttribute("aria-selected");
    else line.setAttribute("aria-selected", String(isSel));
    line.dataset.key = String(k);
    line.style.transform = `translateY(${index * rowHeight()}px)`;
    const now = Date.now();
    const cells = line.children;
    columns.forEach((column, i) => fillCell(cells[i], column, row[column.key], now));
    return line;
  }

  function draw() {
    if (destroyed) return;
    const { first, last } = windowRange(clampedScrollTop(), viewportHeight(), rowHeight(), view.length, OVERSCAN);
    const wanted = new Map();
    for (let i = first; i < last; i++) wanted.set(String(keyOf(view[i])), i);
    const ai = activeIndex();
    if (ai >= 0) wanted.set(String(activeKey), ai); // the tab stop always exists
    for (const [k, entry] of drawn) {
      if (wanted.has(k)) continue;
      drawn.delete(k);
      if (entry.el.contains(document.activeElement)) { entry.el.remove(); continue; }
      spare.push(entry.el); // detached below, unless reused first
    }
    for (const [k, i] of wanted) {
      const row = view[i];
      const isSel = sel(k);
      const entry = drawn.get(k);
      if (entry && entry.row === row && entry.sel === isSel && entry.version === version
          && entry.el.lpShape === shape) {
        if (entry.index !== i) {
          entry.el.style.transform = `translateY(${i * rowHeight()}px)`;
          entry.el.setAttribute("aria-rowindex", String(i + 2));
          entry.index = i;
        }
        continue;
      }
      if (entry && entry.el.lpShape === shape) {  // refilled: the focus stays on it
        rowElement(row, i, entry.el);
        drawn.set(k, { el: entry.el, row, index: i, sel: isSel, version });
        continue;
      }
      if (entry) {  // other columns: a new element in its place
        const line = rowElement(row, i);
        const hadFocus = entry.el.contains(document.activeElement);
        entry.el.replaceWith(line);
        if (hadFocus) line.focus({ preventScroll: true });
        drawn.set(k, { el: line, row, index: i, sel: isSel, version });
        continue;
      }
      const line = rowElement(row, i);
      if (line.parentNode !== body) body.append(line);
      drawn.set(k, { el: line, row, index: i, sel: isSel, version });
    }
    for (const line of spare) if (line.parentNode) line.remove();
    if (spare.length > SPARE_ROWS) spare.length = SPARE_ROWS;
    keepDomOrder();
    updateTabStop();
    root.dataset.drawnRows = String(drawn.size);
  }

  // Row elements in the order shown (screen readers and find-in-page read DOM order);
  // moved only when a sort or filter changed it, keeping the focus where it was.
  function keepDomOrder() {
    const ordered = [...drawn.values()].sort((a, b) => a.index - b.index).map((e) => e.el);
    const children = body.children;
    let same = children.length === ordered.length;
    for (let i = 0; same && i < ordered.length; i++) same = children[i] === ordered[i];
    if (same) return;
    const focused = body.contains(document.activeElement) ? document.activeElement : null;
    body.append(...ordered);
    if (focused && focused !== document.activeElement) focused.focus({ preventScroll: true });
  }

  function updateTabStop() {
    const onRows = area === "rows" && activeKey !== null && drawn.has(String(activeKey));
    for (const [k, entry] of drawn) {
      const want = onRows && k === String(activeKey) ? "0" : "-1";
      if (entry.el.getAttribute("tabindex") !== want) entry.el.setAttribute("tabindex", want);
    }
    const buttons = header.querySelectorAll("button");
    if (activeCol >= buttons.length) activeCol = 0;
    buttons.forEach((b, i) => b.setAttribute("tabindex", !onRows && i === activeCol ? "0" : "-1"));
  }

  // -- focus and keys -----------------------------------------------------------------------
  function scrollToIndex(i) {
    const rh = rowHeight();
    const h = viewportHeight();
    const top = i * rh;
    const now = clampedScrollTop();
    if (top < now) scroller.scrollTop = scrollTop = top;
    else if (top + rh > now + h) scroller.scrollTop = scrollTop = top + rh - h;
  }

  function focusIndex(i) {
    if (i < 0) { focusHeader(activeCol); return; }
    if (!view.length) return;
    const index = Math.min(i, view.length - 1);
    area = "rows";
    setActive(view[index]);
    scrollToIndex(index);
    draw();
    const entry = drawn.get(String(activeKey));
    if (entry) entry.el.focus({ preventScroll: true });
  }

  function focusHeader(col) {
    const buttons = header.querySelectorAll("button");
    if (!buttons.length) return;
    area = "header";
    activeCol = Math.max(0, Math.min(col, buttons.length - 1));
    updateTabStop();
    buttons[activeCol].focus({ preventScroll: true });
  }

  function choose(k, mods, via) {
    if (o.selectable === "none") { if (o.onActivate) o.onActivate(k, via); return; }
    const next = nextSelection({ selected, anchor }, k, o.selectable, mods, view.map(keyOf));
    anchor = next.anchor;
    const changed = next.selected.length !== selected.length
      || next.selected.some((x, i) => String(x) !== String(selected[i]));
    if (changed) {
      setSelected(next.selected);
      if (o.onSelect) o.onSelect(next.selected.slice(), { key: k, via });
    }
    if (o.onActivate) o.onActivate(k, via);
  }

  function rowOf(target) {
    const line = target && target.closest ? target.closest(".lp-grid-row") : null;
    return line && body.contains(line) ? line : null;
  }

  function onKeyDown(event) {
    if (event.altKey) return;
    const line = rowOf(event.target);
    const button = event.target.closest && event.target.closest(".lp-grid-head");
    let handled = false;
    if (line) {
      const k = line.dataset.key;
      const index = indexOfKey(k);
      const page = Math.max(1, Math.floor(viewportHeight() / rowHeight()) - 1);
      const next = moveIndex(index, event.key, view.length, page);
      if (next !== null) {
        focusIndex(next);
        handled = true;
      }
      if (event.key === "Enter" || event.key === " ") {
        const row = view[index];
        if (row) choose(keyOf(row), { ctrl: event.ctrlKey || event.metaKey, shift: event.shiftKey }, "keyboard");
        handled = true;
      }
    } else if (button) {
      const i = Number(button.dataset.index);
      if (event.key === "ArrowLeft") { focusHeader(i - 1); handled = true; }
      else if (event.key === "ArrowRight") { focusHeader(i + 1); handled = true; }
      else if (event.key === "Home") { focusHeader(0); handled = true; }
      else if (event.key === "End") { focusHeader(columns.length - 1); handled = true; }
      else if (event.key === "ArrowDown") { focusIndex(Math.max(0, activeIndex())); handled = true; }
      else if (event.key === "Enter" || event.key === " ") {
        event.stopPropagation(); // the button's own click sorts; the notebook must not see the key
        return;
      }
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  function onClick(event) {
    const line = rowOf(event.target);
    if (!line) return;
    const k = line.dataset.key;
    const index = indexOfKey(k);
    if (index < 0) return;
    area = "rows";
    setActive(view[index]);
    updateTabStop();
    line.focus({ preventScroll: true });
    choose(activeKey, { ctrl: event.ctrlKey || event.metaKey, shift: event.shiftKey }, "pointer");
  }

  function onFocusIn(event) {
    const line = rowOf(event.target);
    if (line) {
      const index = indexOfKey(line.dataset.key);
      if (index >= 0) { area = "rows"; setActive(view[index]); updateTabStop(); }
      return;
    }
    const button = event.target.closest && event.target.closest(".lp-grid-head");
    if (button) { area = "header"; activeCol = Number(button.dataset.index) || 0; updateTabStop(); }
  }

  let scheduled = false;
  function onScroll() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; scrollTop = scroller.scrollTop; draw(); });
  }

  scroller.addEventListener("keydown", onKeyDown);
  scroller.addEventListener("click", onClick);
  scroller.addEventListener("focusin", onFocusIn);
  scroller.addEventListener("scroll", onScroll, { passive: true });
  let resize = null;
  if (typeof ResizeObserver !== "undefined") {
    resize = new ResizeObserver(() => { measure(); draw(); });
    resize.observe(scroller);
    resize.observe(header);
  }
  // "3 min ago" grows old: redraw the visible rows (and forget their filter text)
  const tick = setInterval(() => {
    if (!columns.some((c) => c.kind === "ago")) return;
    filter.forget();
    version++;
    draw();
    primeFilter();
  }, 30000);

  // -- API ------------------------------------------------------------------------------------
  function setColumns(next) {
    columns = (next || []).slice();
    filter.forget();
    shape++;
    drawHeader();
    recompute();
  }

  function setRows(next) {
    rows = (next || []).slice();
    sortedCache = null;
    recompute();
    primeFilter();
  }

  // Make every row's search text while the page is idle, so the first keystroke in a
  // filter box costs no more than the next ones.
  let priming = null;
  function primeFilter() {
    const idle = globalThis.requestIdleCallback;
    if (!idle || priming !== null) return;
    let i = 0;
    const step = (deadline) => {
      const list = rows;
      while (i < list.length && deadline.timeRemaining() > 1) filter.prime(list[i++]);
      priming = i < list.length && !destroyed ? idle(step) : null;
    };
    priming = idle(step);
  }

  // Replace rows with the same key, add the others at the end. Rows whose sort value
  // did not change keep their place without a sort.
  function patchRows(changed) {
    if (!changed || !changed.length) return;
    const before = new Map();
    const positions = new Map();
    rows.forEach((row, i) => positions.set(String(keyOf(row)), i));
    let resort = false;
    for (const row of changed) {
      const i = positions.get(String(keyOf(row)));
      if (i === undefined) { resort = true; continue; }
      before.set(String(keyOf(row)), rows[i]);
      if (sortBy && rows[i][sortBy] !== row[sortBy]) resort = true;
    }
    rows = applyPatch(rows, changed, o.key); // a new array: the old sort is stale only if resort
    for (const row of changed) filter.prime(row);
    if (resort || !sortedCache) {
      sortedCache = null;
    } else {
      // keep the sorted order; put the new row objects in the old ones' places
      const result = sortedCache.result.slice();
      const latest = new Map(changed.map((row) => [String(keyOf(row)), row]));
      for (let i = 0; i < result.length; i++) {
        const k = String(keyOf(result[i]));
        if (latest.has(k) && before.has(k)) result[i] = latest.get(k);
      }
      sortedCache = { rows, by: sortBy, desc: sortDesc, result };
    }
    recompute();
    root.dataset.patches = String(Number(root.dataset.patches || 0) + 1);
  }

  function setSelected(keys) {
    const next = (keys || []).slice();
    if (next.length === selected.length && next.every((k, i) => String(k) === String(selected[i]))) return;
    selected = next;
    selectedSet = new Set(selected.map(String));
    draw();
  }

  function setFilter(text) {
    const next = String(text ?? "");
    if (next === filterText) return;
    filterText = next;
    recompute();
  }

  function setSort(by, desc = false, fromUser = false) {
    const nextBy = by || "";
    const nextDesc = !!desc;
    if (nextBy === sortBy && nextDesc === sortDesc) return;
    sortBy = nextBy;
    sortDesc = nextDesc;
    const hadFocus = header.contains(document.activeElement);
    drawHeader();
    recompute();
    if (hadFocus) focusHeader(activeCol);
    if (fromUser && o.onSort) o.onSort(sortBy, sortDesc);
  }

  function setOptions(next) {
    const redraw = "rowHeight" in next || "selectable" in next || "rowClass" in next;
    Object.assign(o, next);
    applyOptions();
    if (redraw) { shape++; recompute(); } else if ("emptyText" in next) recompute(); else draw();
  }

  function focus() {
    if (view.length) focusIndex(Math.max(0, activeIndex()));
    else focusHeader(activeCol);
  }

  function destroy() {
    destroyed = true;
    clearInterval(tick);
    if (priming !== null && globalThis.cancelIdleCallback) globalThis.cancelIdleCallback(priming);
    if (resize) resize.disconnect();
    root.remove();
  }

  applyOptions();
  drawHeader();
  recompute();
  primeFilter();
  requestAnimationFrame(() => { measure(); draw(); }); // the real sizes, once in the page

  return {
    element: root,
    setColumns, setRows, patchRows, setSelected, setFilter, setSort, setOptions, focus, destroy,
    // what is shown, for views and tests: the rows in order after sort and filter
    shownRows: () => view.slice(),
    info: () => ({ total: rows.length, shown: view.length, drawn: drawn.size, sortBy, sortDesc }),
  };
}
