// grid.js: the pure parts (keyboard moves, selection, cell text, column widths).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  cellText, columnsMinWidth, columnTemplate, moveIndex, nextSelection, patchRowsFromWire, patchWire, rowsFromWire,
} from "../lib/grid.js";

describe("moveIndex", () => {
  test("arrows move one row within the rows", () => {
    assert.equal(moveIndex(0, "ArrowDown", 5), 1);
    assert.equal(moveIndex(4, "ArrowDown", 5), 4);
    assert.equal(moveIndex(3, "ArrowUp", 5), 2);
  });
  test("ArrowUp from the first row reaches the header, ArrowDown comes back", () => {
    assert.equal(moveIndex(0, "ArrowUp", 5), -1);
    assert.equal(moveIndex(-1, "ArrowDown", 5), 0);
    assert.equal(moveIndex(0, "ArrowUp", 5, 10, { header: false }), 0);
  });
  test("pages, Home and End", () => {
    assert.equal(moveIndex(0, "PageDown", 100, 10), 10);
    assert.equal(moveIndex(95, "PageDown", 100, 10), 99);
    assert.equal(moveIndex(5, "PageUp", 100, 10), 0);
    assert.equal(moveIndex(50, "PageUp", 100, 10), 40);
    assert.equal(moveIndex(50, "Home", 100), 0);
    assert.equal(moveIndex(3, "End", 100), 99);
    assert.equal(moveIndex(-1, "PageDown", 100, 10), 10);
  });
  test("other keys are not moves; a bad page size moves one row", () => {
    assert.equal(moveIndex(2, "Enter", 5), null);
    assert.equal(moveIndex(2, "a", 5), null);
    assert.equal(moveIndex(2, "PageDown", 5, 0), 3);
  });
  test("an index past the end (rows went away) is clamped", () => {
    assert.equal(moveIndex(40, "ArrowUp", 5), 3);
    assert.equal(moveIndex(40, "ArrowDown", 5), 4);
  });
  test("no rows: only the header", () => {
    assert.equal(moveIndex(0, "ArrowDown", 0), null);
    assert.equal(moveIndex(0, "ArrowUp", 0), -1);
    assert.equal(moveIndex(0, "ArrowUp", 0, 10, { header: false }), null);
  });
});

describe("nextSelection", () => {
  const order = [1, 2, 3, 4, 5];
  test("none changes nothing", () => {
    assert.deepEqual(nextSelection({ selected: [2] }, 3, "none").selected, [2]);
  });
  test("single selects the row; Ctrl on the selected row clears it", () => {
    assert.deepEqual(nextSelection({ selected: [] }, 3, "single").selected, [3]);
    assert.deepEqual(nextSelection({ selected: [2] }, 3, "single").selected, [3]);
    assert.deepEqual(nextSelection({ selected: [3] }, 3, "single").selected, [3]);
    assert.deepEqual(nextSelection({ selected: [3] }, 3, "single", { ctrl: true }).selected, []);
    assert.deepEqual(nextSelection({ selected: [2] }, 3, "single", { ctrl: true }).selected, [3]);
  });
  test("multi: plain replaces, Ctrl toggles, Shift takes the range from the anchor", () => {
    let s = nextSelection({ selected: [] }, 2, "multi", {}, order);
    assert.deepEqual(s, { selected: [2], anchor: 2 });
    s = nextSelection(s, 4, "multi", { ctrl: true }, order);
    assert.deepEqual(s, { selected: [2, 4], anchor: 4 });
    s = nextSelection(s, 2, "multi", { ctrl: true }, order);
    assert.deepEqual(s, { selected: [4], anchor: 2 });
    s = nextSelection({ selected: [4], anchor: 4 }, 1, "multi", { shift: true }, order);
    assert.deepEqual(s, { selected: [1, 2, 3, 4], anchor: 4 });
    s = nextSelection(s, 5, "multi", { shift: true }, order);
    assert.deepEqual(s, { selected: [4, 5], anchor: 4 });
  });
  test("Shift without an anchor, or an anchor no longer shown, selects the row alone", () => {
    assert.deepEqual(nextSelection({ selected: [] }, 3, "multi", { shift: true }, order).selected, [3]);
    assert.deepEqual(nextSelection({ selected: [9], anchor: 9 }, 3, "multi", { shift: true }, order).selected, [3]);
  });
  test("keys compare as text", () => {
    assert.deepEqual(nextSelection({ selected: ["7"] }, 7, "multi", { ctrl: true }, [7]).selected, []);
    assert.deepEqual(nextSelection({ selected: [], anchor: "1" }, 3, "multi", { shift: true }, order).selected, [1, 2, 3]);
  });
});

describe("cellText", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  test("kinds", () => {
    assert.equal(cellText({ kind: "text" }, "a"), "a");
    assert.equal(cellText({}, null), "");
    assert.equal(cellText({}, 1 / 3), "0.333333");
    assert.equal(cellText({ kind: "number" }, 12), "12");
    assert.equal(cellText({ kind: "bytes" }, 1500), "1.5 kB");
    assert.equal(cellText({ kind: "status" }, "never seen"), "never seen");
    assert.equal(cellText({ kind: "ago" }, "2026-01-01T11:57:00Z", now), "3 min ago");
    assert.equal(cellText({ kind: "ago" }, null, now), "never");
    assert.equal(cellText({}, { a: 1 }), '{"a":1}');
    assert.equal(cellText({}, "<b>x</b>"), "<b>x</b>");
  });
});

describe("column widths", () => {
  test("template and the minimum width before scrolling sideways", () => {
    const cols = [{ width: "minmax(140px, 2fr)" }, { width: "110px" }, {}];
    assert.equal(columnTemplate(cols), "minmax(140px, 2fr) 110px minmax(80px, 1fr)");
    assert.equal(columnsMinWidth(cols), 330);
    assert.equal(columnsMinWidth([{ width: "2fr" }]), 80);
  });
});

describe("rows in wire form", () => {
  test("lists with their names once become objects", () => {
    assert.deepEqual(rowsFromWire({ keys: ["id", "name"], data: [[1, "a"], [2, "b"]] }),
      [{ id: 1, name: "a" }, { id: 2, name: "b" }]);
    assert.deepEqual(rowsFromWire(null), []);
    assert.deepEqual(rowsFromWire([{ id: 1 }]), [{ id: 1 }]);
  });
  test("a patch with its own names is applied in place, new names added", () => {
    const wire = { keys: ["id", "name"], data: [[1, "a"], [2, "b"]] };
    const data = wire.data;
    const out = patchWire(wire, ["name", "id", "status"], [["B", 2, "online"], ["c", 3, "offline"]], "id");
    assert.equal(out, wire);
    assert.equal(wire.data, data);
    assert.deepEqual(wire.keys, ["id", "name", "status"]);
    assert.deepEqual(rowsFromWire(wire), [{ id: 1, name: "a", status: undefined },
      { id: 2, name: "B", status: "online" }, { id: 3, name: "c", status: "offline" }]);
    assert.deepEqual(patchRowsFromWire(["id", "x"], [[5, "y"]]), [{ id: 5, x: "y" }]);
  });
  test("keys compare as text", () => {
    const wire = { keys: ["id", "v"], data: [["7", 1]] };
    patchWire(wire, ["id", "v"], [[7, 2]], "id");
    assert.equal(wire.data.length, 1);
    assert.equal(wire.data[0][1], 2);
  });
});
