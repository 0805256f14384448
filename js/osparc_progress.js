// OsparcJobProgress front end: a bar, the job's state, the elapsed time and a Stop button.
// The session polls the server and the Python panel sets the traits from its one job
// state; between updates the clock runs here. The job id, state, progress text and
// messages are written with textContent.

function duration(seconds) {
  const exact = Math.max(0, seconds);
  if (exact < 10) return `${exact.toFixed(1)} s`;  // a short job does not read "0 s"
  const s = Math.floor(exact);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

const KINDS = { SUCCESS: "ok", FAILED: "error", ABORTED: "error", STARTED: "running",
  PENDING: "waiting", PUBLISHED: "waiting", NOT_STARTED: "waiting", WAITING_FOR_RESOURCES: "waiting" };

function render({ model, el: host }) {
  const el = document.createElement("div");
  el.className = "lp-theme lp-panel lp-osparc-progress";
  host.append(el);
  const head = document.createElement("div");
  head.className = "lp-op-head";
  const title = document.createElement("span");
  title.className = "lp-op-title";
  const chip = document.createElement("span");
  const clock = document.createElement("span");
  clock.className = "lp-op-clock";
  const stop = document.createElement("button");
  stop.type = "button";
  stop.className = "lp-button";
  stop.textContent = "Stop";
  head.append(title, chip, clock, stop);
  const track = document.createElement("div");
  track.className = "lp-op-track";
  track.setAttribute("role", "progressbar");
  track.setAttribute("aria-valuemin", "0");
  track.setAttribute("aria-valuemax", "100");
  const fill = document.createElement("div");
  fill.className = "lp-op-fill";
  const percent = document.createElement("span");
  percent.className = "lp-op-percent";
  track.append(fill, percent);
  const note = document.createElement("div");
  note.className = "lp-op-note";
  note.setAttribute("role", "status");
  note.setAttribute("aria-live", "polite");
  el.append(head, track, note);

  let syncedAt = performance.now();

  function tick() {
    let seconds = model.get("elapsed");
    if (model.get("running")) seconds += (performance.now() - syncedAt) / 1000;
    clock.textContent = model.get("job_id") ? `elapsed ${duration(seconds)}` : "";
  }

  function draw() {
    const state = model.get("state") || "";
    const progress = Math.max(0, Math.min(100, model.get("progress")));
    const jobId = model.get("job_id");
    title.textContent = jobId ? `${model.get("solver_label")} · job ${jobId.slice(0, 8)}` : "No job yet";
    title.title = jobId;
    chip.className = `lp-status lp-status-${state.replace(/[^a-z0-9]+/gi, "-").toLowerCase() || "none"}`;
    chip.dataset.statusKind = KINDS[state] || "idle";
    track.dataset.statusKind = KINDS[state] || "idle";
    track.title = state ? `${state} ${model.get("progress_text")}` : "no job";
    chip.textContent = state || "—";
    fill.style.width = `${progress}%`;
    fill.dataset.state = state;
    percent.textContent = model.get("progress_text");
    track.setAttribute("aria-valuenow", String(progress));
    stop.disabled = !model.get("running") || model.get("stop_sent");
    stop.textContent = model.get("stop_sent") ? "Stopping…" : "Stop";
    note.textContent = model.get("message");
    note.dataset.kind = model.get("message_kind");
    tick();
  }

  stop.addEventListener("click", () => model.send({ type: "action", name: "stop", args: {} }));
  for (const name of ["state", "progress", "progress_text", "job_id", "solver_label", "running", "stop_sent", "message", "message_kind"]) {
    model.on(`change:${name}`, draw);
  }
  model.on("change:elapsed", () => { syncedAt = performance.now(); tick(); });
  const timer = setInterval(tick, 1000);
  draw();
  return () => clearInterval(timer);
}

export default { render };
