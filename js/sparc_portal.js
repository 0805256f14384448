// The DatasetPicker's portal parts, drawn inside its one view (sparc_picker.js): the
// facets (checkboxes with counts, one fieldset per facet), the dataset page's
// contributors, citation (APA / BibTeX, Copy) and versions, and the file preview (a
// table, small line plots from lib/sparkplot.js, an image from bytes, text, or a scaffold
// or segmentation in the picker's child ScaffoldViewer, drawn here from its widget
// reference). Python keeps the state; every click is an action message. Server text is
// always textContent.
import { drawChild } from "./lib/child.js";
import { el, icon, uniqueId } from "./lib/dom.js";
import { formatBytes } from "./lib/format.js";
import { plotModel } from "./lib/sparkplot.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return node;
}

// -- facets ------------------------------------------------------------------------------
export function createFacets(container, model, act) {
  const id = uniqueId("lp-sp-facets");
  const heading = el("div", { id: `${id}-h`, class: "lp-sp-subhead", role: "heading", "aria-level": "3" }, "Filter by");
  const clear = el("button", { type: "button", class: "lp-button lp-sp-clear", onclick: () => act("clear_facets") },
    icon("cross"), el("span", {}, "Clear filters"));
  const note = el("div", { class: "lp-sp-facets-note", role: "status" });
  const groups = el("div", { class: "lp-sp-facet-groups" });
  const root = el("section", { class: "lp-sp-facets", "aria-labelledby": heading.id },
    el("div", { class: "lp-sp-facets-head" }, heading, clear), note, groups);
  container.append(root);

  function draw() {
    const active = document.activeElement;
    const focusKey = active && root.contains(active) && active.dataset ? active.dataset.facetId : null;
    const facets = model.get("facets") || [];
    const chosen = model.get("facet_filters") || {};
    groups.replaceChildren();
    for (const facet of facets) {
      if (!facet.values.length) continue;
      const legend = el("legend", {}, facet.label);
      const set = el("fieldset", { class: "lp-sp-facet", dataset: { key: facet.key } }, legend);
      const picked = chosen[facet.key] || [];
      for (const v of facet.values) {
        const box = el("input", { type: "checkbox", dataset: { facetId: `${facet.key}\u0000${v.value}` } });
        box.checked = picked.includes(v.value);
        box.addEventListener("change", () => act("toggle_facet", { key: facet.key, value: v.value, selected: box.checked }));
        const label = el("label", { class: `lp-sp-facet-value${v.count ? "" : " lp-sp-zero"}` }, box,
          el("span", { class: "lp-sp-facet-name" }, v.value),
          el("span", { class: "lp-sp-count", "aria-label": `${v.count} datasets` }, String(v.count)));
        set.append(label);
      }
      groups.append(set);
    }
    const any = Object.values(chosen).some((values) => values && values.length);
    clear.disabled = !any;
    note.textContent = model.get("facets_note") || "";
    note.hidden = !note.textContent;
    root.hidden = !facets.some((f) => f.values.length) && !note.textContent;
    if (focusKey) {
      const again = [...groups.querySelectorAll("input")].find((b) => b.dataset.facetId === focusKey);
      if (again) again.focus();
    }
  }
  const events = ["change:facets", "change:facet_filters", "change:facets_note"];
  for (const e of events) model.on(e, draw);
  root.addEventListener("keydown", (event) => event.stopPropagation()); // Space is ours
  draw();
  return { destroy() { for (const e of events) model.off(e, draw); root.remove(); } };
}

// -- dataset page: contributors, citation, versions ---------------------------------------
export async function copyText(text, target, clipboard = globalThis.navigator && globalThis.navigator.clipboard) {
  // the clipboard API where the page may use it; else the text is selected for Ctrl+C
  if (clipboard && clipboard.writeText) {
    try {
      await clipboard.writeText(text);
      return "copied";
    } catch (_) { /* refused (no permission, not focused): select instead */ }
  }
  const range = document.createRange();
  range.selectNodeContents(target);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return "selected";
}

export function createPage(container, model, act) {
  const id = uniqueId("lp-sp-page");
  const people = el("ul", { class: "lp-sp-people" });
  const peopleBox = el("div", { class: "lp-sp-block" }, el("div", { class: "lp-sp-subhead", role: "heading", "aria-level": "4" }, "Contributors"), people);
  const style = el("select", { id: `${id}-style`, class: "lp-input" });
  const citeText = el("pre", { class: "lp-sp-cite-text", tabindex: "0", "aria-label": "Citation text" });
  const copied = el("span", { class: "lp-sp-copied", role: "status", "aria-live": "polite" });
  const copy = el("button", { type: "button", class: "lp-button" }, el("span", {}, "Copy citation"));
  const citeBox = el("div", { class: "lp-sp-block lp-sp-cite" },
    el("div", { class: "lp-sp-cite-head" },
      el("div", { class: "lp-sp-subhead", role: "heading", "aria-level": "4" }, "Cite this dataset"),
      el("label", { for: style.id }, "Citation style"), style, copy, copied),
    citeText);
  const versions = el("ul", { class: "lp-sp-version-list" });
  const versionsBox = el("div", { class: "lp-sp-block" }, el("div", { class: "lp-sp-subhead", role: "heading", "aria-level": "4" }, "All versions"), versions);
  const root = el("div", { class: "lp-sp-page" }, peopleBox, citeBox, versionsBox);
  container.append(root);

  style.addEventListener("change", () => act("choose_citation_style", { style: style.value }));
  style.addEventListener("keydown", (event) => event.stopPropagation());
  copy.addEventListener("click", async () => {
    const how = await copyText(citeText.textContent, citeText);
    copied.textContent = how === "copied" ? "Copied to the clipboard" : "Selected: press Ctrl+C to copy";
  });

  function draw() {
    const page = model.get("page") || {};
    root.hidden = !Object.keys(page).length;
    people.replaceChildren(...(page.contributors || []).map((p) => el("li", {},
      el("span", { class: "lp-sp-person" }, p.name),
      p.degree ? el("span", { class: "lp-sp-muted" }, `, ${p.degree}`) : null,
      p.orcid ? el("span", { class: "lp-sp-muted" }, ` · ORCID ${p.orcid}`) : null)));
    peopleBox.hidden = !(page.contributors || []).length;
    style.replaceChildren(...model.get("citation_styles").map(([value, label]) => el("option", { value }, label)));
    style.value = model.get("citation_style");
    const citation = page.citation || {};
    citeText.textContent = citation.error || citation[model.get("citation_style")] || "";
    citeText.dataset.style = model.get("citation_style");
    copy.disabled = !!citation.error || !citeText.textContent;
    copied.textContent = "";
    versions.replaceChildren(...(page.versions || []).map((v) => {
      const facts = [`Version ${v.version}`, v.published && `published ${v.published}`,
        typeof v.files === "number" && `${v.files.toLocaleString("en")} files`,
        typeof v.size === "number" && formatBytes(v.size), v.doi && `DOI ${v.doi}`].filter(Boolean);
      const item = el("li", { class: v.current ? "lp-sp-current" : "" }, el("span", {}, facts.join(" · ")));
      if (v.current) item.append(el("span", { class: "lp-sp-muted" }, " (shown)"));
      else item.append(el("button", {
        type: "button", class: "lp-button lp-sp-small",
        onclick: () => act("open_dataset", { dataset_id: model.get("dataset_id"), version: v.version }),
      }, `Open v${v.version}`));
      return item;
    }));
  }
  const events = ["change:page", "change:citation_style", "change:citation_styles"];
  for (const e of events) model.on(e, draw);
  draw();
  return { destroy() { for (const e of events) model.off(e, draw); root.remove(); } };
}

// -- preview ------------------------------------------------------------------------------
function drawPlots(plot) {
  const figures = plotModel(plot, { width: 360, height: 70 });
  return figures.map((f) => {
    const lines = [];
    for (const t of f.yTicks) {
      lines.push(svg("line", { x1: f.box.x0, x2: f.box.x1, y1: t.y, y2: t.y, class: "lp-sp-grid" }));
      lines.push(svg("text", { x: f.box.x0 - 4, y: t.y + 3, "text-anchor": "end", class: "lp-sp-tick" }, t.label));
    }
    for (const t of f.xTicks) {
      lines.push(svg("text", { x: t.x, y: f.height - 4, "text-anchor": "middle", class: "lp-sp-tick" }, t.label));
    }
    const picture = svg("svg", {
      viewBox: `0 0 ${f.width} ${f.height}`, role: "img", class: "lp-sp-plot",
      "aria-label": `${f.name} over ${plot.x_label}: from ${f.min} to ${f.max}`,
    }, ...lines, svg("path", { d: f.d, class: "lp-sp-line", fill: "none" }));
    return el("figure", { class: "lp-sp-figure" }, el("figcaption", {}, `${f.name} over ${plot.x_label}`), picture);
  });
}

// The picker's ScaffoldViewer (the `viewer` reference), drawn once per reference into
// `slot`; shown while the preview is a scaffold or segmentation.
export function createViewerSlot(slot, model, host) {
  let drawn = null;
  let controller = null;
  function draw() {
    const ref = model.get("viewer");
    if (ref === drawn) return;
    if (controller) controller.abort();
    slot.replaceChildren();
    drawn = ref;
    controller = new AbortController();
    if (!ref) return;
    drawChild(model, host, ref, slot, controller.signal).catch((error) => {
      slot.replaceChildren(el("div", { class: "lp-sp-preview-error", role: "alert",
        text: `The 3-D viewer could not be drawn: ${error && error.message ? error.message : error}` }));
      console.error("labpanels picker:", error);
    });
  }
  model.on("change:viewer", draw);
  draw();
  return {
    destroy() {
      model.off("change:viewer", draw);
      if (controller) controller.abort();
      slot.replaceChildren();
    },
  };
}

export function createPreview(container, model, act, host = null) {
  const title = el("div", { class: "lp-sp-subhead", role: "heading", "aria-level": "3" });
  const summary = el("div", { class: "lp-sp-muted lp-sp-preview-summary", "aria-live": "polite" });
  const closeButton = el("button", { type: "button", class: "lp-button lp-sp-small", onclick: () => act("close_preview") },
    icon("cross"), el("span", {}, "Close preview"));
  const body = el("div", { class: "lp-sp-preview-body" });
  const viewerSlot = el("div", { class: "lp-sp-viewer" });
  const root = el("section", { class: "lp-sp-preview", "aria-label": "File preview" },
    el("div", { class: "lp-sp-preview-head" }, title, closeButton), summary, body, viewerSlot);
  container.append(root);
  const viewer = createViewerSlot(viewerSlot, model, host);
  let imageUrl = null;
  let imageFor = null;

  function dropImage() {
    if (imageUrl) URL.revokeObjectURL(imageUrl);
    imageUrl = null;
    imageFor = null;
  }

  function drawImage() {
    const p = model.get("preview") || {};
    const img = body.querySelector("img.lp-sp-image");
    if (img && imageUrl && imageFor === p.path) img.src = imageUrl;
  }

  function draw() {
    const p = model.get("preview") || {};
    root.hidden = !p.state;
    root.dataset.state = p.state || "";
    title.textContent = p.name ? `Preview: ${p.name}` : "";
    summary.textContent = p.state === "error" ? "" : p.summary || "";
    viewerSlot.hidden = !(p.viewer && p.state !== "error");
    body.replaceChildren();
    if (p.state === "error") {
      body.append(el("div", { class: "lp-sp-preview-error", role: "alert" }, p.error || "No preview"));
      return;
    }
    if (p.state !== "ready") return;
    if (p.kind === "table") {
      const head = el("tr", {}, ...(p.columns || []).map((c) => el("th", { scope: "col", class: c.numeric ? "lp-num" : "" }, c.name)));
      const rows = (p.rows || []).map((r) => el("tr", {}, ...r.map((v, i) => el("td", { class: (p.columns[i] || {}).numeric ? "lp-num" : "" }, v))));
      body.append(el("div", { class: "lp-sp-table-scroll", tabindex: "0", role: "region", "aria-label": `First rows of ${p.name}` },
        el("table", { class: "lp-sp-table" }, el("thead", {}, head), el("tbody", {}, ...rows))));
      if (p.plot) body.append(el("div", { class: "lp-sp-plots" }, ...drawPlots(p.plot)));
    } else if (p.kind === "image") {
      const size = p.width ? `, ${p.width} × ${p.height} px` : "";
      body.append(el("img", { class: "lp-sp-image", alt: `${p.name}${size}` }));
      if (imageFor !== p.path) act("resend_preview");
      drawImage();
    } else if (p.kind === "text") {
      body.append(el("pre", { class: "lp-sp-preview-text", tabindex: "0" }, p.text || ""));
    }
  }

  const onMessage = (msg, buffers) => {
    if (!msg || msg.type !== "preview-image" || !buffers || !buffers.length) return;
    dropImage();
    const bytes = buffers[0];
    imageUrl = URL.createObjectURL(new Blob([bytes.buffer ? bytes : new Uint8Array(bytes)], { type: msg.mime || "image/png" }));
    imageFor = msg.path;
    drawImage();
  };
  model.on("msg:custom", onMessage);
  model.on("change:preview", draw);
  draw();
  return {
    destroy() {
      model.off("msg:custom", onMessage);
      model.off("change:preview", draw);
      viewer.destroy();
      dropImage();
      root.remove();
    },
  };
}
