// Vantage6Dashboard's view: five tabs drawn here (role=tablist/tab/tabpanel, arrow keys),
// each holding one or two child panels. The children are anywidgets of their own, given
// as "anywidget:<model id>" references: anywidget's host.getWidget(ref).render({el})
// draws each inside its tab (anywidget >= 0.11); elsewhere the widget manager makes the
// child's view. Every child is drawn once, when the dashboard is drawn, so hidden tabs
// keep following the session.

import { drawChild } from "./lib/child.js";
import { el, uniqueId } from "./lib/dom.js";

// tab index -> the child traits drawn in that tab, with a heading before some
const LAYOUT = [
  [["login"]],
  [["browser"]],
  [["builder"], ["progress", "Progress of the last task"]],
  [["tasks"]],
  [["results"]],
];


function render({ model, el: root, host, signal }) {
  const uid = uniqueId("lp-dashboard");
  root.classList.add("lp-theme", "lp-dashboard");
  const tablist = el("div", { role: "tablist", class: "lp-dash-tabs", "aria-label": "vantage6" });
  const panels = LAYOUT.map((parts, i) => el("div", {
    role: "tabpanel", id: `${uid}-panel-${i}`, class: "lp-dash-panel",
    "aria-labelledby": `${uid}-tab-${i}`, tabindex: "-1",
  }));
  root.replaceChildren(tablist, ...panels);

  function current() {
    const n = LAYOUT.length;
    return Math.max(0, Math.min(n - 1, model.get("selected_index") | 0));
  }
  function drawTabs() {
    const titles = model.get("titles");
    const open = current();
    const hadFocus = tablist.contains(document.activeElement);
    tablist.replaceChildren(...LAYOUT.map((_, i) => el("button", {
      type: "button", role: "tab", id: `${uid}-tab-${i}`, class: "lp-dash-tab",
      "aria-selected": String(i === open), "aria-controls": `${uid}-panel-${i}`,
      tabindex: i === open ? "0" : "-1", text: titles[i] || `Tab ${i + 1}`,
      onclick: () => choose(i),
    })));
    panels.forEach((p, i) => { p.hidden = i !== open; });
    if (hadFocus) tablist.children[open]?.focus();
  }
  function choose(i, focus = false) {
    const n = LAYOUT.length;
    const next = ((i % n) + n) % n;
    model.set("selected_index", next);
    model.save_changes();
    drawTabs();
    if (focus) tablist.children[next]?.focus();
  }
  tablist.addEventListener("keydown", (event) => {
    const open = current();
    const moves = { ArrowRight: open + 1, ArrowLeft: open - 1, Home: 0, End: LAYOUT.length - 1 };
    if (event.key in moves) choose(moves[event.key], true);
    else if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation(); // JupyterLab's notebook must not take the key
  });

  LAYOUT.forEach((parts, i) => {
    for (const [name, heading] of parts) {
      const slot = el("div", { class: `lp-dash-child lp-dash-${name}` });
      if (heading) panels[i].append(el("h3", { class: "lp-dash-heading", text: heading }));
      panels[i].append(slot);
      drawChild(model, host, model.get(name), slot, signal).catch((error) => {
        slot.replaceChildren(el("div", { class: "lp-dash-error", role: "alert",
          text: `This panel could not be drawn: ${error && error.message ? error.message : error}` }));
        console.error("labpanels dashboard:", error);
      });
    }
  });
  model.on("change:selected_index", drawTabs);
  model.on("change:titles", drawTabs);
  drawTabs();
}

export default { render };
