// ResultViewer's view: the current collaboration's tasks with their status words, the
// status line, the failed runs (above the results, error first) with the chosen run's
// log, the charts the task's function declares (tables and SVG line charts, from the
// `charts` trait), one results tab per organization, and Download CSV. Python keeps
// every trait; what is clicked goes back as an action naming one of its public methods.
// Server text is always set as text, never parsed as HTML.

import { el, button, uniqueId } from "./lib/dom.js";
import { createGrid } from "./lib/grid.js";
import { dataTable, exportPng, exportSvg, lineChart, pageMeasure, pointNavigation, seriesFrom, toDom, valueText } from "./lib/chart.js";

function action(model, name, args = {}) {
  model.send({ type: "action", name, args });
}

// The rows of tab `index`: 0 all of them, else one organization's, without that column.
export function tabRows(columns, rows, titles, index) {
  const org = columns.indexOf("organization");
  if (!index || org < 0) return { columns, rows };
  const title = titles[index];
  return {
    columns: columns.filter((_, i) => i !== org),
    rows: rows.filter((r) => String(r[org]) === title).map((r) => r.filter((_, i) => i !== org)),
  };
}

// the failed runs: the error first (wrapped), what to read first
const FAILED = [
  { key: "error", label: "Error", wrap: true, width: "minmax(220px, 5fr)" },
  { key: "organization", label: "Organization", width: "minmax(140px, 2fr)" },
  { key: "node", label: "Node", wrap: true, width: "minmax(120px, 2fr)" },
  { key: "status", label: "Status", kind: "status", width: "minmax(90px, 1fr)" },
];
const FAILED_KEYS = ["id", "error", "organization", "node", "status", "task_id"];
const TASKS = [
  { key: "id", label: "Task", kind: "number", width: "minmax(56px, 1fr)" },
  { key: "name", label: "Name", wrap: true, width: "minmax(120px, 4fr)" },
  { key: "status", label: "Status", kind: "status", width: "minmax(100px, 2fr)" },
];

// Result columns for the grid: numbers right-aligned when every value is one.
export function resultColumns(names, rows) {
  return names.map((name, i) => {
    const values = rows.map((r) => r[i]).filter((v) => v !== null && v !== undefined);
    const numeric = values.length > 0 && values.every((v) => typeof v === "number");
    return { key: name, label: name, kind: numeric ? "number" : "text",
      width: name === "organization" ? "minmax(160px, 2fr)" : "minmax(90px, 1fr)" };
  });
}

function objects(names, lists, extra = {}) {
  return lists.map((list, n) => {
    const row = { ...extra, _row: n };
    names.forEach((name, i) => { row[name] = list[i]; });
    return row;
  });
}

// The file of a chart export: a PNG Blob, or the SVG text as a Blob.
async function chartFile(svg, format) {
  if (format === "png") return exportPng(svg);
  return new Blob([exportSvg(svg)], { type: "image/svg+xml" });
}

// What a chart shows, for deciding whether a drawn one can stay (a patch, not a redraw).
export function chartKey(chart) {
  return JSON.stringify(chart);
}


function render({ model, el: root }) {
  const uid = uniqueId("lp-results");
  root.classList.add("lp-theme", "lp-results");

  // -- the task list ---------------------------------------------------------------------
  const taskBox = el("div", { class: "lp-results-tasks" });
  const tasks = createGrid(taskBox, {
    key: "id", columns: TASKS, selectable: "single", height: 190, rowHeight: 40,
    label: "Tasks of the current collaboration",
    emptyText: "No tasks in this collaboration (yet)",
    onActivate: (key) => { if (String(key) !== String(model.get("task_id"))) action(model, "show", { task: Number(key) }); },
  });
  const refresh = button("Refresh", "refresh", () => action(model, "refresh_tasks"),
    { class: "lp-button lp-results-refresh", title: "Read the task list from the server again" });
  const taskHead = el("div", { class: "lp-results-head" },
    el("span", { class: "lp-results-label", id: `${uid}-tasks`, text: "Tasks" }), refresh);

  // -- status -------------------------------------------------------------------------------
  const status = el("div", { class: "lp-results-status", role: "status", "aria-live": "polite" });

  // -- failed runs and the chosen log ----------------------------------------------------------
  const failBox = el("div", { class: "lp-results-failures" });
  const failures = createGrid(failBox, {
    key: "id", columns: FAILED, selectable: "single", height: 170, rowHeight: 56, label: "Failed runs",
    emptyText: "No failed runs", sortBy: "organization",
    onActivate: (key) => action(model, "show_log", { run_id: Number(key) }),
  });
  const logTitle = el("div", { class: "lp-log-title" });
  const logBody = el("pre", { class: "lp-log-body", tabindex: "0", "aria-label": "Log of the chosen run" });
  const failureBox = el("section", { class: "lp-results-failed", "aria-label": "Failed runs" },
    el("div", { class: "lp-results-label", text: "Failed runs (choose one to read its log)" }),
    failBox, el("div", { class: "lp-log" }, logTitle, logBody));

  // -- result tabs ------------------------------------------------------------------------------
  const tablist = el("div", { role: "tablist", class: "lp-tabs", "aria-label": "Results" });
  const panel = el("div", { role: "tabpanel", class: "lp-tabpanel", id: `${uid}-panel` });
  const results = createGrid(panel, { key: "_row", selectable: "none", height: 220, label: "Results",
    emptyText: "No results (yet)" });
  const download = button("Download CSV", "download", () => action(model, "download_csv"),
    { class: "lp-button lp-results-download" });
  const message = el("div", { class: "lp-message", role: "status", "aria-live": "polite" });

  // -- charts: one figure per declared visualization ------------------------------------------
  const chartBox = el("section", { class: "lp-results-charts", "aria-label": "Charts" });
  let drawn = [];  // per chart: {key, figure, width, grid, svgBox}
  let measure = null;

  root.replaceChildren(taskHead, taskBox, status, failureBox, chartBox, tablist, panel,
    el("div", { class: "lp-results-actions" }, download), message);

  function drawTasks() {
    tasks.setRows(model.get("tasks").map(([id, name, word]) => ({ id, name, status: word })));
    const shown = model.get("task_id");
    tasks.setSelected(shown === null || shown === undefined ? [] : [shown]);
  }
  function drawStatus() {
    status.textContent = model.get("status_text");
    status.dataset.statusKind = model.get("status_kind") || "idle";
    status.hidden = !model.get("status_text");
  }
  function drawFailures() {
    const rows = model.get("failed_rows");
    failureBox.hidden = rows.length === 0;
    failures.setRows(objects(FAILED_KEYS, rows));
    const run = model.get("log_run");
    failures.setSelected(run === null || run === undefined ? [] : [run]);
  }
  function drawLog() {
    logTitle.textContent = model.get("log_title");
    const marked = new Set(model.get("log_highlight"));
    let first = null;
    logBody.replaceChildren(...model.get("log_lines").map((text, i) => {
      const line = el("div", { class: "lp-log-line" });
      if (marked.has(i)) {
        line.classList.add("lp-log-error");
        line.append(el("span", { class: "lp-log-mark", text: "error line: " }));
        first = first || line;
      }
      line.append(document.createTextNode(text === "" ? "\u00a0" : text));
      return line;
    }));
    if (!model.get("log_lines").length) {
      logBody.append(el("div", { class: "lp-log-empty", text: "Choose a failed run to read its log" }));
    }
    if (first) requestAnimationFrame(() => { logBody.scrollTop = Math.max(0, first.offsetTop - logBody.offsetTop - 24); });
  }
  function drawTabs() {
    const titles = model.get("tab_titles");
    const current = Math.min(model.get("tab"), titles.length - 1);
    const hadFocus = tablist.contains(document.activeElement);
    tablist.replaceChildren(...titles.map((title, i) => el("button", {
      type: "button", role: "tab", id: `${uid}-tab-${i}`, class: "lp-tab",
      "aria-selected": String(i === current), "aria-controls": `${uid}-panel`,
      tabindex: i === current ? "0" : "-1", text: title,
      onclick: () => chooseTab(i),
    })));
    panel.setAttribute("aria-labelledby", `${uid}-tab-${current}`);
    if (hadFocus) tablist.children[current]?.focus();
    const part = tabRows(model.get("columns"), model.get("rows"), titles, current);
    results.setColumns(resultColumns(part.columns, part.rows));
    results.setRows(objects(part.columns, part.rows));
  }
  function chooseTab(i) {
    const n = model.get("tab_titles").length;
    const next = (i + n) % n;
    model.set("tab", next);
    model.save_changes();
    drawTabs();
    tablist.children[next]?.focus();
  }
  tablist.addEventListener("keydown", (event) => {
    const current = model.get("tab");
    const n = model.get("tab_titles").length;
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: n - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    event.stopPropagation();
    chooseTab(moves[event.key]);
  });
  function chartWidth() {
    return Math.max(240, Math.floor((chartBox.clientWidth || root.clientWidth || 640) - 14));
  }
  function drawLine(chart, index, box, pointText) {
    measure = measure || pageMeasure(root);
    const width = chartWidth();
    const id = `${uid}-chart-${index}`;
    const svg = lineChart(chart, { width, plotHeight: width < 420 ? 170 : 210, id, measure });
    const elem = toDom(svg);
    pointNavigation(elem, (p) => { pointText.textContent = p.getAttribute("aria-label") || ""; });
    box.replaceChildren(elem);
    return width;
  }
  function chartTable(chart, series) {
    const t = dataTable(chart, series);
    return el("table", { class: "lp-chart-table", "aria-label": `${chart.name}: data` },
      el("thead", {}, el("tr", {}, t.columns.map((c) => el("th", { scope: "col", text: c })))),
      el("tbody", {}, t.rows.map((row) => el("tr", {}, row.map((v, i) => (i === 0
        ? el("th", { scope: "row", text: valueText(v) })
        : el("td", { class: typeof v === "number" ? "lp-chart-num" : "", text: valueText(v) })))))));
  }
  function makeFigure(chart, index) {
    const figure = el("figure", { class: "lp-chart", dataset: { kind: chart.type || "none", index: String(index) } });
    // a table's name heads it; a line chart has its title inside the picture (it is saved
    // with it), so its description and problems follow the picture
    const head = el("div", { class: "lp-chart-head" });
    if (chart.type !== "line") head.append(el("span", { class: "lp-chart-name", text: chart.name }));
    if (chart.description) head.append(el("span", { class: "lp-chart-description", text: chart.description }));
    const problems = (chart.problems || []).length ? el("ul", { class: "lp-chart-problems", "aria-label": "What could not be read" },
      chart.problems.map((p) => el("li", { text: p }))) : null;
    const about = [head.childNodes.length ? head : null, problems];
    if (chart.type !== "line") figure.append(...about.filter(Boolean));
    const item = { key: chartKey(chart), figure, width: 0, grid: null, svgBox: null, chart };
    const save = (format, label) => button(label, "download",
      () => action(model, "download_chart", { index, format, view: uid }),
      { class: "lp-button lp-chart-save", title: `Save “${chart.name}” as ${format.toUpperCase()}` });
    if (chart.type === "line") {
      const box = el("div", { class: "lp-chart-box" });
      const pointText = el("div", { class: "lp-chart-point-text", "aria-live": "polite" });
      const series = seriesFrom(chart);
      figure.append(box, pointText, ...about.filter(Boolean),
        el("div", { class: "lp-chart-actions" }, save("svg", "Save SVG"), save("png", "Save PNG")),
        el("details", { class: "lp-chart-data" }, el("summary", { text: "Data table" }),
          el("div", { class: "lp-chart-table-wrap", tabindex: "0", role: "region", "aria-label": `${chart.name}: data table` },
            chartTable(chart, series))));
      item.svgBox = box;
      item.pointText = pointText;
      item.width = drawLine(chart, index, box, pointText);
    } else if (chart.type === "table") {
      const gridBox = el("div", { class: "lp-chart-grid-box" });
      figure.append(gridBox, el("div", { class: "lp-chart-actions" }, save("csv", "Save CSV")));
      const columns = chart.columns || [];
      item.grid = createGrid(gridBox, { key: "_row", selectable: "none", label: chart.name,
        height: Math.min(260, 40 + 28 * Math.max(1, (chart.rows || []).length)),
        emptyText: "Nothing at the declared location", columns: resultColumns(columns, chart.rows || []) });
      item.grid.setRows(objects(columns, chart.rows || []));
    }
    return item;
  }
  function dropChart(item) {
    if (item.grid) item.grid.destroy();
  }
  // Redraw only the charts that changed (by index); the others keep their elements.
  function drawCharts() {
    const charts = model.get("charts") || [];
    const next = charts.map((chart, i) => {
      const old = drawn[i];
      if (old && old.key === chartKey(chart)) return old;
      const item = makeFigure(chart, i);
      if (old) { old.figure.replaceWith(item.figure); dropChart(old); }
      else chartBox.append(item.figure);
      return item;
    });
    for (const old of drawn.slice(charts.length)) { old.figure.remove(); dropChart(old); }
    drawn = next;
    chartBox.hidden = drawn.length === 0;
  }
  function resizeCharts() {
    if (!chartBox.clientWidth) return;  // hidden (a tab, a theme being swapped): not now
    const width = chartWidth();
    drawn.forEach((item, i) => {
      if (item.svgBox && Math.abs(item.width - width) >= 2) item.width = drawLine(item.chart, i, item.svgBox, item.pointText);
    });
  }
  function saveBlob(blob, filename) {
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: String(filename || "chart"), hidden: true });
    root.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
  async function onExport(msg) {
    if (!msg || msg.type !== "export" || (msg.view && msg.view !== uid)) return;
    try {
      const svg = drawn[msg.index]?.svgBox?.querySelector("svg");
      if (!svg) throw new Error(`chart ${msg.index} is not drawn as a picture here`);
      const blob = await chartFile(svg, msg.format);
      if (msg.save) saveBlob(blob, msg.filename);
      else model.send({ type: "exported", id: msg.id, format: msg.format }, undefined, [await blob.arrayBuffer()]);
    } catch (error) {
      if (!msg.save) model.send({ type: "exported", id: msg.id, error: String(error?.message || error) });
      else { message.textContent = `The chart could not be saved: ${error?.message || error}`; message.dataset.kind = "error"; message.hidden = false; }
    }
  }

  function drawDownload() {
    download.disabled = !model.get("can_download");
    download.title = model.get("can_download") ? `Save ${model.get("filename")}` : "Nothing to download yet";
  }
  function drawMessage() {
    message.textContent = model.get("message");
    message.dataset.kind = model.get("message_kind") || "info";
    message.hidden = !model.get("message");
  }
  function onFile(msg, buffers) {
    if (msg && msg.type === "export") { onExport(msg); return; }
    if (!msg || msg.type !== "file" || !buffers || !buffers.length) return;
    saveBlob(new Blob([buffers[0]], { type: msg.mime || "application/octet-stream" }),
      msg.filename || "results.csv");
  }

  const on = (names, fn) => names.forEach((n) => model.on(`change:${n}`, fn));
  on(["tasks", "task_id"], drawTasks);
  on(["status_text", "status_kind"], drawStatus);
  on(["failed_rows", "log_run"], drawFailures);
  on(["log_lines", "log_highlight", "log_title"], drawLog);
  on(["columns", "rows", "tab_titles", "tab"], drawTabs);
  on(["can_download", "filename"], drawDownload);
  on(["message", "message_kind"], drawMessage);
  on(["charts"], drawCharts);
  model.on("msg:custom", onFile);
  drawTasks(); drawStatus(); drawFailures(); drawLog(); drawTabs(); drawDownload(); drawMessage(); drawCharts();
  let resizeFrame = 0;  // the charts follow their box's width, once a frame at most
  const resizer = new ResizeObserver(() => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(resizeCharts);
  });
  resizer.observe(chartBox);
  model.send({ type: "view", view: uid, drawn: true });  // export_chart asks a drawn view
  return () => {
    try { model.send({ type: "view", view: uid, drawn: false }); } catch { /* the kernel is gone */ }
    model.off("msg:custom", onFile);
    resizer.disconnect();
    cancelAnimationFrame(resizeFrame);
    for (const item of drawn) dropChart(item);
    for (const grid of [tasks, failures, results]) grid.destroy();
  };
}

export default { render };
