// rows.js: sorting, filtering, windowing, patches, rows sent as lists.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  applyPatch, createFilter, rowsFromColumns, sorterFor, sortRows, windowRange,
} from "../lib/rows.js";

const ids = (rows) => rows.map((r) => r.id);

describe("sorting", () => {
  test("numbers compare as numbers", () => {
    const rows = [{ id: 1, n: 10 }, { id: 2, n: 9 }, { id: 3, n: -1 }, { id: 4, n: 100 }];
    assert.deepEqual(ids(sortRows(rows, "n")), [3, 2, 1, 4]);
    const fractions = [{ id: 1, n: 2.5 }, { id: 2, n: 2.25 }, { id: 3, n: -1 }, { id: 4, n: -10 }];
    assert.deepEqual(ids(sortRows(fractions, "n")), [4, 3, 2, 1]);
  });
  test("text is numeric-aware and case-insensitive", () => {
    const rows = [{ id: 1, s: "file10" }, { id: 2, s: "Banana" }, { id: 3, s: "apple" },
      { id: 4, s: "file9" }, { id: 5, s: "cherry" }];
    assert.deepEqual(ids(sortRows(rows, "s")), [3, 2, 5, 4, 1]);
  });
  test("text differing only in case keeps its order (stable)", () => {
    const rows = [{ id: 1, s: "b" }, { id: 2, s: "B" }, { id: 3, s: "a" }, { id: 4, s: "A" }];
    assert.deepEqual(ids(sortRows(rows, "s")), [3, 4, 1, 2]);
    const swapped = [{ id: 2, s: "B" }, { id: 1, s: "b" }, { id: 4, s: "A" }, { id: 3, s: "a" }];
    assert.deepEqual(ids(sortRows(swapped, "s")), [4, 3, 2, 1]);
  });
  test("equal values keep their order, ascending and descending", () => {
    const rows = [{ id: 1, n: 2 }, { id: 2, n: 1 }, { id: 3, n: 2 }, { id: 4, n: 1 }, { id: 5, n: 2 }];
    assert.deepEqual(ids(sortRows(rows, "n")), [2, 4, 1, 3, 5]);
    assert.deepEqual(ids(sortRows(rows, "n", true)), [1, 3, 5, 2, 4]);
  });
  test("empty cells come last, ascending and descending, in their order", () => {
    const rows = [{ id: 1, n: null }, { id: 2, n: 3 }, { id: 3, n: "" }, { id: 4 },
      { id: 5, n: 1 }, { id: 6, n: NaN }];
    assert.deepEqual(ids(sortRows(rows, "n")), [5, 2, 1, 3, 4, 6]);
    assert.deepEqual(ids(sortRows(rows, "n", true)), [2, 5, 1, 3, 4, 6]);
  });
  test("descending reverses text", () => {
    const rows = [{ id: 1, s: "b" }, { id: 2, s: "c" }, { id: 3, s: "a" }];
    assert.deepEqual(ids(sortRows(rows, "s", true)), [2, 1, 3]);
  });
  test("a new array; the rows given are not reordered", () => {
    const rows = [{ id: 1, n: 2 }, { id: 2, n: 1 }];
    const sorted = sortRows(rows, "n");
    assert.notEqual(sorted, rows);
    assert.deepEqual(ids(rows), [1, 2]);
    assert.equal(sorted[0], rows[1]);
  });
  test("list rows sort by column index; one sorter serves many sorts", () => {
    const byName = sorterFor(1);
    const rows = [[1, "beta"], [2, "alpha"], [3, "Gamma"]];
    assert.deepEqual(byName(rows).map((r) => r[0]), [2, 1, 3]);
    assert.deepEqual(byName(rows, true).map((r) => r[0]), [3, 1, 2]);
  });
  test("5,000 rows, each key read once per sort", () => {
    let reads = 0;
    const rows = Array.from({ length: 5000 }, (_, i) => {
      const row = { id: i };
      Object.defineProperty(row, "name", { get() { reads++; return `node ${(i * 7919) % 5000}`; } });
      return row;
    });
    const sorted = sortRows(rows, "name");
    assert.equal(reads, 5000);
    assert.equal(sorted[0].name, "node 0");
    assert.equal(sorted[4999].name, "node 4999");
  });
});

describe("filtering", () => {
  const rows = [{ id: 1, name: "Alpha", org: "LIFELINES" }, { id: 2, name: "beta", org: "Gazel" },
    { id: 3, name: "gamma", org: "cantabria" }];
  test("case-insensitive, trimmed, order kept", () => {
    const filter = createFilter((r) => [r.name, r.org]);
    assert.deepEqual(ids(filter.apply(rows, "A")), [1, 2, 3]);
    assert.deepEqual(ids(filter.apply(rows, "  ALP ")), [1]);
    assert.deepEqual(ids(filter.apply(rows, "lifelines")), [1]);
    assert.deepEqual(ids(filter.apply(rows, "zzz")), []);
  });
  test("an empty query keeps every row, in a new array", () => {
    const filter = createFilter((r) => r.name);
    const all = filter.apply(rows, "  ");
    assert.deepEqual(ids(all), [1, 2, 3]);
    assert.notEqual(all, rows);
    assert.deepEqual(ids(filter.apply(rows, undefined)), [1, 2, 3]);
  });
  test("a query does not match across two columns", () => {
    const filter = createFilter((r) => [r.name, r.org]);
    assert.deepEqual(ids(filter.apply(rows, "alphalife")), []);
  });
  test("each row's text is made once and kept until the row is replaced or forgotten", () => {
    let calls = 0;
    const filter = createFilter((r) => { calls++; return r.name; });
    filter.apply(rows, "a");
    filter.apply(rows, "al");
    filter.apply(rows, "alp");
    assert.equal(calls, 3);
    const patched = [{ id: 1, name: "Delta" }, rows[1], rows[2]];
    assert.deepEqual(ids(filter.apply(patched, "delta")), [1]);
    assert.equal(calls, 4);
    filter.forget();
    filter.apply(patched, "d");
    assert.equal(calls, 7);
  });
  test("prime() makes a row's text ahead of time: apply() then reads no row", () => {
    let calls = 0;
    const filter = createFilter((r) => { calls++; return r.name; });
    rows.forEach((row) => filter.prime(row));
    assert.equal(calls, 3);
    filter.prime(rows[0]);
    assert.equal(calls, 3);
    assert.deepEqual(ids(filter.apply(rows, "ALPHA")), [1]);
    assert.equal(calls, 3);
  });
  test("kept text is what the row read when first seen (forget() refreshes it)", () => {
    let suffix = "3 min ago";
    const filter = createFilter((r) => [r.name, suffix]);
    assert.deepEqual(ids(filter.apply(rows, "3 min")), [1, 2, 3]);
    suffix = "4 min ago";
    assert.deepEqual(ids(filter.apply(rows, "4 min")), []);
    filter.forget();
    assert.deepEqual(ids(filter.apply(rows, "4 min")), [1, 2, 3]);
  });
  test("null text and list rows", () => {
    const filter = createFilter((r) => r[1]);
    assert.deepEqual(filter.apply([[1, null], [2, "x"]], "x").map((r) => r[0]), [2]);
  });
});

describe("windowRange", () => {
  test("top of a long list: the rows in view plus overscan below", () => {
    assert.deepEqual(windowRange(0, 280, 28, 5000, 10), { first: 0, last: 20 });
  });
  test("scrolled: overscan above and below", () => {
    assert.deepEqual(windowRange(2800, 280, 28, 5000, 10), { first: 90, last: 120 });
  });
  test("a partly shown row counts", () => {
    assert.deepEqual(windowRange(14, 280, 28, 5000, 0), { first: 0, last: 11 });
  });
  test("no overscan", () => {
    assert.deepEqual(windowRange(2800, 280, 28, 5000), { first: 100, last: 110 });
  });
  test("the end of the list bounds the range", () => {
    assert.deepEqual(windowRange(2800, 280, 28, 105, 10), { first: 90, last: 105 });
  });
  test("empty list", () => {
    assert.deepEqual(windowRange(0, 280, 28, 0, 10), { first: 0, last: 0 });
    assert.deepEqual(windowRange(500, 280, 28, 0, 10), { first: 0, last: 0 });
  });
  test("scrolled past the end: an empty range at the end, never first > last", () => {
    assert.deepEqual(windowRange(28000, 280, 28, 50, 10), { first: 50, last: 50 });
    assert.deepEqual(windowRange(1400, 280, 28, 50, 10), { first: 40, last: 50 });
  });
  test("bad input counts as nothing", () => {
    assert.deepEqual(windowRange(-100, 280, 28, 50, 0), { first: 0, last: 10 });
    assert.deepEqual(windowRange(NaN, 280, 28, 50, 0), { first: 0, last: 10 });
    assert.deepEqual(windowRange(0, 280, 0, 50, 0), { first: 0, last: 0 });
    assert.deepEqual(windowRange(0, 280, 28, 50, -3), { first: 0, last: 10 });
  });
});

describe("applyPatch", () => {
  const rows = [{ id: 1, s: "a" }, { id: 2, s: "b" }, { id: 3, s: "c" }];
  test("replaces the row with the same key, in place of it", () => {
    const out = applyPatch(rows, [{ id: 2, s: "B" }], "id");
    assert.deepEqual(out, [{ id: 1, s: "a" }, { id: 2, s: "B" }, { id: 3, s: "c" }]);
  });
  test("a new array; the rows given are unchanged and unchanged rows are the same objects", () => {
    const out = applyPatch(rows, [{ id: 2, s: "B" }], "id");
    assert.notEqual(out, rows);
    assert.equal(rows[1].s, "b");
    assert.equal(out[0], rows[0]);
  });
  test("an unknown key is added at the end", () => {
    const out = applyPatch(rows, [{ id: 9, s: "z" }, { id: 1, s: "A" }], "id");
    assert.deepEqual(ids(out), [1, 2, 3, 9]);
    assert.equal(out[0].s, "A");
  });
  test("the same new key twice is one row, the last one", () => {
    const out = applyPatch(rows, [{ id: 9, s: "y" }, { id: 9, s: "z" }], "id");
    assert.deepEqual(out.slice(3), [{ id: 9, s: "z" }]);
  });
  test("keys compare as text", () => {
    const out = applyPatch(rows, [{ id: "3", s: "C" }], "id");
    assert.equal(out.length, 3);
    assert.equal(out[2].s, "C");
  });
  test("nothing changed: the same rows", () => {
    assert.deepEqual(applyPatch(rows, [], "id"), rows);
    assert.deepEqual(applyPatch([], [{ id: 1 }], "id"), [{ id: 1 }]);
  });
  test("inPlace changes and returns the array given", () => {
    const mine = rows.slice();
    const out = applyPatch(mine, [{ id: 3, s: "C" }, { id: 4, s: "d" }], "id", { inPlace: true });
    assert.equal(out, mine);
    assert.deepEqual(mine.map((r) => r.s), ["a", "b", "C", "d"]);
  });
  test("list rows, keyed by column index", () => {
    const out = applyPatch([[1, "a"], [2, "b"]], [[2, "B"], [3, "c"]], 0);
    assert.deepEqual(out, [[1, "a"], [2, "B"], [3, "c"]]);
  });
});

describe("rowsFromColumns", () => {
  test("lists and the column names sent once become objects", () => {
    assert.deepEqual(rowsFromColumns(["id", "name"], [[1, "a"], [2, "b"]]),
      [{ id: 1, name: "a" }, { id: 2, name: "b" }]);
  });
  test("column descriptions with a key; short lists leave cells undefined", () => {
    const rows = rowsFromColumns([{ key: "id", label: "ID" }, { key: "size", kind: "bytes" }], [[7]]);
    assert.deepEqual(Object.keys(rows[0]), ["id", "size"]);
    assert.equal(rows[0].id, 7);
    assert.equal(rows[0].size, undefined);
  });
  test("no rows", () => {
    assert.deepEqual(rowsFromColumns(["id"], []), []);
  });
});
