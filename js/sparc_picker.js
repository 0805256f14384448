// DatasetPicker: search SPARC datasets (Enter in the search box searches), narrow them by
// the portal's facets, the results in a grid (js/lib/grid.js: arrows move, Enter/Space
// open), the open dataset's page (details, contributors, citation, versions), its files
// (filetree.js: a keyboard tree with ticks; a file's name or Enter previews it), the
// preview (sparc_portal.js; a scaffold in the child ScaffoldViewer), and a download with progress and Cancel. Python keeps the state; every click is an action message naming
// a public method of the panel. Server text is always written with textContent.
import { el, icon, uniqueId } from "./lib/dom.js";
import { createGrid, rowsFromWire } from "./lib/grid.js";
import { createFileTree, initializeTree } from "./filetree.js";
import { createFacets, createPage, createPreview } from "./sparc_portal.js";


function initialize({ model }) {
  return initializeTree(model);
}

function render({ model, el: host, host: widgets }) {
  const id = uniqueId("lp-sp");
  const act = (name, args = {}) => model.send({ type: "action", name, args });
  const root = el("div", { class: "lp-theme lp-sparc-picker" });
  host.append(root);
  const cleanups = [];
  const on = (event, fn) => { model.on(event, fn); cleanups.push(() => model.off(event, fn)); };

  // -- search -----------------------------------------------------------------------
  const query = el("input", {
    id: `${id}-q`, class: "lp-input", type: "search",
    placeholder: "Search datasets (words in title, description, tags)",
  });
  const tags = el("input", { id: `${id}-tags`, class: "lp-input", type: "text", list: `${id}-taglist`, placeholder: "tag, tag" });
  const tagList = el("datalist", { id: `${id}-taglist` });
  const order = el("select", { id: `${id}-order`, class: "lp-input" });
  const searchButton = el("button", { type: "submit", class: "lp-button lp-primary" }, icon("search"), el("span", {}, "Search"));
  const form = el("form", { class: "lp-sp-search", role: "search" },
    el("div", { class: "lp-sp-field lp-sp-query" }, el("label", { for: query.id }, "Search"), query),
    el("div", { class: "lp-sp-field" }, el("label", { for: tags.id }, "Tags (optional)"), tags, tagList),
    el("div", { class: "lp-sp-field" }, el("label", { for: order.id }, "Order"), order),
    searchButton);
  const search = () => act("search", { query: query.value, tags: tags.value, order_by: order.value });
  form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  form.addEventListener("keydown", (event) => {
    event.stopPropagation(); // the notebook must not take Enter (or any key typed here)
    if (event.key === "Enter" && event.target.tagName === "INPUT") { event.preventDefault(); search(); }
  });

  const prev = el("button", { type: "button", class: "lp-button", onclick: () => act("previous_page") },
    el("span", {}, "Previous"));
  const next = el("button", { type: "button", class: "lp-button", onclick: () => act("next_page") },
    el("span", {}, "Next"));
  const pageText = el("span", { class: "lp-sp-page", "aria-live": "polite" });
  const pager = el("div", { class: "lp-sp-pager" }, prev, next, pageText);

  const resultsBox = el("div", { class: "lp-sp-results" });
  const grid = createGrid(resultsBox, {
    key: "id", columns: model.get("dataset_columns"), rows: rowsFromWire(model.get("dataset_rows")),
    selectable: "single", height: 200, label: "Datasets", emptyText: model.get("results_empty"),
    selected: model.get("dataset_id") === null ? [] : [model.get("dataset_id")],
    onSelect: (keys) => { if (keys.length) act("open_dataset", { dataset_id: Number(keys[0]) }); },
  });

  // -- details ------------------------------------------------------------------------
  const title = el("div", { class: "lp-sp-title", role: "heading", "aria-level": "3" });
  const warning = el("div", { class: "lp-sp-warning", dataset: { statusKind: "waiting" } });
  const facts = el("ul", { class: "lp-sp-facts" });
  const description = el("p", { class: "lp-sp-description" });
  const version = el("select", { id: `${id}-version`, class: "lp-input" });
  const versionBox = el("div", { class: "lp-sp-field lp-sp-version" }, el("label", { for: version.id }, "Version"), version);
  version.addEventListener("change", () => {
    act("open_dataset", { dataset_id: model.get("dataset_id"), version: Number(version.value) });
  });
  version.addEventListener("keydown", (event) => event.stopPropagation());
  const details = el("section", { class: "lp-sp-details", "aria-label": "Dataset details" },
    title, warning, facts, versionBox, description);
  const facetsBox = el("div", { class: "lp-sp-facets-box" });
  const facetsPart = createFacets(facetsBox, model, act);
  const pagePart = createPage(details, model, act);

  // -- files ----------------------------------------------------------------------------
  const treeBox = el("div", { class: "lp-sp-tree" });
  const tree = createFileTree(treeBox, model);
  const previewBox = el("div", { class: "lp-sp-preview-box" });
  const previewPart = createPreview(previewBox, model, act, widgets);

  // -- download -----------------------------------------------------------------------------
  const dest = el("input", { id: `${id}-dest`, class: "lp-input", type: "text", placeholder: "./sparc-downloads/<dataset id>" });
  const zip = el("input", { id: `${id}-zip`, type: "checkbox" });
  const downloadButton = el("button", { type: "submit", class: "lp-button lp-primary" }, icon("download"), el("span", {}, "Download"));
  const cancelButton = el("button", { type: "button", class: "lp-button", onclick: () => act("cancel") }, icon("cross"), el("span", {}, "Cancel"));
  const bar = el("progress", { class: "lp-sp-bar", max: "100", value: "0", "aria-label": "Download progress" });
  const progressText = el("div", { class: "lp-sp-progress-text", "aria-live": "polite" });
  const stateWord = el("span", { class: "lp-status" });
  const downloadForm = el("form", { class: "lp-sp-download", "aria-label": "Download" },
    el("div", { class: "lp-sp-field lp-sp-dest" }, el("label", { for: dest.id }, "Save to"), dest),
    el("label", { class: "lp-sp-zip", for: zip.id }, zip, el("span", {}, "as one zip")),
    el("div", { class: "lp-sp-buttons" }, downloadButton, cancelButton));
  const start = () => {
    const args = { as_zip: zip.checked };
    if (dest.value.trim()) args.dest = dest.value.trim();
    act("start_download", args);
  };
  downloadForm.addEventListener("submit", (event) => { event.preventDefault(); start(); });
  downloadForm.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target.type === "text") { event.preventDefault(); start(); }
    if (event.key === "Escape" && model.get("download_state") === "running") act("cancel");
  });
  const progress = el("div", { class: "lp-sp-progress" }, el("div", { class: "lp-sp-bar-row" }, stateWord, bar), progressText);

  const status = el("div", { class: "lp-status-line", role: "status", "aria-live": "polite" });
  root.append(form, facetsBox, pager, resultsBox, details, treeBox, previewBox, downloadForm,
    progress, status);

  // -- drawing ---------------------------------------------------------------------------
  function drawSearch() {
    if (document.activeElement !== query) query.value = model.get("query");
    if (document.activeElement !== tags) tags.value = model.get("tags_text");
    order.replaceChildren(...model.get("orders").map(([value, label]) => el("option", { value }, label)));
    order.value = model.get("order_by");
    searchButton.disabled = model.get("searching");
    root.setAttribute("aria-busy", String(model.get("searching") || model.get("tree_loading")));
  }
  function drawTagOptions() {
    tagList.replaceChildren(...model.get("tag_options").map((t) => el("option", { value: t })));
  }
  function drawPager() {
    prev.disabled = !model.get("has_previous");
    next.disabled = !model.get("has_next");
    pageText.textContent = model.get("page_text");
    pager.hidden = !model.get("page_text");
  }
  function drawDetails() {
    const d = model.get("details") || {};
    details.hidden = !d.title && !(d.facts || []).length;
    title.textContent = d.title || "";
    warning.textContent = d.warning || "";
    warning.hidden = !d.warning;
    facts.replaceChildren(...(d.facts || []).map((line) => el("li", {}, line)));
    description.textContent = d.description || "";
    const versions = model.get("versions");
    version.replaceChildren(...versions.map((v) => el("option", { value: String(v) }, `v${v}`)));
    if (model.get("version") !== null) version.value = String(model.get("version"));
    versionBox.hidden = !versions.length;
    const chosen = model.get("dataset_id");
    grid.setSelected(chosen === null ? [] : [chosen]);
  }
  function drawDownload() {
    const state = model.get("download_state");
    const running = state === "running";
    if (document.activeElement !== dest) dest.value = model.get("dest");
    zip.checked = model.get("as_zip");
    downloadButton.disabled = running;
    cancelButton.disabled = !running;
    bar.value = model.get("download_percent");
    progressText.textContent = model.get("progress_text");
    const kind = { running: "running", done: "ok", failed: "error", cancelled: "waiting" }[state] || "idle";
    stateWord.dataset.statusKind = kind;
    stateWord.textContent = state === "idle" ? "not started" : state;
    progress.hidden = state === "idle" && !model.get("progress_text");
  }
  function drawStatus() {
    status.textContent = model.get("message");
    status.dataset.kind = model.get("message_kind");
  }

  on("change:query", drawSearch);
  on("change:tags_text", drawSearch);
  on("change:order_by", drawSearch);
  on("change:orders", drawSearch);
  on("change:searching", drawSearch);
  on("change:tree_loading", drawSearch);
  on("change:tag_options", drawTagOptions);
  on("change:dataset_columns", () => grid.setColumns(model.get("dataset_columns")));
  on("change:dataset_rows", () => grid.setRows(rowsFromWire(model.get("dataset_rows"))));
  on("change:results_empty", () => grid.setOptions({ emptyText: model.get("results_empty") }));
  on("change:page_text", drawPager);
  on("change:has_previous", drawPager);
  on("change:has_next", drawPager);
  on("change:details", drawDetails);
  on("change:versions", drawDetails);
  on("change:version", drawDetails);
  on("change:dataset_id", drawDetails);
  on("change:dest", drawDownload);
  on("change:as_zip", drawDownload);
  on("change:download_state", drawDownload);
  on("change:download_percent", drawDownload);
  on("change:progress_text", drawDownload);
  on("change:message", drawStatus);
  on("change:message_kind", drawStatus);

  drawSearch();
  drawTagOptions();
  drawPager();
  drawDetails();
  drawDownload();
  drawStatus();

  return () => {
    for (const off of cleanups) off();
    grid.destroy();
    tree.destroy();
    facetsPart.destroy();
    pagePart.destroy();
    previewPart.destroy();
  };
}

export default { initialize, render };
