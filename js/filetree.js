// The file tree of DatasetPicker (a module imported by sparc_picker.js): one folder of a
// dataset at a time, breadcrumbs, a file-type and a name filter, ticks. Python sends the
// folder's rows page by page (`rows` messages: column names + lists); they are kept in a
// store per model (initializeTree, from the view module's initialize), so every view of
// the model agrees and a view drawn again has every row. The next page is asked for when
// the view scrolls near the end. Only the rows in view exist in the DOM.
//
// Keyboard: the list is role="tree" (one Tab stop, roving tabindex over role="treeitem"
// rows); ArrowUp/ArrowDown/Home/End/PageUp/PageDown move, ArrowRight or Enter opens a
// folder, Enter on a file (or a click on its name) previews it, ArrowLeft goes up one
// folder, Space ticks (Shift+Space: a range). Handled keys
// stop propagating, so the notebook does not take them. Names are written with
// textContent; icons are inline SVG.
import { el, icon } from "./lib/dom.js";
import { fileTypeLabel, formatBytes, formatCount } from "./lib/format.js";

const ROW_HEIGHT = 28;
const MARGIN_ROWS = 12;
// one store per model, named by its `tree_key` trait: the model object a view module's
// initialize() gets is not the object render() gets, so it cannot be the key
const stores = new Map();

// the same rule as FileTree.visible() in Python
export function matches(row, type, name) {
  if (name && !String(row.name).toLowerCase().includes(name)) return false;
  if (!type) return true;
  return row.dir || String(row.type || "").toLowerCase() === type;
}

// Rows as objects from a `rows` message ({keys, rows: [[...]]}).
export function rowsOf(msg) {
  const keys = msg.keys || [];
  return (msg.rows || []).map((list) => {
    if (!Array.isArray(list)) return list;
    const row = {};
    keys.forEach((k, i) => { row[k] = list[i]; });
    return row;
  });
}

// Apply a `rows` message to a store; returns true when the store is out of step.
export function applyRows(store, msg) {
  if (!msg || msg.type !== "rows") return false;
  if (msg.reset) {
    store.path = msg.path;
    store.rows = rowsOf(msg);
    store.epoch++;
  } else if (msg.path === store.path && msg.offset === store.rows.length) {
    store.rows.push(...rowsOf(msg));
  } else {
    return msg.path === store.path;
  }
  store.received = true;
  return false;
}

export function treeStore(model) {
  const key = model.get("tree_key") || "default";
  let store = stores.get(key);
  if (!store) {
    store = { path: "", rows: [], epoch: 0, received: false, listeners: new Set() };
    stores.set(key, store);
  }
  return store;
}

// From the view module's initialize({model}): keep the model's folder rows.
export function initializeTree(model) {
  const store = treeStore(model);
  const act = (name, args = {}) => model.send({ type: "action", name, args });
  const onMessage = (msg) => {
    if (!msg || msg.type !== "rows") return;
    if (applyRows(store, msg)) act("resend_files"); // out of step: every row again
    for (const listener of store.listeners) listener(msg);
  };
  model.on("msg:custom", onMessage);
  act("resend_files"); // Python answers with the rows loaded so far
  return () => model.off("msg:custom", onMessage);
}

export function createFileTree(container, model) {
  const store = treeStore(model);
  const act = (name, args = {}) => model.send({ type: "action", name, args });
  const root = el("div", { class: "lp-filetree" });
  const crumbs = el("nav", { class: "lp-ft-crumbs", "aria-label": "Folder" });
  const typeSelect = el("select", { class: "lp-input lp-ft-type", "aria-label": "File type" });
  const nameFilter = el("input", {
    class: "lp-input lp-ft-name", type: "search", placeholder: "Filter names…", "aria-label": "Filter names",
  });
  const count = el("span", { class: "lp-ft-count", "aria-live": "polite" });
  const tools = el("div", { class: "lp-ft-tools" }, typeSelect, nameFilter, count);
  const all = el("input", { class: "lp-ft-check lp-ft-all", type: "checkbox" });
  const allLabel = el("label", { class: "lp-ft-all-label" }, all, el("span", {}, "Tick every row shown"));
  const viewport = el("div", { class: "lp-ft-viewport", role: "tree", "aria-label": "Files", "aria-multiselectable": "true" });
  const spacer = el("div", { class: "lp-ft-spacer", role: "presentation" });
  viewport.append(spacer);
  const footer = el("div", { class: "lp-ft-footer" });
  root.append(crumbs, tools, allLabel, viewport, footer);
  container.append(root);

  let view = [];          // rows that pass the filters
  let drawn = new Map();  // path -> row element in the DOM
  let asked = false;      // a "more" request is on its way
  let anchor = null;      // index in view of the last tick (Shift ranges)
  let active = 0;         // index in view of the row holding the tab stop
  let epoch = -1;

  const selectedSet = () => new Set(model.get("selected_paths"));

  function drawCrumbs() {
    crumbs.replaceChildren();
    const path = model.get("tree_path");
    const parts = path ? path.split("/") : [];
    const targets = [["", model.get("tree_root") || "dataset"]];
    parts.forEach((part, i) => targets.push([parts.slice(0, i + 1).join("/"), part]));
    targets.forEach(([target, label], i) => {
      if (i) crumbs.append(el("span", { class: "lp-ft-sep", "aria-hidden": "true" }, "/"));
      if (i === targets.length - 1) {
        crumbs.append(el("span", { class: "lp-ft-crumb lp-ft-here", "aria-current": "location" }, label));
      } else {
        crumbs.append(el("button", {
          type: "button", class: "lp-ft-crumb", onclick: () => act("open_folder", { path: target }),
        }, label));
      }
    });
  }

  function drawTypes() {
    const wanted = model.get("file_type");
    const types = model.get("file_types").slice();
    if (wanted && !types.some((t) => t.toLowerCase() === wanted.toLowerCase())) types.push(wanted);
    typeSelect.replaceChildren(el("option", { value: "" }, "All types"),
      ...types.map((t) => el("option", { value: t }, fileTypeLabel(t))));
    typeSelect.value = types.find((t) => t.toLowerCase() === wanted.toLowerCase()) || "";
  }

  function rowElement(row, index, chosen) {
    const on = chosen.has(row.path);
    const line = el("div", {
      class: `lp-ft-row${on ? " lp-selected" : ""}${row.dir ? " lp-ft-dir" : ""}`, role: "treeitem",
      tabindex: index === active ? "0" : "-1", "aria-checked": String(on), "aria-level": "1",
      "aria-posinset": String(index + 1), "aria-setsize": String(view.length),
      "aria-label": `${row.name}${row.dir ? ", folder" : ""}`,
      dataset: { path: row.path, index: String(index) },
    });
    if (row.dir) line.setAttribute("aria-expanded", "false");
    line.style.top = `${index * ROW_HEIGHT}px`;
    const box = el("input", { class: "lp-ft-check", type: "checkbox", tabindex: "-1", "aria-hidden": "true" });
    box.checked = on;
    box.addEventListener("click", (event) => { event.stopPropagation(); focusRow(index); toggle(index, event.shiftKey); });
    const name = el("span", { class: "lp-ft-name-cell", title: row.path },
      icon(row.dir ? "folder" : "file"), el("span", { class: "lp-ft-label" }, row.name));
    if (row.dir) {
      name.classList.add("lp-ft-folder");
      name.addEventListener("click", (event) => { event.stopPropagation(); act("open_folder", { path: row.path }); });
    } else {
      name.classList.add("lp-ft-previewable"); // a file's name previews it (as Enter does)
      name.title = `${row.path}: click to preview`;
      name.addEventListener("click", (event) => { event.stopPropagation(); focusRow(index); act("preview_file", { path: row.path }); });
    }
    line.append(box, name, el("span", { class: "lp-ft-type-cell" }, row.dir ? "folder" : fileTypeLabel(row.type)),
      el("span", { class: "lp-ft-size-cell" }, row.dir ? "" : formatBytes(row.size)));
    return line;
  }

  function toggle(index, range) {
    const row = view[index];
    if (!row) return;
    const chosen = model.get("selected_paths").slice();
    const on = !chosen.includes(row.path);
    const span = range && anchor !== null ? view.slice(Math.min(anchor, index), Math.max(anchor, index) + 1) : [row];
    const paths = span.map((r) => r.path);
    const next = on ? [...chosen, ...paths.filter((p) => !chosen.includes(p))] : chosen.filter((p) => !paths.includes(p));
    anchor = index;
    act("select", { paths: next });
  }

  function recompute() {
    const type = model.get("file_type").toLowerCase();
    const name = model.get("name_filter").trim().toLowerCase();
    const rows = store.rows;
    view = rows.filter((row) => matches(row, type, name));
    if (active >= view.length) active = Math.max(0, view.length - 1);
    const total = model.get("tree_total");
    const more = rows.length < total;
    spacer.style.height = `${Math.max(1, view.length + (more ? 1 : 0)) * ROW_HEIGHT}px`;
    count.textContent = type || name
      ? `${formatCount(view.length)} of ${formatCount(rows.length)} loaded`
      : `${formatCount(rows.length)} of ${formatCount(total)} ${total === 1 ? "entry" : "entries"}`;
    const chosen = selectedSet();
    const pickable = view.filter((r) => !type || !r.dir);
    all.checked = pickable.length > 0 && pickable.every((r) => chosen.has(r.path));
    all.indeterminate = !all.checked && pickable.some((r) => chosen.has(r.path));
    all.disabled = pickable.length === 0;
    const hadFocus = viewport.contains(document.activeElement);
    spacer.replaceChildren();
    drawn = new Map();
    drawVisible();
    if (hadFocus) focusRow(active);
  }

  function drawVisible() {
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - MARGIN_ROWS);
    const height = viewport.clientHeight || model.get("tree_height");
    const last = Math.min(view.length, Math.ceil((viewport.scrollTop + height) / ROW_HEIGHT) + MARGIN_ROWS);
    const chosen = selectedSet();
    const wanted = new Set();
    const want = (i) => {
      const row = view[i];
      wanted.add(row.path);
      if (!drawn.has(row.path)) {
        const line = rowElement(row, i, chosen);
        drawn.set(row.path, line);
        spacer.append(line);
      }
    };
    for (let i = first; i < last; i++) want(i);
    if (view[active]) want(active); // the tab stop always exists
    for (const [path, line] of drawn) {
      if (!wanted.has(path)) { line.remove(); drawn.delete(path); }
    }
    const rows = store.rows;
    const total = model.get("tree_total");
    const more = rows.length < total;
    let tail = spacer.querySelector(".lp-ft-more");
    if (more) {
      if (!tail) { tail = el("div", { class: "lp-ft-more", role: "none" }); spacer.append(tail); }
      tail.style.top = `${view.length * ROW_HEIGHT}px`;
      tail.textContent = model.get("tree_loading") ? "Loading…" : `${total - rows.length} more: scroll to load`;
    } else if (tail) tail.remove();
    let empty = spacer.querySelector(".lp-ft-empty");
    if (!view.length && !more) {
      const text = model.get("tree_loading") ? "Loading…" : rows.length ? "No row matches the filters" : model.get("tree_empty");
      if (!empty) { empty = el("div", { class: "lp-ft-empty", role: "none" }); spacer.append(empty); }
      empty.textContent = text;
    } else if (empty) empty.remove();
    root.dataset.drawnRows = String(drawn.size);
    // near the end of what is loaded (or a filter leaves too little to scroll): ask for more
    if (store.received && more && !asked && !model.get("tree_loading") && last >= view.length - MARGIN_ROWS) {
      asked = true;
      act("more_files", { loaded: rows.length });
    }
  }

  function focusRow(index) {
    if (!view.length) return;
    active = Math.max(0, Math.min(index, view.length - 1));
    const top = active * ROW_HEIGHT;
    const h = viewport.clientHeight || ROW_HEIGHT;
    if (top < viewport.scrollTop) viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > viewport.scrollTop + h) viewport.scrollTop = top + ROW_HEIGHT - h;
    drawVisible();
    for (const line of drawn.values()) {
      const want = Number(line.dataset.index) === active ? "0" : "-1";
      if (line.getAttribute("tabindex") !== want) line.setAttribute("tabindex", want);
    }
    const line = drawn.get(view[active].path);
    if (line) line.focus({ preventScroll: true });
  }

  function parentOf(path) {
    const i = path.lastIndexOf("/");
    return i < 0 ? "" : path.slice(0, i);
  }

  function onKeyDown(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const line = event.target.closest && event.target.closest(".lp-ft-row");
    if (!line) return;
    const index = Number(line.dataset.index);
    const row = view[index];
    const page = Math.max(1, Math.floor((viewport.clientHeight || ROW_HEIGHT) / ROW_HEIGHT) - 1);
    let handled = true;
    switch (event.key) {
      case "ArrowDown": focusRow(index + 1); break;
      case "ArrowUp": focusRow(index - 1); break;
      case "Home": focusRow(0); break;
      case "End": focusRow(view.length - 1); break;
      case "PageDown": focusRow(index + page); break;
      case "PageUp": focusRow(index - page); break;
      case "ArrowRight":
        if (row && row.dir) act("open_folder", { path: row.path });
        break;
      case "Enter":
        if (row && row.dir) act("open_folder", { path: row.path });
        else if (row) act("preview_file", { path: row.path });
        break;
      case "ArrowLeft": {
        const path = model.get("tree_path");
        if (path && path !== rootPath) act("open_folder", { path: parentOf(path) });
        break;
      }
      case " ": toggle(index, event.shiftKey); break;
      default: handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  // the top folder a dataset opens on ("files"): Left stops there
  let rootPath = model.get("tree_path");
  function onPath() {
    const path = model.get("tree_path");
    if (!path || !rootPath || !path.startsWith(rootPath)) rootPath = path;
    drawCrumbs();
  }

  viewport.addEventListener("keydown", onKeyDown);
  viewport.addEventListener("click", (event) => {
    const line = event.target.closest && event.target.closest(".lp-ft-row");
    if (line) focusRow(Number(line.dataset.index));
  });
  let scheduled = false;
  viewport.addEventListener("scroll", () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; drawVisible(); });
  }, { passive: true });
  typeSelect.addEventListener("change", () => act("filter_type", { file_type: typeSelect.value }));
  let typing = null;
  nameFilter.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => act("filter_names", { text: nameFilter.value }), 150);
  });
  nameFilter.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Escape" && nameFilter.value) {
      nameFilter.value = "";
      act("filter_names", { text: "" });
    }
  });
  all.addEventListener("click", () => {
    const type = model.get("file_type");
    const paths = view.filter((r) => !type || !r.dir).map((r) => r.path);
    const chosen = model.get("selected_paths");
    const next = all.checked ? [...chosen, ...paths.filter((p) => !chosen.includes(p))] : chosen.filter((p) => !paths.includes(p));
    act("select", { paths: next });
  });

  const onRows = () => {
    asked = false;
    if (store.epoch !== epoch) { epoch = store.epoch; viewport.scrollTop = 0; anchor = null; active = 0; }
    recompute();
  };
  store.listeners.add(onRows);
  const handlers = {
    "change:tree_path": onPath,
    "change:tree_root": drawCrumbs,
    "change:file_types": drawTypes,
    "change:file_type": () => { drawTypes(); recompute(); },
    "change:name_filter": () => {
      if (document.activeElement !== nameFilter) nameFilter.value = model.get("name_filter");
      recompute();
    },
    "change:selected_paths": recompute,
    "change:tree_total": recompute,
    "change:tree_empty": recompute,
    "change:tree_loading": () => { asked = false; drawVisible(); },
    "change:tree_summary": () => { footer.textContent = model.get("tree_summary"); },
    "change:tree_height": () => { viewport.style.height = `${model.get("tree_height")}px`; drawVisible(); },
  };
  for (const [event, fn] of Object.entries(handlers)) model.on(event, fn);

  viewport.style.height = `${model.get("tree_height")}px`;
  nameFilter.value = model.get("name_filter");
  footer.textContent = model.get("tree_summary");
  epoch = store.epoch;
  drawCrumbs();
  drawTypes();
  recompute();
  requestAnimationFrame(drawVisible); // the real height is known once in the page

  return {
    element: root,
    destroy() {
      store.listeners.delete(onRows);
      for (const [event, fn] of Object.entries(handlers)) model.off(event, fn);
      root.remove();
    },
  };
}
