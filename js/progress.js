// JobProgress front end: one bar segment per run, its status told by a title and an
// aria-label (organization and status) as well as its colour; the task's own runs first,
// then each subtask's runs after a small gap. The status pill carries its word. Server
// text (names, statuses) is written with textContent or as an attribute, never as HTML.
import { duration, parseTime, statusClass, statusKind } from "./lib/format.js";

function span(className) {
  const el = document.createElement("span");
  el.className = className;
  return el;
}

function render({ model, el }) {
  el.classList.add("lp-theme", "lp-panel", "lp-progress");
  const head = document.createElement("div");
  head.className = "lp-progress-head";
  const title = span("lp-progress-title");
  const chip = span("lp-progress-pill");
  const clock = span("lp-progress-clock");
  head.append(title, chip, clock);

  // the segments are a list (one item per run, named by organization and status); the
  // progressbar is the summary line, so the runs are not hidden inside it (the children
  // of a progressbar are presentational for screen readers)
  const bar = document.createElement("div");
  bar.className = "lp-progress-bar";
  bar.setAttribute("role", "list");
  bar.setAttribute("aria-label", "Runs by organization");
  const summary = document.createElement("div");
  summary.className = "lp-progress-summary";
  summary.setAttribute("role", "progressbar");
  summary.setAttribute("aria-valuemin", "0");
  summary.setAttribute("aria-valuemax", "100");
  const note = document.createElement("div");
  note.className = "lp-progress-note";
  note.setAttribute("role", "status");
  note.setAttribute("aria-live", "polite");
  el.append(head, bar, summary, note);

  function drawClock() {
    const start = parseTime(model.get("created_at"));
    let seconds = model.get("elapsed");
    if (!Number.isNaN(start)) {
      const end = model.get("finished") ? parseTime(model.get("finished_at")) : Date.now();
      if (!Number.isNaN(end)) seconds = (end - start) / 1000;
    }
    clock.textContent = model.get("task_id") ? `elapsed ${duration(seconds, { pad: false, nearest: true })}` : "";
  }

  function draw() {
    const taskId = model.get("task_id");
    const name = model.get("title") || (taskId ? `Task ${taskId}` : "No task");
    title.textContent = name;
    const status = model.get("status");
    chip.className = `lp-progress-pill lp-status lp-status-${statusClass(status)}`;
    chip.dataset.statusKind = statusKind(status);
    chip.textContent = status || "";
    chip.hidden = !status;

    bar.replaceChildren();
    let group = null;
    for (const seg of model.get("segments")) {
      if (group !== null && seg.task_id !== group) bar.append(span("lp-seg-gap"));
      group = seg.task_id;
      const part = span(`lp-seg lp-seg-${statusClass(seg.status)}${seg.subtask ? " lp-seg-sub" : ""}`);
      part.dataset.status = seg.status;
      part.dataset.statusKind = statusKind(seg.status);
      part.dataset.run = String(seg.id);
      part.title = `${seg.organization}: ${seg.status}` +
        (seg.node ? ` (node ${seg.node})` : "") + (seg.subtask ? `, subtask ${seg.task_id}` : "");
      part.setAttribute("role", "listitem");
      part.setAttribute("aria-label", part.title);
      bar.append(part);
    }
    const pct = Math.round(100 * model.get("fraction"));
    const total = model.get("total");
    summary.setAttribute("aria-valuenow", String(pct));
    summary.setAttribute("aria-label", `${name}: runs finished`);
    summary.setAttribute("aria-valuetext", total ? `${model.get("done")} of ${total} runs finished (${pct}%)` : "no runs yet");
    bar.hidden = !total;
    summary.hidden = !total;

    const counts = model.get("counts");
    const parts = Object.keys(counts).sort().map((s) => `${s} ${counts[s]}`);
    summary.textContent = total
      ? `${model.get("done")} of ${total} runs finished (${pct}%) · ${parts.join(" · ")}`
      : "";
    note.textContent = model.get("message");
    note.dataset.kind = model.get("message_kind");
    drawClock();
  }

  const names = ["task_id", "title", "status", "segments", "counts", "done", "total", "fraction",
    "finished", "created_at", "finished_at", "elapsed", "message", "message_kind"];
  for (const name of names) model.on(`change:${name}`, draw);
  const tick = setInterval(() => { if (!model.get("finished")) drawClock(); }, 1000);
  draw();
  return () => {
    clearInterval(tick);
    for (const name of names) model.off(`change:${name}`, draw);
  };
}

export default { render };
