// JobProgress front end: one bar segment per run, coloured by status; the task's own
// runs first, then each subtask's runs after a small gap. Everything from the server
// (names, statuses) is written with textContent or as a title attribute, never as HTML.

function statusClass(status) {
  return String(status || "unknown").replace(/[^a-z0-9]+/gi, "-").toLowerCase();
}

function parseTime(value) {
  if (!value) return NaN;
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z");
}

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function render({ model, el }) {
  el.classList.add("lp-panel", "lp-progress");
  const head = document.createElement("div");
  head.className = "lp-progress-head";
  const title = document.createElement("span");
  title.className = "lp-progress-title";
  const chip = document.createElement("span");
  const clock = document.createElement("span");
  clock.className = "lp-progress-clock";
  head.append(title, chip, clock);

  const bar = document.createElement("div");
  bar.className = "lp-progress-bar";
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  const summary = document.createElement("div");
  summary.className = "lp-progress-summary";
  const note = document.createElement("div");
  note.className = "lp-progress-note";
  el.append(head, bar, summary, note);

  function drawClock() {
    const start = parseTime(model.get("created_at"));
    let seconds = model.get("elapsed");
    if (!Number.isNaN(start)) {
      const end = model.get("finished") ? parseTime(model.get("finished_at")) : Date.now();
      if (!Number.isNaN(end)) seconds = (end - start) / 1000;
    }
    clock.textContent = model.get("task_id") ? `elapsed ${duration(seconds)}` : "";
  }

  function draw() {
    const taskId = model.get("task_id");
    title.textContent = model.get("title") || (taskId ? `Task ${taskId}` : "No task");
    const status = model.get("status");
    chip.className = `lp-status lp-status-${statusClass(status)}`;
    chip.textContent = status || "";
    chip.style.display = status ? "" : "none";

    bar.replaceChildren();
    let group = null;
    for (const seg of model.get("segments")) {
      if (group !== null && seg.task_id !== group) {
        const gap = document.createElement("span");
        gap.className = "lp-seg-gap";
        bar.append(gap);
      }
      group = seg.task_id;
      const part = document.createElement("span");
      part.className = `lp-seg lp-seg-${statusClass(seg.status)}${seg.subtask ? " lp-seg-sub" : ""}`;
      part.dataset.status = seg.status;
      part.dataset.run = String(seg.id);
      part.title = `${seg.organization}: ${seg.status}` +
        (seg.node ? ` (node ${seg.node})` : "") + (seg.subtask ? ` — subtask ${seg.task_id}` : "");
      part.setAttribute("aria-label", part.title);
      bar.append(part);
    }
    const pct = Math.round(100 * model.get("fraction"));
    bar.setAttribute("aria-valuenow", String(pct));

    const counts = model.get("counts");
    const parts = Object.keys(counts).sort().map((s) => `${s} ${counts[s]}`);
    summary.textContent = model.get("total")
      ? `${model.get("done")} of ${model.get("total")} runs finished (${pct}%) · ${parts.join(" · ")}`
      : "";
    note.textContent = model.get("note");
    note.dataset.kind = model.get("note_kind");
    drawClock();
  }

  const names = ["task_id", "title", "status", "segments", "counts", "done", "total", "fraction",
    "finished", "created_at", "finished_at", "elapsed", "note", "note_kind"];
  for (const name of names) model.on(`change:${name}`, draw);
  const tick = setInterval(() => { if (!model.get("finished")) drawClock(); }, 1000);
  draw();
  return () => clearInterval(tick);
}

export default { render };
