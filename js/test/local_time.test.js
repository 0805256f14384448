// Local, human-readable times for the task list's Created and Finished columns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { localTime, splitStamp } from "../lib/format.js";
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

test("a log line's leading timestamp is split off and reads as a local time with seconds", () => {
  const line = "2026-12-02T04:46:20.195787+00:00 [INFO] solver started";
  const { stamp, rest } = splitStamp(line);
  assert.equal(stamp, "2026-12-02T04:46:20.195787+00:00");
  assert.equal(rest, "[INFO] solver started");
  assert.equal(localTime(stamp, { locale: "en-GB", timeZone: "Europe/Amsterdam", seconds: true }),
    "2 Dec 2026, 05:46:20");
  assert.deepEqual(splitStamp("no time here"), { stamp: "", rest: "no time here" });
  assert.deepEqual(splitStamp("2026-12-02 is a date, not a stamp"),
    { stamp: "", rest: "2026-12-02 is a date, not a stamp" });
});
