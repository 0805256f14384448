// The pure parts of the task list's view: status groups, search and filter, chip counts,
// and the tree's visible nodes and keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { groupCounts, matchTask, statusGroup, treeKey, visibleTree } from "../task_list.js";

const rows = [
  { id: 12, name: "age average", status: "completed" },
  { id: 112, name: "sex average", status: "failed" },
  { id: 7, name: "run 12 again", status: "active" },
  { id: 3, name: "Stuck", status: "pending" },
  { id: 4, name: "stopped", status: "killed by user" },
  { id: 5, name: "crash", status: "crashed" },
];
const ids = (list) => list.map((r) => r.id);

test("statuses fall into the chips' groups", () => {
  assert.deepEqual(["pending", "initializing", "active", "completed", "failed", "crashed",
    "start failed", "killed by user", "", undefined].map(statusGroup),
  ["running", "running", "running", "completed", "failed", "failed", "failed", "killed",
    "running", "running"]);
});

test("digits find that task id and names holding them; #12 only task 12", () => {
  assert.deepEqual(ids(rows.filter((r) => matchTask(r, "12"))), [12, 7]);
  assert.deepEqual(ids(rows.filter((r) => matchTask(r, " #12 "))), [12]);
  assert.deepEqual(ids(rows.filter((r) => matchTask(r, "012"))), [12]); // the number, not the text
});

test("text finds names whatever their case; empty finds everything", () => {
  assert.deepEqual(ids(rows.filter((r) => matchTask(r, "AVERAGE"))), [12, 112]);
  assert.deepEqual(ids(rows.filter((r) => matchTask(r, "stuck"))), [3]);
  assert.equal(rows.filter((r) => matchTask(r, "  ")).length, rows.length);
  assert.equal(rows.filter((r) => matchTask(r, "#x")).length, 0);
});

test("the status filter and the search combine", () => {
  assert.deepEqual(ids(rows.filter((r) => matchTask(r, "", "failed"))), [112, 5]);
  assert.deepEqual(ids(rows.filter((r) => matchTask(r, "average", "failed"))), [112]);
  assert.deepEqual(ids(rows.filter((r) => matchTask(r, "", "running"))), [7, 3]);
  assert.deepEqual(ids(rows.filter((r) => matchTask(r, "", "killed"))), [4]);
});

test("chips count the rows that match the search, by group", () => {
  assert.deepEqual(groupCounts(rows), { all: 6, running: 2, completed: 1, failed: 2, killed: 1 });
  assert.deepEqual(groupCounts(rows, "average"), { all: 2, running: 0, completed: 1, failed: 1, killed: 0 });
});

// task 1 -> run 10 (A) -> subtask 2 -> runs 20, 21; run 11 (B)
const nodes = [
  { id: "task-1", parent: null, level: 0, kind: "task" },
  { id: "run-10", parent: "task-1", level: 1, kind: "run" },
  { id: "task-2", parent: "run-10", level: 2, kind: "task" },
  { id: "run-20", parent: "task-2", level: 3, kind: "run" },
  { id: "run-21", parent: "task-2", level: 3, kind: "run" },
  { id: "run-11", parent: "task-1", level: 1, kind: "run" },
];
const shown = (v) => v.map((i) => i.node.id);

test("the tree shows every node in order, with positions among siblings", () => {
  const v = visibleTree(nodes);
  assert.deepEqual(shown(v), ["task-1", "run-10", "task-2", "run-20", "run-21", "run-11"]);
  assert.deepEqual(v.map((i) => [i.hasChildren, i.expanded]), [
    [true, true], [true, true], [true, true], [false, false], [false, false], [false, false]]);
  assert.deepEqual(v.map((i) => i.parentIndex), [-1, 0, 1, 2, 2, 0]);
  assert.deepEqual(v.map((i) => `${i.posinset}/${i.setsize}`), ["1/1", "1/2", "1/1", "1/2", "2/2", "2/2"]);
});

test("a collapsed node hides what is under it", () => {
  assert.deepEqual(shown(visibleTree(nodes, new Set(["run-10"]))), ["task-1", "run-10", "run-11"]);
  assert.deepEqual(shown(visibleTree(nodes, new Set(["task-1"]))), ["task-1"]);
});

test("keys move, open, close and activate as in an ARIA tree", () => {
  const v = visibleTree(nodes);
  assert.deepEqual(treeKey(v, 0, "ArrowDown"), { focus: 1 });
  assert.deepEqual(treeKey(v, 5, "ArrowDown"), { focus: 5 });
  assert.deepEqual(treeKey(v, 0, "ArrowUp"), { focus: 0 });
  assert.deepEqual(treeKey(v, 3, "Home"), { focus: 0 });
  assert.deepEqual(treeKey(v, 0, "End"), { focus: 5 });
  assert.deepEqual(treeKey(v, 1, "ArrowRight"), { focus: 2 }); // open: to its first child
  assert.deepEqual(treeKey(v, 1, "ArrowLeft"), { collapse: "run-10" });
  assert.deepEqual(treeKey(v, 4, "ArrowLeft"), { focus: 2 }); // a leaf: to its parent
  assert.deepEqual(treeKey(v, 3, "Enter"), { activate: 3 });
  assert.deepEqual(treeKey(v, 3, " "), { activate: 3 });
  assert.equal(treeKey(v, 3, "x"), null);
  const shut = visibleTree(nodes, new Set(["run-10"]));
  assert.deepEqual(treeKey(shut, 1, "ArrowRight"), { expand: "run-10" });
  assert.deepEqual(treeKey(shut, 2, "ArrowRight"), { focus: 2 }); // a leaf stays
  assert.deepEqual(treeKey([], -1, "ArrowDown"), null);
});
