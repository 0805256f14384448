// A virtualized, sortable, filterable table for labpanels (anywidget).
// Every cell is written with textContent: text from servers is never parsed as HTML.
// Only the visible rows (plus a small margin) exist in the DOM, and a "patch" message
// from Python redraws just the rows it names. The patch is applied to the model once
// (initialize), so a view drawn later shows the patched rows too; each view then
// redraws only the rows the patch names.

const ROW_HEIGHT = 28; // the default; a table with a wrapped column sets row_height
const MARGIN_ROWS = 10;

function relativeTime(value, now) {
  if (value === null || value === undefined || value === "") return "never";
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z");
  if (Number.isNaN(t)) return String(value);
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

function cellText(column, value, now) {
  if (column.kind === "ago") return relativeTime(value, now);
  if (column.kind === "bytes" && typeof value === "number") {
    const units = ["B", "kB", "MB", "GB", "TB"];
    let v = value, i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
  }
  if (value === null || value === undefined) return "";
  if (typeof value === "number" && !Number.isInteger(value)) return value.toPrecision(6).replace(/\.?0+$/, "");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1;
  if (b === null || b === undefined || b === "") return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

function render({ model, el }) {
  el.classList.add("lp-table");
  const toolbar = document.createElement("div");
  toolbar.className = "lp-table-toolbar";
  const filter = document.createElement("input");
  filter.type = "search";
  filter.className = "lp-table-filter";
  filter.placeholder = "Filter…";
  filter.setAttribute("aria-label", "Filter rows");
  const count = document.createElement("span");
  count.className = "lp-table-count";
  toolbar.append(filter, count);

  const header = document.createElement("div");
  header.className = "lp-table-header lp-table-row";
  header.setAttribute("role", "row");
  const viewport = document.createElement("div");
  viewport.className = "lp-table-viewport";
  viewport.setAttribute("role", "grid");
  const spacer = document.createElement("div");
  spacer.className = "lp-table-spacer";
  const body = document.createElement("div");
  body.className = "lp-table-body";
  spacer.append(body);
  viewport.append(spacer);
  const empty = document.createElement("div");
  empty.className = "lp-table-empty";
  el.append(toolbar, header, viewport, empty);

  let rows = [];        // all rows, as given
  let view = [];        // rows after filter and sort
  let byKey = new Map();
  let drawn = new Map(); // key -> row element currently in the DOM

  const key = () => model.get("key");
  const rowHeight = () => model.get("row_height") || ROW_HEIGHT;
  const columns = () => model.get("columns");

  function templateColumns() {
    return columns().map((c) => c.width || "minmax(80px, 1fr)").join(" ");
  }

  function drawHeader() {
    header.replaceChildren();
    header.style.gridTemplateColumns = templateColumns();
    const sortBy = model.get("sort_by");
    const desc = model.get("sort_desc");
    for (const column of columns()) {
      const cell = document.createElement("button");
      cell.type = "button";
      cell.className = "lp-table-cell lp-table-head";
      cell.dataset.column = column.key;
      cell.textContent = column.label || column.key;
      if (column.key === sortBy) {
        cell.classList.add(desc ? "lp-sorted-desc" : "lp-sorted-asc");
        cell.setAttribute("aria-sort", desc ? "descending" : "ascending");
      }
      cell.addEventListener("click", () => {
        if (model.get("sort_by") === column.key) model.set("sort_desc", !model.get("sort_desc"));
        else { model.set("sort_by", column.key); model.set("sort_desc", false); }
        model.save_changes();
      });
      header.append(cell);
    }
  }

  function rowElement(row, index) {
    const now = Date.now();
    const line = document.createElement("div");
    line.className = "lp-table-row";
    line.setAttribute("role", "row");
    line.dataset.key = String(row[key()]);
    line.style.gridTemplateColumns = templateColumns();
    line.style.top = `${index * rowHeight()}px`;
    line.style.height = `${rowHeight()}px`;
    if (model.get("selected").map(String).includes(String(row[key()]))) line.classList.add("lp-selected");
    if (row._class) line.classList.add(...String(row._class).split(/\s+/).filter(Boolean).map((c) => `lp-row-${c}`));
    for (const column of columns()) {
      const cell = document.createElement("div");
      cell.className = column.wrap ? "lp-table-cell lp-table-wrap" : "lp-table-cell";
      cell.setAttribute("role", "gridcell");
      cell.dataset.column = column.key;
      const value = row[column.key];
      const text = cellText(column, value, now);
      if (column.kind === "status") {
        const chip = document.createElement("span");
        chip.className = `lp-status lp-status-${String(value || "unknown").replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
        chip.textContent = text;
        cell.append(chip);
      } else {
        cell.textContent = text;
      }
      if (column.kind === "ago" && value) cell.title = String(value);
      else cell.title = text;
      line.append(cell);
    }
    line.addEventListener("click", (event) => select(row[key()], event));
    return line;
  }

  function select(rowKey, event) {
    const mode = model.get("selectable");
    if (mode === "none") return;
    let selected = model.get("selected").slice();
    const has = selected.some((k) => String(k) === String(rowKey));
    if (mode === "multi" && (event.ctrlKey || event.metaKey || event.shiftKey)) {
      selected = has ? selected.filter((k) => String(k) !== String(rowKey)) : [...selected, rowKey];
    } else {
      selected = has && selected.length === 1 ? [] : [rowKey];
    }
    model.set("selected", selected);
    model.save_changes();
  }

  function recompute() {
    const text = model.get("filter_text").trim().toLowerCase();
    const cols = columns();
    const now = Date.now();
    view = text
      ? rows.filter((row) => cols.some((c) => cellText(c, row[c.key], now).toLowerCase().includes(text)))
      : rows.slice();
    const sortBy = model.get("sort_by");
    if (sortBy) {
      const sign = model.get("sort_desc") ? -1 : 1;
      view.sort((a, b) => sign * compare(a[sortBy], b[sortBy]));
    }
    spacer.style.height = `${view.length * rowHeight()}px`;
    count.textContent = text ? `${view.length} of ${rows.length}` : `${rows.length} rows`;
    empty.textContent = view.length ? "" : model.get("empty_text");
    empty.style.display = view.length ? "none" : "block";
    body.replaceChildren();
    drawn = new Map();
    drawVisible();
  }

  function drawVisible() {
    const first = Math.max(0, Math.floor(viewport.scrollTop / rowHeight()) - MARGIN_ROWS);
    const last = Math.min(view.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / rowHeight()) + MARGIN_ROWS);
    const wanted = new Set();
    for (let i = first; i < last; i++) {
      const row = view[i];
      const k = String(row[key()]);
      wanted.add(k);
      if (!drawn.has(k)) {
        const line = rowElement(row, i);
        drawn.set(k, line);
        body.append(line);
      }
    }
    for (const [k, line] of drawn) {
      if (!wanted.has(k)) { line.remove(); drawn.delete(k); }
    }
    el.dataset.drawnRows = String(drawn.size);
  }

  function loadRows() {
    rows = model.get("rows").slice();
    byKey = new Map(rows.map((row, i) => [String(row[key()]), i]));
    recompute();
  }

  function patch(changed) {
    let needsResort = false;
    const sortBy = model.get("sort_by");
    for (const row of changed) {
      const k = String(row[key()]);
      const i = byKey.get(k);
      if (i === undefined) { byKey.set(k, rows.length); rows.push(row); needsResort = true; continue; }
      if (sortBy && rows[i][sortBy] !== row[sortBy]) needsResort = true;
      rows[i] = row;
      const at = view.findIndex((r) => String(r[key()]) === k);
      if (at >= 0) view[at] = row;
      const old = drawn.get(k);
      if (old && !needsResort) {
        const line = rowElement(row, at);
        old.replaceWith(line);
        drawn.set(k, line);
      }
    }
    if (needsResort || model.get("filter_text")) recompute();
    el.dataset.patches = String(Number(el.dataset.patches || 0) + 1);
  }

  filter.value = model.get("filter_text");
  filter.addEventListener("input", () => { model.set("filter_text", filter.value); model.save_changes(); });
  viewport.style.height = `${model.get("height")}px`;
  let scheduled = false;
  viewport.addEventListener("scroll", () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; drawVisible(); });
  });
  const tick = setInterval(() => {
    if (columns().some((c) => c.kind === "ago")) {
      body.replaceChildren(); drawn = new Map(); drawVisible();
    }
  }, 30000);

  model.on("change:rows", loadRows);
  model.on("change:columns", () => { drawHeader(); recompute(); });
  model.on("change:sort_by", () => { drawHeader(); recompute(); });
  model.on("change:sort_desc", () => { drawHeader(); recompute(); });
  model.on("change:filter_text", () => { if (filter.value !== model.get("filter_text")) filter.value = model.get("filter_text"); recompute(); });
  model.on("change:selected", () => { body.replaceChildren(); drawn = new Map(); drawVisible(); });
  model.on("change:height", () => { viewport.style.height = `${model.get("height")}px`; drawVisible(); });
  model.on("change:row_height", recompute);
  model.on("msg:custom", (msg) => { if (msg && msg.type === "patch") patch(msg.rows); });

  drawHeader();
  loadRows();
  requestAnimationFrame(drawVisible);
  return () => clearInterval(tick);
}

function applyPatch(model, changed) {
  // The model's rows are changed in place: a `set` would mark them as changed by the
  // browser, and the next save_changes (a sort click) would send every row back to Python.
  const rows = model.get("rows");
  const k = model.get("key");
  const index = new Map(rows.map((row, i) => [String(row[k]), i]));
  for (const row of changed) {
    const i = index.get(String(row[k]));
    if (i === undefined) { index.set(String(row[k]), rows.length); rows.push(row); } else rows[i] = row;
  }
}

function initialize({ model }) {
  model.on("msg:custom", (msg) => { if (msg && msg.type === "patch") applyPatch(model, msg.rows); });
}

export default { initialize, render };
