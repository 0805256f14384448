// OsparcStudyRunner: my studies (a grid; Enter or a click chooses one), its description,
// one labelled input per study input (lib/portform.js), Clone (with an optional title),
// Run and Stop, a progress bar, then the run's inputs, outputs and step logs. Python
// keeps the state and checks the inputs (messages in field_errors); every click is an
// action message naming a panel method. Server text is always written with textContent.
import { createBar } from "./lib/bar.js";
import { el, button, uniqueId } from "./lib/dom.js";
import { statusKind } from "./lib/format.js";
import { createGrid } from "./lib/grid.js";
import { createJobDetail } from "./lib/jobdetail.js";
import { createPortForm } from "./lib/portform.js";
import { actions, statusLine, watch } from "./lib/view.js";

const COLUMNS = [
  { key: "title", label: "Study", width: "minmax(140px, 2fr)" },
  { key: "description", label: "Description", width: "minmax(160px, 3fr)" },
];

function render({ model, el: host }) {
  const id = uniqueId("lp-os");
  const act = actions(model);
  const root = el("div", { class: "lp-theme lp-osparc-studies" });
  host.append(root);

  const refresh = button("Refresh", "refresh", () => act("refresh"));
  const listBox = el("div", { class: "lp-os-list" });
  const toRows = () => model.get("study_rows").map((r) => ({ uid: r[0], title: r[1], description: r[2] }));
  const grid = createGrid(listBox, {
    key: "uid", columns: COLUMNS, rows: toRows(), selectable: "single", height: 150,
    label: "Studies", emptyText: "No studies", selected: [model.get("study_id")].filter(Boolean),
    onSelect: (keys) => { if (keys.length) act("choose", { study_id: String(keys[0]) }); },
  });
  const about = el("p", { class: "lp-os-about" });

  const cloneTitle = el("input", { class: "lp-input", id: `${id}-clone`, placeholder: "(Copy)" });
  const clone = button("Clone", null, () => act("clone", { title: cloneTitle.value.trim() || null }));
  cloneTitle.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Enter") { event.preventDefault(); clone.click(); }
  });
  const cloneRow = el("div", { class: "lp-os-clone" },
    el("label", { for: `${id}-clone` }, "Clone as"), cloneTitle, clone);

  const form = el("form", { class: "lp-os-form", "aria-label": "Study inputs" });
  form.noValidate = true;
  const fields = createPortForm(model, { id, filePlaceholder: "a file path (empty: the study's own file)" });
  const outputs = el("p", { class: "lp-os-outputs" });
  const run = el("button", { type: "submit", class: "lp-button lp-primary" }, "Run");
  const stop = button("Stop", null, () => act("stop"));
  form.append(fields.el, outputs, el("div", { class: "lp-os-actions" }, run, stop));
  form.addEventListener("keydown", (event) => event.stopPropagation());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act("run_form", { values: fields.values() });
  });

  const bar = createBar("Run progress");
  const detail = createJobDetail(model, { label: "Run", empty: "No run yet" });
  root.append(el("div", { class: "lp-os-bar" }, el("span", { class: "lp-os-heading" }, "Studies"), refresh),
    listBox, about, cloneRow, form, bar.el, detail.el, statusLine(model));

  const drawStudy = watch(model, ["study_rows", "study_id", "about", "output_names"], () => {
    grid.setRows(toRows());
    grid.setSelected([model.get("study_id")].filter(Boolean));
    about.textContent = model.get("about");
    const names = model.get("output_names");
    outputs.textContent = names.length ? `Outputs: ${names.join(", ")}` : "";
    run.disabled = !model.get("study_id") || model.get("running");
    clone.disabled = !model.get("study_id");
  });
  const drawProgress = watch(model, ["progress", "progress_text", "running", "shown_id", "shown_state"], () => {
    const state = model.get("shown_state");
    bar.draw({ progress: model.get("progress"), text: model.get("progress_text"),
      kind: statusKind(state), title: state });
    bar.el.hidden = !model.get("shown_id");
    stop.disabled = !model.get("running");
    run.disabled = !model.get("study_id") || model.get("running");
  });
  drawStudy();
  drawProgress();
  return () => { grid.destroy(); detail.destroy(); };
}

export default { render };
