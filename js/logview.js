// A job's log in the browser: the lines live in a store that belongs to the widget's
// model (one per model in the page, named by its `log_key` trait). Python sends only
// NEW lines (`log_append`: epoch, start, rows of [level, text]) and `log_reset` when
// the log is replaced; `initializeLog` applies them once per model, in the view
// module's initialize, so every view of the model agrees and a view rendered again
// shows every line. A view appends the new lines to its DOM without redrawing the rest.
// Every line is written with textContent.

import { localTime, splitStamp } from "./lib/format.js";

const stores = new Map();

// The log store of a model: { epoch, rows: [[level, text]...], counts, listeners }.
export function logStore(model) {
  const key = model.get("log_key") || "default";
  let store = stores.get(key);
  if (!store) {
    store = { epoch: -1, rows: [], counts: {}, listeners: new Set() };
    stores.set(key, store);
  }
  return store;
}

function emit(store, event) {
  for (const listener of store.listeners) listener(event);
}

// Apply one log message to a store; returns what a model must ask for when out of step.
export function applyLogMessage(store, msg) {
  if (!msg || typeof msg !== "object") return null;
  if (msg.type === "log_reset") {
    store.epoch = msg.epoch;
    store.rows = [];
    store.counts = {};
    emit(store, { reset: true });
    return null;
  }
  if (msg.type !== "log_append") return null;
  if (msg.epoch !== store.epoch || msg.start !== store.rows.length) {
    return { type: "log_sync", epoch: store.epoch, have: store.rows.length };
  }
  const start = store.rows.length;
  for (const row of msg.rows) {
    store.rows.push(row);
    store.counts[row[0]] = (store.counts[row[0]] || 0) + 1;
  }
  emit(store, { start });
  return null;
}

// Called from the view module's initialize({model}): follow the model's log messages.
export function initializeLog(model) {
  const store = logStore(model);
  const onMessage = (msg) => {
    const ask = applyLogMessage(store, msg);
    if (ask) model.send(ask);
  };
  model.on("msg:custom", onMessage);
  model.send({ type: "log_sync", epoch: store.epoch, have: store.rows.length });
  return () => model.off("msg:custom", onMessage);
}

// Does a row pass the filters (levels: a Set; needle: lower-cased text)?
export function passes(row, levels, needle) {
  return levels.has(row[0]) && (!needle || String(row[1]).toLowerCase().includes(needle));
}

// The log's DOM: a scrolling <pre> of lines; `filters()` gives {levels, needle, marked}
// (marked: the index of the error line, or -1). Returns { el, redraw, update, destroy }.
export function createLogView(model, store, filters, onCount) {
  const body = document.createElement("pre");
  body.className = "lp-logview-body";
  body.tabIndex = 0;
  body.setAttribute("role", "log");
  body.setAttribute("aria-label", "Job log");
  let shown = 0;

  function lineElement(row, index, marked) {
    const line = document.createElement("div");
    line.className = "lp-log-line";
    line.dataset.level = row[0];
    line.dataset.n = String(index);
    if (index === marked) {
      line.classList.add("lp-log-error");
      const badge = document.createElement("span");
      badge.className = "lp-log-badge";
      badge.textContent = "error line";
      line.append(badge);
    }
    const { stamp, rest } = splitStamp(row[1]);
    if (stamp) {  // the server's ISO time, read as a local time; the exact one on hover
      const time = document.createElement("time");
      time.className = "lp-log-time";
      time.dateTime = stamp;
      time.title = stamp;
      time.textContent = localTime(stamp, { seconds: true });
      line.append(time, " ");
    }
    const text = document.createElement("span");
    text.textContent = rest === "" && !stamp ? "\u00a0" : rest;
    line.append(text);
    return line;
  }

  function empty() {
    const note = document.createElement("div");
    note.className = "lp-log-empty";
    note.textContent = model.get("log_empty");
    return note;
  }

  // append rows from `start` that pass the filters; keep the view at the bottom if it was
  function append(start) {
    const { levels, needle, marked } = filters();
    const atEnd = body.scrollHeight - body.scrollTop - body.clientHeight < 8;
    const fragment = document.createDocumentFragment();
    let markedLine = null;
    for (let i = start; i < store.rows.length; i++) {
      const row = store.rows[i];
      if (!passes(row, levels, needle)) continue;
      const line = lineElement(row, i, marked);
      if (i === marked) markedLine = line;
      fragment.append(line);
      shown++;
    }
    if (shown && body.querySelector(".lp-log-empty")) body.replaceChildren();
    body.append(fragment);
    if (!shown && !body.firstChild) body.append(empty());
    if (markedLine) requestAnimationFrame(() => markedLine.scrollIntoView({ block: "nearest" }));
    else if (atEnd) body.scrollTop = body.scrollHeight;
    onCount(shown, store.rows.length);
  }

  function redraw() {
    body.replaceChildren();
    shown = 0;
    append(0);
  }

  const listener = (event) => (event.reset ? redraw() : append(event.start));
  store.listeners.add(listener);
  return { el: body, redraw, destroy: () => store.listeners.delete(listener) };
}
