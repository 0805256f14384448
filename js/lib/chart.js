// Line charts drawn as SVG, with no library and nothing from a CDN, for the result
// viewer (and any view that wants one).
//
//   const tree = lineChart(chart, { width: 600 });  // pure: a tree of {tag, attrs, children, text}
//   svg.replaceWith(toDom(tree));                   // elements, text always as textContent
//   svgText(tree)                                   // the same as SVG text (tests)
//   await exportSvg(svgElement) / await exportPng(svgElement)  // files with the colours inlined
//
// A chart is what Python sends (labpanels/widgets/charts.py): {name, columns, rows,
// group, x, y, y_min, y_max}: the columns once, the rows as lists; `group` names the
// column whose values are the lines (one per organization), or is null for one line.
// Colours are never written here: every element has a class that js/lib/chart.css
// colours from the theme's --lp-* tokens; an export writes the computed colours in.
//
// Where each organization's data is in its result (the declared location) is read in
// Python, so only the located columns travel. The pure parts (niceTicks, linearScale,
// tickFormat, xKind, seriesFrom, dataTable, lineChart, svgText, ...) are exported for
// node tests; toDom, pointNavigation and the exports need a DOM.

import { plural } from "./format.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const FONT = 12;
const TITLE_FONT = 14;
const MARKERS = ["circle", "square", "triangle", "diamond", "cross", "wedge"];
const DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4"];
export const SERIES_COLOURS = 6; // --lp-series-1 .. --lp-series-6 in theme.css

// ---- numbers ---------------------------------------------------------------------------

// The "nice" number near `value` (1, 2, 5 times a power of ten): rounded, or the one at or
// above it (Heckbert's nice numbers).
export function niceNumber(value, round = true) {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const exponent = Math.floor(Math.log10(value));
  const fraction = value / 10 ** exponent;
  let nice;
  if (round) nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * 10 ** exponent;
}

// Tick marks for the values from `min` to `max`, about `count` of them: {min, max, step,
// ticks}. Without `fixed`, min and max widen to multiples of the step (a nice range);
// with fixed: true they stay (declared axis bounds) and the ticks are the multiples of
// the step within them. An empty range (min == max) is widened around the value.
export function niceTicks(min, max, count = 5, { fixed = false } = {}) {
  let lo = Number(min);
  let hi = Number(max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) { lo = 0; hi = 1; }
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad; hi += pad;
    fixed = false;
  }
  const n = Math.max(2, Math.round(count));
  const step = niceNumber(niceNumber(hi - lo, false) / (n - 1), true);
  const from = fixed ? lo : Math.floor(lo / step) * step;
  const to = fixed ? hi : Math.ceil(hi / step) * step;
  const ticks = [];
  const first = Math.ceil(from / step - 1e-9);
  const last = Math.floor(to / step + 1e-9);
  for (let i = first; i <= last; i++) ticks.push(clean(i * step, step));
  return { min: clean(from, step), max: clean(to, step), step, ticks };
}

// `value` without the floating point noise of a multiple of `step` (0.30000000000000004).
function clean(value, step) {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(digits, 15)));
}

// A function mapping the interval `domain` onto `range` (a flat domain maps to the middle).
export function linearScale([d0, d1], [r0, r1]) {
  const span = d1 - d0;
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
}

// The text of tick values `step` apart: as many decimals as the step needs, thousands
// grouped ("1,500", "0.25", "-3"); very large or very small steps in exponent form.
export function tickFormat(step) {
  const size = Math.abs(step);
  if (size >= 1e9 || (size > 0 && size < 1e-6)) return (v) => Number(v).toExponential(1);
  let decimals = 0;  // the decimals of the step itself: 0.25 needs 2, 0.5 one
  while (decimals < 12 && Math.abs(Math.round(size * 10 ** decimals) - size * 10 ** decimals) > 1e-6) decimals++;
  const fmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return (v) => fmt.format(Math.abs(v) < size / 1e6 ? 0 : v);
}

// A value for a label or the data table: numbers with at most 6 significant digits.
export function valueText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    const [m, e] = value.toPrecision(6).split("e");
    const trimmed = m.includes(".") ? m.replace(/\.?0+$/, "") : m;
    return e === undefined ? trimmed : `${trimmed}e${e}`;
  }
  return String(value);
}

// ---- data ------------------------------------------------------------------------------

// "number" when every x is a number (a numeric axis), else "category" (evenly spaced
// values in the order first seen).
export function xKind(values) {
  const present = values.filter((v) => v !== null && v !== undefined);
  return present.length > 0 && present.every((v) => typeof v === "number" && Number.isFinite(v))
    ? "number" : "category";
}

// The lines of a chart: [{name, points: [[x, y], ...]}] in the order their group values
// first appear (one line named after the y column when there is no group). A point
// whose y is not a number stays, as a gap in its line.
export function seriesFrom(chart) {
  const columns = chart.columns || [];
  const xi = columns.indexOf(chart.x);
  const yi = columns.indexOf(chart.y);
  const gi = chart.group ? columns.indexOf(chart.group) : -1;
  if (xi < 0 || yi < 0) return [];
  const byName = new Map();
  for (const row of chart.rows || []) {
    const name = gi >= 0 ? String(row[gi] ?? "") : String(chart.y);
    if (!byName.has(name)) byName.set(name, { name, points: [] });
    const y = row[yi];
    byName.get(name).points.push([row[xi], typeof y === "number" && Number.isFinite(y) ? y : null]);
  }
  return [...byName.values()];
}

// The x values of every line, once: ascending numbers, or categories in the order seen.
export function xValues(series, kind = xKind(series.flatMap((s) => s.points.map((p) => p[0])))) {
  const seen = new Map();
  for (const s of series) for (const [x] of s.points) if (x !== null && x !== undefined && !seen.has(String(x))) seen.set(String(x), x);
  const values = [...seen.values()];
  return kind === "number" ? values.sort((a, b) => a - b) : values;
}

// The chart as a table for screen readers and the "Data table" disclosure: one row per
// x value, one column per line ({columns: [x, ...names], rows: [[x, y1, y2, ...]]}).
export function dataTable(chart, series = seriesFrom(chart)) {
  const xs = xValues(series);
  const index = new Map(xs.map((x, i) => [String(x), i]));
  const rows = xs.map((x) => [x, ...series.map(() => null)]);
  series.forEach((s, j) => {
    for (const [x, y] of s.points) {
      if (x === null || x === undefined) continue;
      const row = rows[index.get(String(x))];
      if (row[j + 1] === null) row[j + 1] = y;
    }
  });
  return { columns: [String(chart.x), ...series.map((s) => s.name)], rows };
}

// The y range drawn: the declared bounds where given, else a nice range around the data.
export function yDomain(values, yMin = null, yMax = null, count = 5) {
  const ys = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  const lo = typeof yMin === "number" ? yMin : ys.length ? Math.min(...ys) : 0;
  const hi = typeof yMax === "number" ? yMax : ys.length ? Math.max(...ys) : 1;
  const declared = typeof yMin === "number" && typeof yMax === "number" && yMin < yMax;
  const t = niceTicks(lo, hi, count, { fixed: declared });
  if (typeof yMin === "number" && !declared) t.min = yMin;
  if (typeof yMax === "number" && !declared) t.max = yMax;
  t.ticks = t.ticks.filter((v) => v >= t.min - t.step * 1e-9 && v <= t.max + t.step * 1e-9);
  return t;
}

// ---- layout ----------------------------------------------------------------------------

// The width of `text` at `size` px: an estimate for node tests; views pass a measurer.
export function estimateWidth(text, size = FONT, bold = false) {
  return String(text).length * size * (bold ? 0.64 : 0.58);
}

// `text` shortened with "…" to fit `width` (by `measure`).
export function fit(text, width, measure, size = FONT, bold = false) {
  const full = String(text);
  if (measure(full, size, bold) <= width) return full;
  let lo = 0;
  let hi = full.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(full.slice(0, mid) + "…", size, bold) <= width) lo = mid; else hi = mid - 1;
  }
  return lo > 0 ? full.slice(0, lo).trimEnd() + "…" : "…";
}

// Legend entries placed in rows within `width`: [{name, x, row}], and the number of rows.
export function legendLayout(names, width, measure = estimateWidth) {
  const items = [];
  let x = 0;
  let row = 0;
  for (const name of names) {
    const label = fit(name, Math.max(40, width - 30), measure);
    const w = 30 + measure(label) + 14;
    if (x > 0 && x + w > width) { x = 0; row += 1; }
    items.push({ name, label, x, row });
    x += w;
  }
  return { items, rows: names.length ? row + 1 : 0 };
}

// The `d` of a line through points ([px, py] or null for a gap): one "M…L…" run per part.
export function pathData(points) {
  let d = "";
  let pen = false;
  for (const p of points) {
    if (!p) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${r(p[0])},${r(p[1])}`;
    pen = true;
  }
  return d;
}

// The `d` of marker `shape` (one of MARKERS) of radius `size` at (x, y).
export function markerPath(shape, x, y, size = 4) {
  const s = size;
  switch (shape) {
    case "square": return `M${r(x - s)},${r(y - s)}h${r(2 * s)}v${r(2 * s)}h${r(-2 * s)}Z`;
    case "triangle": return `M${r(x)},${r(y - s * 1.2)}L${r(x + s * 1.1)},${r(y + s * 0.9)}L${r(x - s * 1.1)},${r(y + s * 0.9)}Z`;
    case "diamond": return `M${r(x)},${r(y - s * 1.3)}L${r(x + s * 1.1)},${r(y)}L${r(x)},${r(y + s * 1.3)}L${r(x - s * 1.1)},${r(y)}Z`;
    case "cross": return `M${r(x - s)},${r(y - s)}L${r(x + s)},${r(y + s)}M${r(x + s)},${r(y - s)}L${r(x - s)},${r(y + s)}`;
    case "wedge": return `M${r(x - s * 1.1)},${r(y - s * 0.9)}L${r(x + s * 1.1)},${r(y - s * 0.9)}L${r(x)},${r(y + s * 1.2)}Z`;
    default: return `M${r(x - s)},${r(y)}a${s},${s} 0 1,0 ${r(2 * s)},0a${s},${s} 0 1,0 ${r(-2 * s)},0`;
  }
}

function r(v) {
  return Math.round(v * 100) / 100;
}

function node(tag, attrs = {}, children = [], text = undefined) {
  return { tag, attrs, children, text };
}

// The chart's SVG as a tree of {tag, attrs, children, text} nodes. Options: width
// (px), height of the plot area (px), id (unique in the page: clip path and labels),
// measure(text, size, bold) for text widths. The points carry data-series/data-index and
// an aria-label; the first point is the chart's Tab stop (tabindex 0, the others -1).
export function lineChart(chart, { width = 600, plotHeight = 200, id = "lp-chart", measure = estimateWidth } = {}) {
  const series = seriesFrom(chart);
  const allX = series.flatMap((s) => s.points.map((p) => p[0]));
  const kind = xKind(allX);
  const yd = yDomain(series.flatMap((s) => s.points.map((p) => p[1])), chart.y_min, chart.y_max,
    plotHeight >= 160 ? 5 : 4);
  const yFmt = tickFormat(yd.step);
  const yLabels = yd.ticks.map(yFmt);
  const pad = 8;
  const title = chart.name ? fit(chart.name, width - 2 * pad, measure, TITLE_FONT, true) : "";
  const legend = series.length > 1 ? legendLayout(series.map((s) => s.name), width - 2 * pad, measure) : { items: [], rows: 0 };
  const yLabelAt = (title ? pad + TITLE_FONT + 8 : pad) + FONT;  // the y axis' name, above it
  const top = yLabelAt + 12;
  const left = pad + Math.max(measure("0"), ...yLabels.map((t) => measure(t))) + 6;
  const right = pad + 10;
  const plotW = Math.max(40, width - left - right);
  const plotTop = top;
  const plotBottom = plotTop + plotHeight;
  const legendTop = plotBottom + FONT + 8 + FONT + 10;
  const height = legendTop + (legend.rows ? legend.rows * 20 + 6 : 0);

  // x: a numeric axis, or evenly spaced categories
  let xScale;
  let xTicks;
  if (kind === "number") {
    const xs = allX.filter((v) => typeof v === "number");
    const xd = niceTicks(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1,
      Math.max(2, Math.floor(plotW / 80)));
    const s = linearScale([xd.min, xd.max], [left, left + plotW]);
    xScale = (v) => s(v);
    const f = tickFormat(xd.step);
    xTicks = xd.ticks.map((v) => ({ at: s(v), label: f(v) }));
  } else {
    const cats = xValues(series, "category");
    const step = plotW / Math.max(1, cats.length);
    const at = new Map(cats.map((c, i) => [String(c), left + step * (i + 0.5)]));
    xScale = (v) => at.get(String(v));
    const widest = Math.max(1, ...cats.map((c) => measure(String(c))));
    const every = Math.max(1, Math.ceil((Math.min(widest, 120) + 10) / step));
    xTicks = cats.map((c, i) => ({ at: at.get(String(c)), label: i % every === 0 ? fit(String(c), Math.min(120, step * every - 6), measure) : "" }));
  }
  const yScale = linearScale([yd.min, yd.max], [plotBottom, plotTop]);

  const kids = [];
  kids.push(node("rect", { class: "lp-chart-bg", x: 0, y: 0, width, height }));
  if (title) kids.push(node("text", { class: "lp-chart-title", id: `${id}-title`, x: pad, y: pad + TITLE_FONT, "font-size": TITLE_FONT, "font-weight": 700 }, [], title));
  // grid and y ticks
  const yAxis = [];
  yd.ticks.forEach((v, i) => {
    const y = r(yScale(v));
    yAxis.push(node("line", { class: "lp-chart-grid", x1: left, x2: left + plotW, y1: y, y2: y }));
    yAxis.push(node("text", { class: "lp-chart-tick", x: left - 6, y, "text-anchor": "end", "dominant-baseline": "middle", "font-size": FONT }, [], yLabels[i]));
  });
  kids.push(node("g", { class: "lp-chart-y-axis" }, yAxis));
  const xAxis = [node("line", { class: "lp-chart-axis", x1: left, x2: left + plotW, y1: plotBottom, y2: plotBottom })];
  for (const t of xTicks) {
    const x = r(t.at);
    xAxis.push(node("line", { class: "lp-chart-axis", x1: x, x2: x, y1: plotBottom, y2: plotBottom + 4 }));
    if (t.label) xAxis.push(node("text", { class: "lp-chart-tick", x, y: plotBottom + 6 + FONT, "text-anchor": "middle", "font-size": FONT }, [], t.label));
  }
  kids.push(node("g", { class: "lp-chart-x-axis" }, xAxis));
  kids.push(node("line", { class: "lp-chart-axis", x1: left, x2: left, y1: plotTop, y2: plotBottom }));
  // axis names: x under its ticks, y above its axis (never rotated: it reads as text)
  kids.push(node("text", { class: "lp-chart-label", x: r(left + plotW / 2), y: plotBottom + 10 + 2 * FONT + 4, "text-anchor": "middle", "font-size": FONT },
    [], fit(chart.x, plotW, measure)));
  kids.push(node("text", { class: "lp-chart-label", x: pad, y: yLabelAt, "font-size": FONT }, [],
    fit(chart.y, width - 2 * pad, measure)));
  // lines and points, clipped to the plot (declared bounds may cut data)
  kids.push(node("clipPath", { id: `${id}-clip` }, [node("rect", { x: left - 6, y: plotTop - 6, width: plotW + 12, height: plotHeight + 12 })]));
  const lines = [];
  const points = [];
  series.forEach((s, j) => {
    const cls = `lp-series-${(j % SERIES_COLOURS) + 1}`;
    const px = s.points.map(([x, y]) => {
      const sx = xScale(x);
      return y === null || sx === undefined || !Number.isFinite(sx) ? null : [sx, yScale(y)];
    });
    const dash = DASHES[j % DASHES.length];
    lines.push(node("path", { class: `lp-chart-line ${cls}`, d: pathData(px), fill: "none", ...(dash ? { "stroke-dasharray": dash } : {}) }));
    const shape = MARKERS[j % MARKERS.length];
    s.points.forEach(([x, y], i) => {
      if (!px[i]) return;
      const label = `${series.length > 1 ? `${s.name}: ` : ""}${chart.x} ${valueText(x)}, ${chart.y} ${valueText(y)}`;
      points.push(node("path", {
        class: `lp-chart-point ${cls}${shape === "cross" ? " lp-chart-open" : ""}`, d: markerPath(shape, px[i][0], px[i][1]),
        tabindex: points.length === 0 ? "0" : "-1", role: "img", "aria-label": label,
        "data-series": j, "data-index": i,
      }, [node("title", {}, [], label)]));
    });
  });
  kids.push(node("g", { class: "lp-chart-lines", "clip-path": `url(#${id}-clip)` }, lines));
  kids.push(node("g", { class: "lp-chart-points", "clip-path": `url(#${id}-clip)` }, points));
  // the legend: marker, dash and name of each line
  if (legend.rows) {
    const entries = legend.items.map((item, j) => {
      const cls = `lp-series-${(j % SERIES_COLOURS) + 1}`;
      const y = legendTop + item.row * 20 + 8;
      const x = pad + item.x;
      const dash = DASHES[j % DASHES.length];
      return node("g", { class: "lp-chart-legend-item" }, [
        node("line", { class: `lp-chart-line ${cls}`, x1: x, x2: x + 24, y1: y, y2: y, ...(dash ? { "stroke-dasharray": dash } : {}) }),
        node("path", { class: `lp-chart-point ${cls}${MARKERS[j % MARKERS.length] === "cross" ? " lp-chart-open" : ""}`, d: markerPath(MARKERS[j % MARKERS.length], x + 12, y) }),
        node("text", { class: "lp-chart-legend", x: x + 30, y, "dominant-baseline": "middle", "font-size": FONT }, [], item.label),
      ]);
    });
    kids.push(node("g", { class: "lp-chart-legend-box" }, entries));
  }
  const count = series.reduce((n, s) => n + s.points.filter((p) => p[1] !== null).length, 0);
  const summary = `Line chart${chart.name ? ` ${chart.name}` : ""}: ${chart.y} by ${chart.x}, `
    + `${plural(series.length, "line")}, ${plural(count, "point")}; y from ${yFmt(yd.min)} to ${yFmt(yd.max)}`;
  return node("svg", {
    xmlns: SVG_NS, class: "lp-chart-svg", width, height, viewBox: `0 0 ${width} ${height}`,
    role: "group", "aria-label": summary, "data-kind": kind,
  }, kids);
}

// ---- output ----------------------------------------------------------------------------

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeXml = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

// A tree as SVG text (every text and attribute escaped).
export function svgText(tree) {
  const attrs = Object.entries(tree.attrs || {}).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join("");
  const inner = (tree.text !== undefined ? escapeXml(tree.text) : "") + (tree.children || []).map(svgText).join("");
  return `<${tree.tag}${attrs}>${inner}</${tree.tag}>`;
}

// A tree as SVG elements (text set as textContent, never parsed).
export function toDom(tree) {
  const elem = document.createElementNS(SVG_NS, tree.tag);
  for (const [k, v] of Object.entries(tree.attrs || {})) {
    if (k !== "xmlns") elem.setAttribute(k, String(v));
  }
  if (tree.text !== undefined) elem.textContent = String(tree.text);
  for (const child of tree.children || []) elem.append(toDom(child));
  return elem;
}

// A text measurer for the page's font (canvas measureText), for lineChart's `measure`.
export function pageMeasure(element) {
  const ctx = document.createElement("canvas").getContext("2d");
  const family = getComputedStyle(element).fontFamily || "sans-serif";
  return (text, size = FONT, bold = false) => {
    ctx.font = `${bold ? "700 " : ""}${size}px ${family}`;
    return ctx.measureText(String(text)).width;
  };
}

// Move the focus between the points of a drawn chart with the arrow keys: Left/Right
// along a line, Up/Down to the nearest point of the next line, Home/End; the chart stays
// one Tab stop (the focused point). `onFocus(point)` is told the point now focused.
export function pointNavigation(svg, onFocus = () => {}) {
  const points = () => [...svg.querySelectorAll(".lp-chart-points .lp-chart-point")];
  function go(target) {
    if (!target) return;
    for (const p of points()) p.setAttribute("tabindex", p === target ? "0" : "-1");
    target.focus();
    onFocus(target);
  }
  svg.addEventListener("keydown", (event) => {
    const current = event.target.closest?.(".lp-chart-point");
    if (!current) return;
    const all = points();
    const s = Number(current.dataset.series);
    const mine = all.filter((p) => Number(p.dataset.series) === s);
    const at = mine.indexOf(current);
    let target = null;
    if (event.key === "ArrowRight") target = mine[at + 1];
    else if (event.key === "ArrowLeft") target = mine[at - 1];
    else if (event.key === "Home") target = mine[0];
    else if (event.key === "End") target = mine[mine.length - 1];
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const ids = [...new Set(all.map((p) => Number(p.dataset.series)))];
      const next = ids[ids.indexOf(s) + (event.key === "ArrowDown" ? 1 : -1)];
      const theirs = all.filter((p) => Number(p.dataset.series) === next);
      const i = Number(current.dataset.index);
      target = theirs.reduce((best, p) => (!best || Math.abs(Number(p.dataset.index) - i) < Math.abs(Number(best.dataset.index) - i) ? p : best), null);
    } else return;
    event.preventDefault();
    event.stopPropagation();
    go(target);
  });
  svg.addEventListener("focusin", (event) => {
    const p = event.target.closest?.(".lp-chart-point");
    if (p) onFocus(p);
  });
}

// ---- export ----------------------------------------------------------------------------

const PAINT = ["fill", "stroke"];
const COPIED = ["stroke-width", "stroke-dasharray", "stroke-linecap", "stroke-linejoin",
  "font-family", "font-size", "font-weight"];

// A CSS colour (any form the page computes: rgb(), color(srgb …), color-mix) as
// [#rrggbb, opacity], by painting it on a 1x1 canvas.
function colourReader() {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  return (css) => {
    if (!css || css === "none") return null;
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = "#000";
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [red, green, blue, alpha] = ctx.getImageData(0, 0, 1, 1).data;
    const hex = `#${[red, green, blue].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
    return [hex, Math.round((alpha / 255) * 1000) / 1000];
  };
}

// A standalone copy of a drawn chart: the colours, strokes and fonts the page computes
// for each element written into it as attributes (no class or variable left to
// resolve), without the focus machinery.
export function standaloneSvg(svg) {
  const colour = colourReader();
  const copy = svg.cloneNode(true);
  const live = [svg, ...svg.querySelectorAll("*")];
  const copies = [copy, ...copy.querySelectorAll("*")];
  live.forEach((from, i) => {
    const to = copies[i];
    const style = getComputedStyle(from);
    for (const name of PAINT) {
      const value = style.getPropertyValue(name);
      const c = colour(value);
      if (c === null) { if (value === "none") to.setAttribute(name, "none"); continue; }
      to.setAttribute(name, c[0]);
      if (c[1] < 1) to.setAttribute(`${name}-opacity`, String(c[1]));
    }
    for (const name of COPIED) {
      const value = style.getPropertyValue(name);
      if (value && value !== "none" && value !== "normal") to.setAttribute(name, value);
    }
    to.removeAttribute("tabindex");
    to.removeAttribute("class");
  });
  copy.setAttribute("xmlns", SVG_NS);
  copy.setAttribute("role", "img");
  return copy;
}

// The chart as an SVG file's text.
export function exportSvg(svg) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(standaloneSvg(svg))}`;
}

// The chart as a PNG (a Blob), drawn from its SVG on a canvas at `scale` times its size.
export async function exportPng(svg, scale = 2) {
  const text = exportSvg(svg);
  const width = Number(svg.getAttribute("width"));
  const height = Number(svg.getAttribute("height"));
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    return await new Promise((resolve, reject) => canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("the canvas gave no PNG"))), "image/png"));
  } finally {
    URL.revokeObjectURL(url);
  }
}
