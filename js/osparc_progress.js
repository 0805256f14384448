// OsparcJobProgress front end: a bar (lib/bar.js), the job's state, the elapsed time and
// a Stop button. The session polls the server and the Python panel sets the traits from
// its one job state; between updates the clock runs here. The job id, state, progress
// text and messages are written with textContent.
import { createBar } from "./lib/bar.js";
import { el } from "./lib/dom.js";
import { duration, statusClass, statusKind } from "./lib/format.js";
import { actions, statusLine, watch } from "./lib/view.js";

const TRAITS = ["state", "progress", "progress_text", "job_id", "solver_label", "running",
  "stop_sent", "message", "message_kind"];

function render({ model, el: host }) {
  const act = actions(model);
  const title = el("span", { class: "lp-op-title" });
  const chip = el("span");
  const clock = el("span", { class: "lp-op-clock" });
  const stop = el("button", { type: "button", class: "lp-button", onclick: () => act("stop") }, "Stop");
  const bar = createBar("Job progress");
  host.append(el("div", { class: "lp-theme lp-panel lp-osparc-progress" },
    el("div", { class: "lp-op-head" }, title, chip, clock, stop), bar.el, statusLine(model)));

  let syncedAt = performance.now();

  function tick() {
    let seconds = model.get("elapsed");
    if (model.get("running")) seconds += (performance.now() - syncedAt) / 1000;
    clock.textContent = model.get("job_id") ? `elapsed ${duration(seconds, { tenths: true })}` : "";
  }

  const draw = watch(model, TRAITS, () => {
    const state = model.get("state") || "";
    const jobId = model.get("job_id");
    title.textContent = jobId ? `${model.get("solver_label")} · job ${jobId.slice(0, 8)}` : "No job yet";
    title.title = jobId;
    chip.className = `lp-status lp-status-${statusClass(state, "none")}`;
    chip.dataset.statusKind = statusKind(state);
    chip.textContent = state || "—";
    bar.draw({ progress: model.get("progress"), text: model.get("progress_text"),
      kind: statusKind(state), title: state ? `${state} ${model.get("progress_text")}` : "no job" });
    stop.disabled = !model.get("running") || model.get("stop_sent");
    stop.textContent = model.get("stop_sent") ? "Stopping…" : "Stop";
    tick();
  });
  model.on("change:elapsed", () => { syncedAt = performance.now(); tick(); });
  const timer = setInterval(tick, 1000);
  draw();
  return () => clearInterval(timer);
}

export default { render };
