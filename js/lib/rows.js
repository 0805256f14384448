// Rows of a table or a file list: sorting, filtering, the window of rows to draw, and
// patches from Python. Pure functions (no DOM), tested under js/test/.
//
// A row is an object ({id: 3, name: "a"}) or a list ([3, "a"]) whose column names were
// sent once: `column` and `key` below are a property name for objects and an index for
// lists, so every function works on both; rowsFromColumns turns lists into objects.

// One collator for every comparison: numeric ("file2" before "file10") and case-
// insensitive ("apple" and "Apple" are equal, so a stable sort keeps their order).
// Creating it once is what makes sorting 5,000 rows fast: localeCompare with options
// builds a collator on every call.
let collator = null;
function textCollator() {
  if (!collator) collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "accent" });
  return collator;
}

// The value a cell is sorted by: a number, a string, or null for an empty cell
// (null, undefined, "", NaN), which always sorts last.
function sortKey(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return Number.isNaN(value) ? null : value;
  return String(value);
}

// Two sort keys in ascending order (null handled by the caller).
function compareKeys(a, b, compareText) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return compareText(String(a), String(b));
}

// A sorter for one column, built once: sort(rows, desc) returns a new array of the
// same rows ordered by that column. Numbers compare as numbers, text with the numeric,
// case-insensitive collator; empty cells come last in both directions; rows that
// compare equal keep their order (stable, also when descending). Each row's key is
// read once per sort, not once per comparison.
export function sorterFor(column) {
  return function sort(rows, desc = false) {
    const compareText = textCollator().compare;
    const keys = rows.map((row) => sortKey(row == null ? undefined : row[column]));
    const order = rows.map((_, i) => i);
    const sign = desc ? -1 : 1;
    order.sort((i, j) => {
      const a = keys[i];
      const b = keys[j];
      if (a === null || b === null) return a === b ? i - j : a === null ? 1 : -1;
      return sign * compareKeys(a, b, compareText) || i - j;
    });
    return order.map((i) => rows[i]);
  };
}

// sorterFor(column)(rows, desc), for a single use.
export function sortRows(rows, column, desc = false) {
  return sorterFor(column)(rows, desc);
}

// A filter whose search text is made once per row and kept, lower-cased, until the row
// object is replaced (a patch) or forget() is called (text that changes with time, such
// as "3 min ago"). `textOf(row)` gives the row's text: a string, or a list of strings
// (one per column; a query never matches across two of them).
// filter.apply(rows, query) keeps the rows whose text contains the query, ignoring case
// and surrounding spaces, in their order; an empty query keeps every row (a new array).
// Sort first and filter the sorted rows: a keystroke then costs no sort. filter.prime(row)
// makes a row's text ahead of time (the grid does it while the page is idle).
export function createFilter(textOf) {
  let cache = new WeakMap();
  function searchText(row) {
    let text = cache.get(row);
    if (text === undefined) {
      const raw = textOf(row);
      text = (Array.isArray(raw) ? raw.join("\u0000") : String(raw ?? "")).toLowerCase();
      cache.set(row, text);
    }
    return text;
  }
  return {
    apply(rows, query) {
      const q = String(query ?? "").trim().toLowerCase();
      if (!q) return rows.slice();
      return rows.filter((row) => searchText(row).includes(q));
    },
    forget() { cache = new WeakMap(); },
    // make (and keep) a row's search text now, so that a later apply() finds it ready
    prime(row) { searchText(row); },
  };
}

// The rows to draw in a virtualized list: indexes first (inclusive) to last
// (exclusive) of the rows in view plus `overscan` rows either side, within 0..total.
// A list scrolled past its end (it shrank under the scroll position) gives an empty
// range at the end, never first > last. A bad row height or scroll position counts as 0.
export function windowRange(scrollTop, viewportHeight, rowHeight, total, overscan = 0) {
  const count = Math.max(0, Math.floor(total) || 0);
  if (!(rowHeight > 0)) return { first: 0, last: 0 };
  const top = Math.max(0, Number(scrollTop) || 0);
  const height = Math.max(0, Number(viewportHeight) || 0);
  const extra = Math.max(0, Math.floor(overscan) || 0);
  const last = Math.min(count, Math.ceil((top + height) / rowHeight) + extra);
  const first = Math.min(last, Math.max(0, Math.floor(top / rowHeight) - extra));
  return { first, last };
}

// The rows after a patch from Python: each changed row replaces the row with the same
// key (compared as text, so 7 and "7" are one row) or, when no row has that key, is
// added at the end. A new array is returned and `rows` is left as it was, unless
// { inPlace: true }: then `rows` itself is changed and returned (the table does this to
// the model's rows, so a later save does not send every row back to Python).
export function applyPatch(rows, changed, key, { inPlace = false } = {}) {
  const out = inPlace ? rows : rows.slice();
  const index = new Map();
  out.forEach((row, i) => index.set(String(row[key]), i));
  for (const row of changed) {
    const k = String(row[key]);
    const i = index.get(k);
    if (i === undefined) {
      index.set(k, out.length);
      out.push(row);
    } else {
      out[i] = row;
    }
  }
  return out;
}

// Rows sent as lists with their column names once (["id", "name"], [[1, "a"], [2, "b"]])
// as objects ({id: 1, name: "a"}, ...). A column is a name or an object with a `key`
// (the table's column descriptions); a short list leaves the missing cells undefined.
export function rowsFromColumns(columns, lists) {
  const names = columns.map((c) => (typeof c === "string" ? c : c.key));
  return lists.map((list) => {
    const row = {};
    names.forEach((name, i) => { row[name] = list[i]; });
    return row;
  });
}
