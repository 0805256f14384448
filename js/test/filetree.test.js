// filetree.js: the folder rows a model keeps (pages appended in order, a reset starts
// over, a page out of step asks for every row again) and the filter rule Python shares.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyRows, matches, rowsOf } from "../filetree.js";

const KEYS = ["path", "name", "dir", "size", "type"];
const msg = (offset, names, extra = {}) => ({
  type: "rows", path: "files", offset, keys: KEYS,
  rows: names.map((n) => [`files/${n}`, n, false, 1, "CSV"]), ...extra,
});
const fresh = () => ({ path: "", rows: [], epoch: 0, received: false });

describe("rows", () => {
  test("lists become objects under the column names", () => {
    assert.deepEqual(rowsOf(msg(0, ["a.csv"])), [{ path: "files/a.csv", name: "a.csv", dir: false, size: 1, type: "CSV" }]);
  });
  test("a reset replaces, the next page appends", () => {
    const store = fresh();
    assert.equal(applyRows(store, msg(0, ["a", "b"], { reset: true })), false);
    assert.equal(applyRows(store, msg(2, ["c"])), false);
    assert.deepEqual(store.rows.map((r) => r.name), ["a", "b", "c"]);
    assert.equal(store.epoch, 1);
    assert.equal(applyRows(store, msg(0, ["x"], { reset: true })), false);
    assert.deepEqual(store.rows.map((r) => r.name), ["x"]);
    assert.equal(store.epoch, 2);
  });
  test("a page out of step is not applied and asks for every row", () => {
    const store = fresh();
    applyRows(store, msg(0, ["a"], { reset: true }));
    assert.equal(applyRows(store, msg(5, ["z"])), true);
    assert.deepEqual(store.rows.map((r) => r.name), ["a"]);
    assert.equal(applyRows(store, { ...msg(1, ["q"]), path: "other" }), false); // an old folder
  });
});

describe("filters", () => {
  test("folders pass the type filter; names match without case", () => {
    const folder = { name: "Primary", dir: true, type: "" };
    const csv = { name: "Trace.csv", dir: false, type: "CSV" };
    assert.ok(matches(folder, "png", ""));
    assert.ok(!matches(csv, "png", ""));
    assert.ok(matches(csv, "csv", "trace"));
    assert.ok(!matches(folder, "", "sub"));
  });
});
