// The pure parts of js/lib/chart.js: nice ranges and ticks, scales, tick text, series
// from the rows Python sends, the data table, the layout and the SVG built from them.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dataTable, fit, legendLayout, lineChart, linearScale, markerPath, niceNumber, niceTicks,
  pathData, seriesFrom, svgText, tickFormat, valueText, xKind, xValues, yDomain,
} from "../lib/chart.js";
import { chartKey } from "../results.js";

const lines = {
  type: "line", name: "Mean by age", description: "", x: "age", y: "mean", y_min: null, y_max: null,
  group: "organization", columns: ["organization", "age", "mean"],
  rows: [["GAZEL", 20, 1.5], ["GAZEL", 40, 2.5], ["CANTABRIA", 20, 3], ["CANTABRIA", 40, null], ["CANTABRIA", 60, 4]],
  problems: [],
};

// every node of a tree, depth first
function nodes(tree) {
  return [tree, ...(tree.children || []).flatMap(nodes)];
}

test("nice numbers are 1, 2 or 5 times a power of ten", () => {
  assert.equal(niceNumber(0.7), 0.5);
  assert.equal(niceNumber(1.4), 1);
  assert.equal(niceNumber(2.6), 2);
  assert.equal(niceNumber(4), 5);
  assert.equal(niceNumber(8), 10);
  assert.equal(niceNumber(230), 200);
  assert.equal(niceNumber(3, false), 5);  // at or above
  assert.equal(niceNumber(0), 1);
});

test("a nice range widens to whole steps and its ticks are those steps", () => {
  assert.deepEqual(niceTicks(0.3, 9.6, 5), { min: 0, max: 10, step: 2, ticks: [0, 2, 4, 6, 8, 10] });
  const t = niceTicks(-3.2, 7.9, 5);
  assert.ok(t.min <= -3.2 && t.max >= 7.9);
  assert.ok(t.ticks.every((v) => Number.isInteger(Math.round(v / t.step * 1e9) / 1e9)));
  assert.deepEqual(niceTicks(0.1, 0.3, 3).ticks, [0.1, 0.2, 0.3]);  // no 0.30000000000000004
});

test("an empty range is widened around its value and reversed bounds are swapped", () => {
  const t = niceTicks(5, 5, 5);
  assert.ok(t.min < 5 && t.max > 5 && t.ticks.includes(5));
  assert.deepEqual(niceTicks(0, 0, 3).ticks, [-1, 0, 1]);
  assert.deepEqual(niceTicks(10, 0, 3), niceTicks(0, 10, 3));
  assert.deepEqual(niceTicks(NaN, 1, 3).ticks, niceTicks(0, 1, 3).ticks);
});

test("fixed bounds stay and only ticks within them are drawn", () => {
  const t = niceTicks(0.5, 9.5, 5, { fixed: true });
  assert.equal(t.min, 0.5);
  assert.equal(t.max, 9.5);
  assert.deepEqual(t.ticks, [2, 4, 6, 8]);
});

test("the y range uses the declared bounds where given", () => {
  assert.deepEqual([yDomain([3, 4], 0, 10).min, yDomain([3, 4], 0, 10).max], [0, 10]);
  const low = yDomain([3, 4.2], 0, null);
  assert.equal(low.min, 0);
  assert.ok(low.max >= 4.2 && low.ticks[0] === 0);
  const auto = yDomain([3, null, 4.2]);
  assert.ok(auto.min <= 3 && auto.max >= 4.2);
  assert.deepEqual(yDomain([]).ticks.length > 1, true);  // no data: still an axis
});

test("a linear scale maps the domain onto the range, a flat one to the middle", () => {
  const s = linearScale([0, 10], [100, 0]);
  assert.equal(s(0), 100);
  assert.equal(s(10), 0);
  assert.equal(s(2.5), 75);
  assert.equal(linearScale([3, 3], [0, 50])(3), 25);
});

test("tick text has the decimals the step needs and groups thousands", () => {
  assert.equal(tickFormat(0.25)(0.5), "0.50");
  assert.equal(tickFormat(0.1)(0.3), "0.3");
  assert.equal(tickFormat(500)(1500), "1,500");
  assert.equal(tickFormat(1)(-3), "-3");
  assert.equal(tickFormat(2)(1e-17), "0");
  assert.match(tickFormat(1e10)(3e10), /^3\.0e\+10$/);
});

test("values read with at most 6 significant digits", () => {
  assert.equal(valueText(1 / 3), "0.333333");
  assert.equal(valueText(40), "40");
  assert.equal(valueText(null), "");
  assert.equal(valueText("x"), "x");
});

test("an x axis is numeric only when every x is a number", () => {
  assert.equal(xKind([1, 2.5, null]), "number");
  assert.equal(xKind([1, "2"]), "category");
  assert.equal(xKind([]), "category");
});

test("series: one line per organization in order first seen, gaps kept", () => {
  const series = seriesFrom(lines);
  assert.deepEqual(series.map((s) => s.name), ["GAZEL", "CANTABRIA"]);
  assert.deepEqual(series[1].points, [[20, 3], [40, null], [60, 4]]);
  const one = seriesFrom({ ...lines, group: null, columns: ["age", "mean"], rows: [[1, 2], [2, "n/a"]] });
  assert.deepEqual(one, [{ name: "mean", points: [[1, 2], [2, null]] }]);
  assert.deepEqual(seriesFrom({ ...lines, x: "missing" }), []);
});

test("x values once: numbers ascending, categories as seen", () => {
  assert.deepEqual(xValues(seriesFrom(lines)), [20, 40, 60]);
  const cats = [{ name: "a", points: [["b", 1], ["a", 2]] }, { name: "c", points: [["a", 1], ["c", 3]] }];
  assert.deepEqual(xValues(cats), ["b", "a", "c"]);
});

test("the data table has one row per x and one column per line", () => {
  assert.deepEqual(dataTable(lines), {
    columns: ["age", "GAZEL", "CANTABRIA"],
    rows: [[20, 1.5, 3], [40, 2.5, null], [60, null, 4]],
  });
});

test("text is shortened with an ellipsis to fit", () => {
  const measure = (t) => t.length * 10;
  assert.equal(fit("short", 100, measure), "short");
  assert.equal(fit("a long organization name", 80, measure), "a long…");
  assert.equal(fit("abc", 5, measure), "…");
});

test("legend entries wrap into rows within the width", () => {
  const measure = (t) => t.length * 10;
  const { items, rows } = legendLayout(["aaaa", "bbbb", "cccc"], 200, measure);
  assert.equal(rows, 2);
  assert.deepEqual(items.map((i) => [i.x, i.row]), [[0, 0], [84, 0], [0, 1]]);
  assert.equal(legendLayout([], 200).rows, 0);
});

test("a path breaks at gaps", () => {
  assert.equal(pathData([[0, 0], [10, 5], null, [20, 1], [30, 2]]), "M0,0L10,5M20,1L30,2");
  assert.equal(pathData([]), "");
  for (const shape of ["circle", "square", "triangle", "diamond", "cross", "wedge"]) {
    assert.match(markerPath(shape, 10, 10), /^M[\d.]+,[\d.]+/);
  }
});

test("a line chart has a title, axes with tick labels, a legend and a path with points per line", () => {
  const tree = lineChart(lines, { width: 600, id: "c1" });
  assert.equal(tree.tag, "svg");
  assert.equal(tree.attrs.width, 600);
  const all = nodes(tree);
  const texts = (cls) => all.filter((n) => n.tag === "text" && n.attrs.class === cls).map((n) => n.text);
  assert.deepEqual(texts("lp-chart-title"), ["Mean by age"]);
  assert.deepEqual(texts("lp-chart-label"), ["age", "mean"]);
  assert.deepEqual(texts("lp-chart-legend"), ["GAZEL", "CANTABRIA"]);
  const ticks = texts("lp-chart-tick");
  for (const t of ["20", "40", "60"]) assert.ok(ticks.includes(t), ticks);  // x
  assert.ok(ticks.some((t) => Number(t) <= 1.5) && ticks.some((t) => Number(t) >= 4), ticks);  // y
  const paths = all.filter((n) => n.tag === "path" && String(n.attrs.class).startsWith("lp-chart-line"));
  assert.equal(paths.length, 2);
  assert.equal((paths[1].attrs.d.match(/M/g) || []).length, 2);  // CANTABRIA's gap at 40
  const points = all.filter((n) => n.attrs["data-series"] !== undefined);
  assert.equal(points.length, 4);  // the null is not a point
  assert.deepEqual(points.map((p) => p.attrs.tabindex), ["0", "-1", "-1", "-1"]);  // one Tab stop
  assert.equal(points[2].attrs["aria-label"], "CANTABRIA: age 20, mean 3");
  assert.notEqual(points[0].attrs.class, points[2].attrs.class);  // series differ by class
  assert.match(tree.attrs["aria-label"], /mean by age, 2 lines, 4 points/);
  // every point lies inside the plot, every text inside the picture
  for (const n of all.filter((n) => n.tag === "text" && n.attrs.x !== undefined && !n.attrs.transform)) {
    assert.ok(n.attrs.x >= 0 && n.attrs.x <= 600 && n.attrs.y <= tree.attrs.height, JSON.stringify(n));
  }
});

test("one line has no legend; declared bounds set the y axis", () => {
  const chart = { ...lines, group: null, columns: ["age", "mean"], rows: [[1, 2], [2, 3]], y_min: 0, y_max: 10 };
  const all = nodes(lineChart(chart, { width: 400 }));
  assert.equal(all.filter((n) => n.attrs.class === "lp-chart-legend").length, 0);
  const ticks = all.filter((n) => n.attrs.class === "lp-chart-tick").map((n) => n.text);
  assert.ok(ticks.includes("0") && ticks.includes("10"), ticks);
});

test("categories on x are spaced evenly and long labels are thinned to fit 360 px", () => {
  const rows = Array.from({ length: 12 }, (_, i) => [`2024-${String(i + 1).padStart(2, "0")}-01`, i]);
  const chart = { ...lines, name: "x".repeat(200), group: null, x: "month", columns: ["month", "mean"], rows };
  const tree = lineChart(chart, { width: 340 });
  assert.equal(tree.attrs["data-kind"], "category");
  const all = nodes(tree);
  const labels = all.filter((n) => n.attrs.class === "lp-chart-tick" && n.attrs["text-anchor"] === "middle");
  assert.ok(labels.length > 1 && labels.length < 12, labels.length);
  const title = all.find((n) => n.attrs.class === "lp-chart-title");
  assert.ok(title.text.endsWith("…") && title.text.length < 60);
});

test("SVG text escapes what the server wrote", () => {
  const evil = '<img src=x onerror="alert(1)">';
  const text = svgText(lineChart({ ...lines, name: evil, rows: [[evil, 1, 2]] }, { width: 500 }));
  assert.ok(!text.includes("<img"));
  assert.ok(text.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"));
  assert.ok(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
});

test("a chart is redrawn only when what it shows changed", () => {
  assert.equal(chartKey(lines), chartKey({ ...lines }));
  assert.notEqual(chartKey(lines), chartKey({ ...lines, rows: lines.rows.slice(1) }));
});
