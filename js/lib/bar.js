// The progress bar of the o²S²PARC panels (OsparcJobProgress, the study runner): a track
// whose fill is the job's progress, coloured by what its state means (the theme's status
// colours, which keep 3:1 or more against the track and the panel in light and dark),
// and beside it, never on it, the words of its progress ("40 %", "failed at 40 %").
// The state is never told by colour alone: the words say it, and the track's title.
import { el } from "./dom.js";

// A progress as a whole percentage from 0 to 100 (0 for anything that is not a number).
export function percentOf(value) {
  const p = Number(value);
  return Number.isFinite(p) ? Math.round(Math.max(0, Math.min(100, p))) : 0;
}

// A bar named `label` (its accessible name). Returns { el, draw }: draw({ progress,
// text, kind, title }) — kind is a status kind of format.js (ok, error, running, waiting,
// idle).
export function createBar(label) {
  const fill = el("div", { class: "lp-bar-fill" });
  const track = el("div", { class: "lp-bar-track", role: "progressbar", "aria-valuemin": "0",
    "aria-valuemax": "100", "aria-label": label }, fill);
  const words = el("span", { class: "lp-bar-text" });
  function draw({ progress, text = "", kind = "idle", title = "" }) {
    const p = percentOf(progress);
    fill.style.width = `${p}%`;
    track.dataset.statusKind = kind;
    track.setAttribute("aria-valuenow", String(p));
    if (text) track.setAttribute("aria-valuetext", text);
    else track.removeAttribute("aria-valuetext");
    track.title = title;
    words.textContent = text;
  }
  return { el: el("div", { class: "lp-bar" }, track, words), draw };
}
