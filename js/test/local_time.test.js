// Local, human-readable times for the task list's Created and Finished columns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { localTime } from "../lib/format.js";
import { cellText } from "../lib/grid.js";

test("a server time (naive means UTC) reads as a local date and time", () => {
  const opts = { locale: "en-GB", timeZone: "Europe/Amsterdam" };
  assert.equal(localTime("2026-03-14T09:32:05.123456", opts), "14 Mar 2026, 10:32");
  assert.equal(localTime("2026-07-01T23:30:00Z", opts), "2 Jul 2026, 01:30");
  assert.equal(localTime("2026-03-14T09:32:05+00:00", { locale: "en-GB", timeZone: "UTC" }),
    "14 Mar 2026, 09:32");
});

test("empty reads empty; what is not a time stays as it is", () => {
  assert.equal(localTime(""), "");
  assert.equal(localTime(null), "");
  assert.equal(localTime(undefined), "");
  assert.equal(localTime("soon"), "soon");
});

test("the grid's time columns show it, not the raw ISO text", () => {
  const text = cellText({ kind: "time" }, "2026-03-14T09:32:05.123456");
  assert.notEqual(text, "2026-03-14T09:32:05.123456");
  assert.equal(text, localTime("2026-03-14T09:32:05.123456"));
  assert.equal(cellText({ kind: "time" }, null), "");
});
