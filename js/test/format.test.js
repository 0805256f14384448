// format.js: each function against the strings the panels show today.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  duration, formatBytes, formatCount, formatNumber, parseTime, plural, relativeTime, statusClass,
  statusKind,
} from "../lib/format.js";

describe("duration", () => {
  test("seconds, minutes with padded seconds, hours with padded minutes", () => {
    assert.equal(duration(0), "0 s");
    assert.equal(duration(42), "42 s");
    assert.equal(duration(59.9), "59 s");
    assert.equal(duration(60), "1 min 00 s");
    assert.equal(duration(65), "1 min 05 s");
    assert.equal(duration(3599), "59 min 59 s");
    assert.equal(duration(3600), "1 h 00 min");
    assert.equal(duration(2 * 3600 + 3 * 60 + 59), "2 h 03 min");
    assert.equal(duration(30 * 3600), "30 h 00 min");
  });
  test("negative reads 0; not a number reads nothing", () => {
    assert.equal(duration(-5), "0 s");
    assert.equal(duration(NaN), "");
    assert.equal(duration(Infinity), "");
    assert.equal(duration(undefined), "");
    assert.equal(duration("12"), "");
  });
  test("JobProgress style: unpadded, rounded to the nearest second", () => {
    const jobProgress = { pad: false, nearest: true };
    assert.equal(duration(65, jobProgress), "1 min 5 s");
    assert.equal(duration(59.6, jobProgress), "1 min 0 s");
    assert.equal(duration(3.4, jobProgress), "3 s");
    assert.equal(duration(3600 + 180, jobProgress), "1 h 3 min");
  });
  test("OsparcJobProgress style: tenths under 10 s", () => {
    assert.equal(duration(0, { tenths: true }), "0.0 s");
    assert.equal(duration(3.24, { tenths: true }), "3.2 s");
    assert.equal(duration(9.99, { tenths: true }), "10.0 s");
    assert.equal(duration(10, { tenths: true }), "10 s");
    assert.equal(duration(125.7, { tenths: true }), "2 min 05 s");
    assert.equal(duration(-1, { tenths: true }), "0.0 s");
  });
});

describe("formatBytes", () => {
  test("decimal units, one decimal above bytes", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(999), "999 B");
    assert.equal(formatBytes(1000), "1.0 kB");
    assert.equal(formatBytes(1536), "1.5 kB");
    assert.equal(formatBytes(2_000_000), "2.0 MB");
    assert.equal(formatBytes(3.25e9), "3.3 GB");
    assert.equal(formatBytes(1e12), "1.0 TB");
  });
  test("TB is the largest unit", () => {
    assert.equal(formatBytes(5e15), "5000.0 TB");
  });
  test("not a number reads nothing", () => {
    assert.equal(formatBytes(null), "");
    assert.equal(formatBytes(undefined), "");
    assert.equal(formatBytes("1000"), "");
  });
});

describe("relativeTime", () => {
  const now = Date.parse("2024-05-01T12:00:00Z");
  test("empty is never", () => {
    assert.equal(relativeTime(null, now), "never");
    assert.equal(relativeTime(undefined, now), "never");
    assert.equal(relativeTime("", now), "never");
  });
  test("each step", () => {
    assert.equal(relativeTime("2024-05-01T11:59:55Z", now), "just now");
    assert.equal(relativeTime("2024-05-01T11:59:50Z", now), "10 s ago");
    assert.equal(relativeTime("2024-05-01T11:59:01Z", now), "59 s ago");
    assert.equal(relativeTime("2024-05-01T11:57:00Z", now), "3 min ago");
    assert.equal(relativeTime("2024-05-01T07:00:00Z", now), "5 h ago");
    assert.equal(relativeTime("2024-04-29T11:00:00Z", now), "2 d ago");
  });
  test("a timestamp without a zone is UTC, whatever the local zone; an offset is honoured", () => {
    const zone = process.env.TZ;
    process.env.TZ = "Asia/Kolkata"; // Node reads TZ again when it changes
    try {
      assert.equal(relativeTime("2024-05-01T11:57:00", now), "3 min ago");
    } finally {
      if (zone === undefined) delete process.env.TZ; else process.env.TZ = zone;
    }
    assert.equal(relativeTime("2024-05-01T13:57:00+02:00", now), "3 min ago");
    assert.equal(relativeTime("2024-05-01T13:57:00+0200", now), "3 min ago");
  });
  test("the future reads just now; text that is not a date is shown as it is", () => {
    assert.equal(relativeTime("2024-05-01T13:00:00Z", now), "just now");
    assert.equal(relativeTime("yesterday", now), "yesterday");
  });
  test("now defaults to the clock", () => {
    assert.equal(relativeTime(new Date(Date.now() - 120_000).toISOString()), "2 min ago");
  });
});

describe("parseTime", () => {
  test("UTC without a zone; NaN when empty or not a date", () => {
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      assert.equal(parseTime("2024-05-01T12:00:00"), Date.parse("2024-05-01T12:00:00Z"));
    } finally {
      if (zone === undefined) delete process.env.TZ; else process.env.TZ = zone;
    }
    assert.ok(Number.isNaN(parseTime("")));
    assert.ok(Number.isNaN(parseTime(null)));
    assert.ok(Number.isNaN(parseTime("soon")));
  });
});

describe("statusClass", () => {
  test("slug of the status word", () => {
    assert.equal(statusClass("killed by user"), "killed-by-user");
    assert.equal(statusClass("non-existing Docker image"), "non-existing-docker-image");
    assert.equal(statusClass("NOT_STARTED"), "not-started");
    assert.equal(statusClass("completed"), "completed");
  });
  test("empty gives the fallback", () => {
    assert.equal(statusClass(""), "unknown");
    assert.equal(statusClass(null), "unknown");
    assert.equal(statusClass("", "none"), "none");
  });
});

describe("statusKind", () => {
  test("vantage6 runs and nodes", () => {
    assert.equal(statusKind("completed"), "ok");
    assert.equal(statusKind("online"), "ok");
    assert.equal(statusKind("failed"), "error");
    assert.equal(statusKind("start failed"), "error");
    assert.equal(statusKind("crashed"), "error");
    assert.equal(statusKind("killed by user"), "error");
    assert.equal(statusKind("non-existing Docker image"), "error");
    assert.equal(statusKind("not allowed"), "error");
    assert.equal(statusKind("unknown error"), "error");
    assert.equal(statusKind("active"), "running");
    assert.equal(statusKind("initializing"), "running");
    assert.equal(statusKind("pending"), "waiting");
    assert.equal(statusKind("offline"), "idle");
    assert.equal(statusKind("never seen"), "idle");
  });
  test("o²S²PARC jobs, in capitals", () => {
    assert.equal(statusKind("SUCCESS"), "ok");
    assert.equal(statusKind("FAILED"), "error");
    assert.equal(statusKind("ABORTED"), "error");
    assert.equal(statusKind("STARTED"), "running");
    assert.equal(statusKind("PUBLISHED"), "waiting");
    assert.equal(statusKind("NOT_STARTED"), "waiting");
    assert.equal(statusKind("WAITING_FOR_RESOURCES"), "waiting");
    assert.equal(statusKind("WAITING_FOR_CLUSTER"), "waiting");
    assert.equal(statusKind("UNKNOWN"), "idle");
  });
  test("empty and unknown words are idle", () => {
    assert.equal(statusKind(""), "idle");
    assert.equal(statusKind(null), "idle");
    assert.equal(statusKind(undefined), "idle");
    assert.equal(statusKind("unknown"), "idle");
    assert.equal(statusKind("something new"), "idle");
  });
});

describe("formatNumber", () => {
  test("integers as they are, others to 6 significant digits without trailing zeros", () => {
    assert.equal(formatNumber(42), "42");
    assert.equal(formatNumber(-3), "-3");
    assert.equal(formatNumber(2.5), "2.5");
    assert.equal(formatNumber(1 / 3), "0.333333");
    assert.equal(formatNumber(10.000001), "10");
    assert.equal(formatNumber(1234567.5), "1.23457e+6");
    assert.equal(formatNumber(1.5e-7), "1.5e-7");
  });
  test("zeros before the decimal point are kept", () => {
    assert.equal(formatNumber(100000.4), "100,000");
    assert.equal(formatNumber(120.5), "120.5");
  });
  test("thousands separators from 10,000 on; a year or a small id as it is", () => {
    assert.equal(formatNumber(2024), "2024");
    assert.equal(formatNumber(9999), "9999");
    assert.equal(formatNumber(100004), "100,004");
    assert.equal(formatNumber(-1234567), "-1,234,567");
    assert.equal(formatNumber(12345.678), "12,345.7");
  });
  test("not finite", () => {
    assert.equal(formatNumber(NaN), "NaN");
    assert.equal(formatNumber(Infinity), "Infinity");
  });
});

describe("formatCount and plural", () => {
  test("counts in text always have thousands separators", () => {
    assert.equal(formatCount(1500), "1,500");
    assert.equal(formatCount(100004), "100,004");
    assert.equal(formatCount(7), "7");
    assert.equal(formatCount(2.5), "2.5");
    assert.equal(formatCount(undefined), "");
  });
  test("the noun agrees with the count", () => {
    assert.equal(plural(1, "row"), "1 row");
    assert.equal(plural(0, "row"), "0 rows");
    assert.equal(plural(2, "row"), "2 rows");
    assert.equal(plural(100004, "file"), "100,004 files");
    assert.equal(plural(2, "query", "queries"), "2 queries");
  });
});
