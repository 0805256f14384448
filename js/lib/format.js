// Text shown by the panels: durations, sizes, relative times, status chips, numbers.
// Pure functions (no DOM, no clock unless one is passed), shared by every view and
// tested under js/test/. The views import them and esbuild bundles them into each
// view's file in labpanels/static/.

// Milliseconds since the epoch for a server timestamp, NaN when empty or unreadable.
// A timestamp without a zone ("2024-05-01T10:00:00") is UTC, as the servers mean it.
export function parseTime(value) {
  if (!value) return NaN;
  const text = String(value);
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : text + "Z");
}

// An elapsed time: "42 s", "1 min 05 s", "2 h 03 min". Negative times read 0.
// Options, for the panels that show it differently today:
//   pad: false     -> "1 min 5 s", "2 h 3 min" (JobProgress)
//   tenths: true   -> under 10 s with one decimal, "3.2 s", so a short job does not
//                     read "0 s" (OsparcJobProgress)
//   nearest: true  -> whole seconds rounded to the nearest instead of down (JobProgress)
// Something that is not a finite number gives "".
export function duration(seconds, { pad = true, tenths = false, nearest = false } = {}) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "";
  const exact = Math.max(0, seconds);
  if (tenths && exact < 10) return `${exact.toFixed(1)} s`;
  const s = nearest ? Math.round(exact) : Math.floor(exact);
  const two = (n) => (pad ? String(n).padStart(2, "0") : String(n));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${two(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${two(Math.floor((s % 3600) / 60))} min`;
}

const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB"];

// A size in decimal units: "512 B", "1.5 kB", "2.0 MB" (1 kB = 1000 B, as the servers
// and file browsers report them); "" for anything that is not a number.
export function formatBytes(value) {
  if (typeof value !== "number") return "";
  let v = value;
  let i = 0;
  while (v >= 1000 && i < BYTE_UNITS.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${BYTE_UNITS[i]}`;
}

// How long ago a server timestamp was, against `now` (ms since the epoch):
// "just now" (under 10 s), "42 s ago", "3 min ago", "5 h ago", "2 d ago"; "never" when
// empty; the text itself when it is not a date. A time in the future reads "just now".
export function relativeTime(value, now = Date.now()) {
  if (value === null || value === undefined || value === "") return "never";
  const t = parseTime(value);
  if (Number.isNaN(t)) return String(value);
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

// A server timestamp as a local date and time for people: "14 Mar 2026, 10:32" (the
// locale's medium date and short time, in the browser's time zone, or `timeZone`); ""
// when empty; the text itself when it is not a date. `locale` and `timeZone` are for
// tests and for hosts that want a fixed one.
const timeFormats = new Map();
export function localTime(value, { locale = undefined, timeZone = undefined, seconds = false } = {}) {
  if (value === null || value === undefined || value === "") return "";
  const t = parseTime(value);
  if (Number.isNaN(t)) return String(value);
  const key = `${locale || ""}|${timeZone || ""}|${seconds}`;
  let format = timeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: seconds ? "medium" : "short", timeZone });
    timeFormats.set(key, format);
  }
  return format.format(new Date(t));
}

// A log line split at its leading ISO timestamp: { stamp, rest } ("" stamp when the
// line does not start with one), so a view can show the time as a local time.
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s*/;
export function splitStamp(line) {
  const match = STAMP.exec(String(line));
  return match ? { stamp: match[1], rest: String(line).slice(match[0].length) } : { stamp: "", rest: String(line) };
}

// A status word as a CSS class suffix: "killed by user" -> "killed-by-user",
// "NOT_STARTED" -> "not-started"; empty -> `fallback` ("unknown"; the o²S²PARC
// progress panel uses "none"). Used as `lp-status-${statusClass(status)}`.
export function statusClass(status, fallback = "unknown") {
  return String(status || fallback).replace(/[^a-z0-9]+/gi, "-").toLowerCase();
}

// The status words of vantage6 runs and nodes and of o²S²PARC jobs, by what they mean.
const KINDS = {
  ok: ["completed", "success", "succeeded", "online"],
  error: ["failed", "start-failed", "crashed", "killed-by-user", "non-existing-docker-image",
    "not-allowed", "unknown-error", "aborted"],
  running: ["active", "initializing", "started", "running"],
  waiting: ["pending", "published", "not-started", "waiting-for-resources",
    "waiting-for-cluster", "queued"],
};
const KIND_OF = new Map(Object.entries(KINDS).flatMap(([kind, words]) => words.map((w) => [w, kind])));

// What a status word means, whatever its case or spelling of spaces:
// "ok", "error", "running", "waiting", or "idle" (offline, never seen, unknown, empty,
// and any word not known here).
export function statusKind(status) {
  return KIND_OF.get(statusClass(status, "")) || "idle";
}

// A number for a table cell: integers as they are, from 10,000 on with thousands
// separators ("2024", "100,004": a year or a small id stays as it is); others with at
// most 6 significant digits and no trailing zeros ("0.333333", "2.5", "12,345.7",
// "1.23457e+6"). Only zeros after a decimal point are dropped: 100000.4 reads "100,000".
export function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return Math.abs(value) >= 10000 ? group(String(value)) : String(value);
  const text = value.toPrecision(6);
  const [mantissa, exponent] = text.split("e");
  const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  if (exponent !== undefined) return `${trimmed}e${exponent}`;
  return Math.abs(value) >= 10000 ? group(trimmed) : trimmed;
}

// "-1234567.5" -> "-1,234,567.5": thousands separators in the whole part of a number's text.
function group(text) {
  const [whole, fraction] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

// A count in running text, always with thousands separators: "1,500", "100,004"
// (labpanels.formatting.number does the same in Python).
export function formatCount(value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return String(value ?? "");
  return Number.isInteger(value) ? group(String(value)) : formatNumber(value);
}

// A count and its noun in the right form: "1 row", "2 rows", "100,004 files",
// plural(2, "query", "queries") -> "2 queries" (labpanels.formatting.plural in Python).
export function plural(count, word, many = `${word}s`) {
  return `${formatCount(count)} ${count === 1 ? word : many}`;
}

// A file type as people write it: the acronyms a server spells as words ("Json",
// Pennsieve's fileType) in capitals ("JSON"); other types as they are ("Image").
const ACRONYMS = new Set(["json", "csv", "tsv", "pdf", "xml", "html", "hdf5", "nwb", "tiff",
  "png", "jpeg", "jpg", "gif", "svg", "zip", "stl", "vtk", "dicom", "nifti", "edf", "mat"]);
export function fileTypeLabel(type) {
  const text = String(type ?? "");
  return ACRONYMS.has(text.toLowerCase()) ? text.toUpperCase() : text;
}
