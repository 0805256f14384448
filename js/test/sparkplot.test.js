// sparkplot.js: the numbers behind the preview plots.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  extent, formatTick, linePath, niceTicks, plotModel, scaleLinear,
} from "../lib/sparkplot.js";

describe("extent", () => {
  test("skips nulls and non-numbers; a flat series gets a span", () => {
    assert.deepEqual(extent([3, null, -1, NaN, 7, "9"]), [-1, 7]);
    assert.deepEqual(extent([5, 5]), [4.5, 5.5]);
    assert.deepEqual(extent([0]), [-1, 1]);
    assert.equal(extent([null, undefined]), null);
  });
});

describe("scales and ticks", () => {
  test("a linear map, also reversed (SVG's y grows downwards)", () => {
    const s = scaleLinear([0, 10], [100, 0]);
    assert.equal(s(0), 100);
    assert.equal(s(10), 0);
    assert.equal(s(2.5), 75);
  });
  test("round ticks inside the range", () => {
    assert.deepEqual(niceTicks(0, 300, 3), [0, 100, 200, 300]);
    assert.deepEqual(niceTicks(0.1, 2.9, 2), [1, 2]);
    assert.deepEqual(niceTicks(331.4, 392.2, 2), [340, 360, 380]);
    assert.deepEqual(niceTicks(5, 5), []);
  });
  test("compact labels; dates as days", () => {
    assert.equal(formatTick(1500), "1500");
    assert.equal(formatTick(25000), "25k");
    assert.equal(formatTick(2500000), "2.5M");
    assert.equal(formatTick(0.30000000000000004), "0.3");
    assert.equal(formatTick(Date.UTC(2024, 0, 2), "date"), "2024-01-02");
  });
});

describe("linePath", () => {
  const id = (v) => v;
  test("M then L; a gap starts a new segment", () => {
    assert.equal(linePath([0, 1, 2, 3], [5, null, 6, 7], id, id), "M0 5M2 6L3 7");
    assert.equal(linePath([0, 1], [1.234, 2.25], id, id), "M0 1.2L1 2.3");
    assert.equal(linePath([], [], id, id), "");
  });
});

describe("plotModel", () => {
  const plot = {
    x_label: "time_s", x: [0, 1, 2, 3, 4],
    series: [{ name: "hr", values: [350, 360, null, 340, 355] },
      { name: "empty", values: [null, null, null, null, null] },
      { name: "<b>mA</b>", values: [0, 0, 1, 1, 0] }],
  };
  test("one plot per series with numbers, inside the box", () => {
    const m = plotModel(plot, { width: 200, height: 60 });
    assert.deepEqual(m.map((p) => p.name), ["hr", "<b>mA</b>"]);
    const [hr] = m;
    assert.equal(hr.d.split("M").length - 1, 2); // the null breaks the line
    const numbers = hr.d.match(/-?\d+(\.\d+)?/g).map(Number);
    const xs = numbers.filter((_, i) => i % 2 === 0);
    const ys = numbers.filter((_, i) => i % 2 === 1);
    assert.ok(xs.every((x) => x >= hr.box.x0 && x <= hr.box.x1));
    assert.ok(ys.every((y) => y >= hr.box.y0 && y <= hr.box.y1));
    assert.equal(Math.min(...ys), hr.box.y0); // the highest value touches the top
    assert.deepEqual(hr.xTicks.map((t) => t.label), ["0", "1", "2", "3", "4"]);
    assert.equal(hr.min, 340);
  });
  test("nothing to draw without x numbers or a plot", () => {
    assert.deepEqual(plotModel(null), []);
    assert.deepEqual(plotModel({ x: [null], series: [{ name: "a", values: [1] }] }), []);
  });
});
