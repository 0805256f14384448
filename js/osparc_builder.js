// JobBuilder: choose a solver and version, fill one labelled input per port (by type:
// number, text, yes/no, a choice, JSON, or a file of the work folder with an upload; see
// lib/portform.js), Submit. Python validates: field messages come back in
// `field_errors`, the status line in `message`. Every click is an action message naming
// a panel method; Enter in the form submits it and never reaches the notebook. Text is
// set with textContent.
import { el, uniqueId } from "./lib/dom.js";
import { createPortForm } from "./lib/portform.js";
import { actions, statusLine, watch } from "./lib/view.js";

const options = (pairs) => pairs.map(([value, label]) => el("option", { value }, label));

function render({ model, el: host }) {
  const id = uniqueId("lp-ob");
  const act = actions(model);
  const root = el("form", { class: "lp-theme lp-osparc-builder" });
  root.noValidate = true;
  host.append(root);

  // each label with its select: a pair wraps as one, and a select takes its row's width
  const solver = el("select", { class: "lp-input", id: `${id}-solver` });
  const version = el("select", { class: "lp-input", id: `${id}-version` });
  const reload = el("button", { type: "button", class: "lp-button",
    title: "Read the solvers and the files of the folder again" }, "Refresh");
  const pick = el("div", { class: "lp-ob-pick" },
    el("div", { class: "lp-ob-choice lp-ob-solver" }, el("label", { for: solver.id }, "Solver"), solver),
    el("div", { class: "lp-ob-choice" }, el("label", { for: version.id }, "Version"), version),
    reload);
  const about = el("p", { class: "lp-ob-about" });
  const filesList = el("datalist", { id: `${id}-files` });
  const form = createPortForm(model, {
    id, empty: "This solver takes no inputs", filePlaceholder: "a file in the work folder",
    files: filesList.id,
    onChange: (key, value) => act("set_inputs", { [key]: value }),
    onUpload: async (key, file) => act("upload", { key, name: file.name }, [await file.arrayBuffer()]),
  });
  const submit = el("button", { type: "submit", class: "lp-button lp-primary" }, "Submit");
  root.append(pick, about, form.el, filesList, submit, statusLine(model));

  const drawSolvers = watch(model, ["solver_options", "solver_id", "versions", "version", "about"], () => {
    solver.replaceChildren(...options(model.get("solver_options")));
    solver.value = model.get("solver_id");
    solver.title = solver.selectedOptions.length ? solver.selectedOptions[0].textContent : "";
    version.replaceChildren(...options(model.get("versions").map((v) => [v, v])));
    version.value = model.get("version");
    about.textContent = model.get("about");
  });
  const drawFiles = watch(model, ["files"], () => {
    filesList.replaceChildren(...model.get("files").map((f) => el("option", { value: f })));
  });
  const drawSubmit = watch(model, ["submitting"], () => {
    submit.disabled = model.get("submitting");
    submit.textContent = model.get("submitting") ? "Submitting…" : "Submit";
  });

  solver.addEventListener("change", () => act("choose_solver", { key: solver.value }));
  version.addEventListener("change", () => act("choose_solver", { key: solver.value, version: version.value }));
  reload.addEventListener("click", () => act("refresh"));
  root.addEventListener("keydown", (event) => event.stopPropagation());
  root.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!model.get("submitting")) act("submit_form", { values: form.values() });
  });
  drawSolvers();
  drawFiles();
  drawSubmit();
}

export default { render };
