// FileTree front end (DatasetPicker): one folder of a dataset at a time, breadcrumbs,
// a file-type and a name filter, checkboxes. Python sends the folder's rows page by page
// in messages; the next page is asked for when the user scrolls near the end. Only the
// rows in view exist in the DOM. Every name from the server is written with textContent.

const ROW_HEIGHT = 26;
const MARGIN_ROWS = 12;

function formatBytes(value) {
  if (typeof value !== "number") return "";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = value, i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// the same rule as FileTree.visible() in Python
function matches(row, type, name) {
  if (name && !String(row.name).toLowerCase().includes(name)) return false;
  if (!type) return true;
  return row.dir || String(row.type || "").toLowerCase() === type;
}

function render({ model, el }) {
  el.classList.add("lp-filetree");
  const crumbs = element("nav", "lp-ft-crumbs");
  crumbs.setAttribute("aria-label", "Folder");
  const tools = element("div", "lp-ft-tools");
  const typeSelect = element("select", "lp-ft-type");
  typeSelect.setAttribute("aria-label", "File type");
  const nameFilter = element("input", "lp-ft-name");
  nameFilter.type = "search";
  nameFilter.placeholder = "Filter names…";
  nameFilter.setAttribute("aria-label", "Filter names");
  const count = element("span", "lp-ft-count");
  tools.append(typeSelect, nameFilter, count);

  const header = element("div", "lp-ft-row lp-ft-header");
  const all = element("input", "lp-ft-check");
  all.type = "checkbox";
  all.setAttribute("aria-label", "Select every row shown");
  header.append(all, element("span", "lp-ft-name-cell", "Name"), element("span", "lp-ft-type-cell", "Type"),
    element("span", "lp-ft-size-cell", "Size"));
  const viewport = element("div", "lp-ft-viewport");
  viewport.setAttribute("role", "grid");
  viewport.tabIndex = 0;
  const spacer = element("div", "lp-ft-spacer");
  const body = element("div", "lp-ft-body");
  spacer.append(body);
  viewport.append(spacer);
  const footer = element("div", "lp-ft-footer");
  el.append(crumbs, tools, header, viewport, footer);

  let rows = [];          // the loaded rows of the current folder, in server order
  let view = [];          // rows that pass the filters
  let drawn = new Map();  // path -> row element in the DOM
  let asked = false;      // a "more" request is on its way
  let received = false;   // the first rows arrived (before that, nothing to ask for)
  let anchor = null;      // index in view of the last checkbox clicked (shift-click ranges)

  const selectedSet = () => new Set(model.get("selected"));

  function drawCrumbs() {
    crumbs.replaceChildren();
    const path = model.get("path");
    const parts = path ? path.split("/") : [];
    const targets = [["", model.get("root_label") || "dataset"]];
    parts.forEach((part, i) => targets.push([parts.slice(0, i + 1).join("/"), part]));
    targets.forEach(([target, label], i) => {
      if (i) crumbs.append(element("span", "lp-ft-sep", "/"));
      if (i === targets.length - 1) {
        const here = element("span", "lp-ft-crumb lp-ft-here", label);
        here.setAttribute("aria-current", "location");
        crumbs.append(here);
      } else {
        const button = element("button", "lp-ft-crumb", label);
        button.type = "button";
        button.addEventListener("click", () => model.send({ type: "open", path: target }));
        crumbs.append(button);
      }
    });
  }

  function drawTypes() {
    const wanted = model.get("file_type");
    typeSelect.replaceChildren();
    const any = element("option", "", "All types");
    any.value = "";
    typeSelect.append(any);
    const types = model.get("file_types").slice();
    if (wanted && !types.some((t) => t.toLowerCase() === wanted.toLowerCase())) types.push(wanted);
    for (const t of types) {
      const option = element("option", "", t);
      option.value = t;
      typeSelect.append(option);
    }
    typeSelect.value = types.find((t) => t.toLowerCase() === wanted.toLowerCase()) || "";
  }

  function rowElement(row, index, chosen) {
    const line = element("div", "lp-ft-row");
    line.setAttribute("role", "row");
    line.dataset.path = row.path;
    line.style.top = `${index * ROW_HEIGHT}px`;
    if (chosen.has(row.path)) line.classList.add("lp-selected");
    const box = element("input", "lp-ft-check");
    box.type = "checkbox";
    box.checked = chosen.has(row.path);
    box.setAttribute("aria-label", `Select ${row.name}`);
    box.addEventListener("click", (event) => toggle(index, event.shiftKey));
    let name;
    if (row.dir) {
      name = element("button", "lp-ft-name-cell lp-ft-folder", `📁 ${row.name}`);
      name.type = "button";
      name.title = `Open ${row.name}`;
      name.addEventListener("click", () => model.send({ type: "open", path: row.path }));
    } else {
      name = element("span", "lp-ft-name-cell", row.name);
      name.title = row.path;
    }
    line.append(box, name, element("span", "lp-ft-type-cell", row.dir ? "folder" : row.type || ""),
      element("span", "lp-ft-size-cell", formatBytes(row.size)));
    return line;
  }

  function toggle(index, range) {
    const row = view[index];
    if (!row) return;
    const chosen = model.get("selected").slice();
    const on = !chosen.includes(row.path);
    const span = range && anchor !== null ? view.slice(Math.min(anchor, index), Math.max(anchor, index) + 1) : [row];
    const paths = span.map((r) => r.path);
    const next = on ? [...chosen, ...paths.filter((p) => !chosen.includes(p))] : chosen.filter((p) => !paths.includes(p));
    anchor = index;
    model.set("selected", next);
    model.save_changes();
  }

  function recompute() {
    const type = model.get("file_type").toLowerCase();
    const name = model.get("name_filter").trim().toLowerCase();
    view = rows.filter((row) => matches(row, type, name));
    const more = rows.length < model.get("total");
    spacer.style.height = `${(view.length + (more ? 1 : 0)) * ROW_HEIGHT}px`;
    const filtered = type || name;
    count.textContent = filtered ? `${view.length} of ${rows.length} loaded` : `${rows.length} of ${model.get("total")} entries`;
    const chosen = selectedSet();
    const pickable = view.filter((r) => !type || !r.dir);
    all.checked = pickable.length > 0 && pickable.every((r) => chosen.has(r.path));
    all.indeterminate = !all.checked && pickable.some((r) => chosen.has(r.path));
    body.replaceChildren();
    drawn = new Map();
    drawVisible();
  }

  function drawVisible() {
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - MARGIN_ROWS);
    const last = Math.min(view.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW_HEIGHT) + MARGIN_ROWS);
    const chosen = selectedSet();
    const wanted = new Set();
    for (let i = first; i < last; i++) {
      const row = view[i];
      wanted.add(row.path);
      if (!drawn.has(row.path)) {
        const line = rowElement(row, i, chosen);
        drawn.set(row.path, line);
        body.append(line);
      }
    }
    for (const [path, line] of drawn) {
      if (!wanted.has(path)) { line.remove(); drawn.delete(path); }
    }
    let tail = body.querySelector(".lp-ft-more");
    const more = rows.length < model.get("total");
    if (more) {
      if (!tail) { tail = element("div", "lp-ft-row lp-ft-more"); body.append(tail); }
      tail.style.top = `${view.length * ROW_HEIGHT}px`;
      tail.textContent = model.get("loading") ? "Loading…" : `${model.get("total") - rows.length} more: scroll to load`;
    } else if (tail) tail.remove();
    if (!rows.length && !more) {
      const empty = element("div", "lp-ft-row lp-ft-empty", model.get("loading") ? "Loading…" : model.get("empty_text"));
      body.append(empty);
    }
    el.dataset.drawnRows = String(drawn.size);
    // near the end of what is loaded (or a filter leaves too little to scroll): ask for more
    if (received && more && !asked && !model.get("loading") && last >= view.length - MARGIN_ROWS) {
      asked = true;
      model.send({ type: "more", loaded: rows.length });
    }
  }

  function drawFooter() {
    footer.textContent = model.get("summary");
  }

  model.on("msg:custom", (msg) => {
    if (!msg || msg.type !== "rows") return;
    received = true;
    if (msg.reset) {
      rows = msg.rows.slice();
      viewport.scrollTop = 0;
      anchor = null;
    } else if (msg.path === model.get("path") && msg.offset === rows.length) {
      rows.push(...msg.rows);
    } else if (msg.path === model.get("path")) {
      model.send({ type: "ready" }); // out of step (a second view?): ask for every row again
    }
    asked = false;
    recompute();
  });

  typeSelect.addEventListener("change", () => { model.set("file_type", typeSelect.value); model.save_changes(); });
  nameFilter.addEventListener("input", () => { model.set("name_filter", nameFilter.value); model.save_changes(); });
  all.addEventListener("click", () => {
    const type = model.get("file_type");
    const paths = view.filter((r) => !type || !r.dir).map((r) => r.path);
    const chosen = model.get("selected");
    const next = all.checked ? [...chosen, ...paths.filter((p) => !chosen.includes(p))] : chosen.filter((p) => !paths.includes(p));
    model.set("selected", next);
    model.save_changes();
  });
  let scheduled = false;
  viewport.addEventListener("scroll", () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; drawVisible(); });
  });

  model.on("change:path", () => { drawCrumbs(); });
  model.on("change:root_label", drawCrumbs);
  model.on("change:file_types", drawTypes);
  model.on("change:file_type", () => { drawTypes(); recompute(); });
  model.on("change:name_filter", () => {
    if (nameFilter.value !== model.get("name_filter")) nameFilter.value = model.get("name_filter");
    recompute();
  });
  model.on("change:selected", recompute);
  model.on("change:total", recompute);
  model.on("change:loading", () => { asked = false; drawVisible(); });
  model.on("change:summary", drawFooter);
  model.on("change:height", () => { viewport.style.height = `${model.get("height")}px`; drawVisible(); });

  viewport.style.height = `${model.get("height")}px`;
  nameFilter.value = model.get("name_filter");
  drawCrumbs();
  drawTypes();
  drawFooter();
  recompute();
  model.send({ type: "ready" }); // Python answers with the rows loaded so far
}

export default { render };
