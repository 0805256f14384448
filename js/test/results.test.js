// The pure parts of the result viewer's view: the rows of a tab and the result columns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resultColumns, tabRows } from "../results.js";

const columns = ["organization", "sum", "count"];
const rows = [["A", 1.5, 2], ["B", 3, 4], ["A", 2, 1]];
const titles = ["All organizations", "A", "B"];

test("tab 0 holds every row and column", () => {
  assert.deepEqual(tabRows(columns, rows, titles, 0), { columns, rows });
});

test("an organization's tab holds its rows without the organization column", () => {
  assert.deepEqual(tabRows(columns, rows, titles, 1), {
    columns: ["sum", "count"], rows: [[1.5, 2], [2, 1]],
  });
  assert.deepEqual(tabRows(columns, rows, titles, 2).rows, [[3, 4]]);
});

test("organization names are compared as text", () => {
  assert.deepEqual(tabRows(["organization", "n"], [[7, 1]], ["All organizations", "7"], 1).rows, [[1]]);
});

test("without an organization column every tab shows everything", () => {
  assert.deepEqual(tabRows(["x"], [[1]], ["All organizations"], 0).rows, [[1]]);
});

test("number columns are right-aligned only when every value is a number", () => {
  const kinds = resultColumns(["organization", "sum", "mixed", "empty"],
    [["A", 1, 1, null], ["B", 2.5, "x", null]]).map((c) => c.kind);
  assert.deepEqual(kinds, ["text", "number", "text", "text"]);
});
