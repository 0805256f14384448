// Building DOM for the views: elements with attributes and children (text always as
// text, never parsed as HTML) and a few inline SVG icons (never emoji, which render as
// boxes where the font lacks them). Nothing here runs at import time, so node tests can
// import modules that import this one.

const SVG = "http://www.w3.org/2000/svg";

// el("button", {type: "button", class: "lp-x", onclick: fn, dataset: {k: "v"}}, "text", child)
// Attributes: `class`/`className` set the class; `dataset` an object of data-* values;
// `style` a string or an object; `on<event>` a listener; `text` the textContent; true
// sets a boolean attribute (""), false/null/undefined leaves it out; anything else is
// set with setAttribute. Children: nodes, strings (text nodes), numbers, arrays of
// them; null/undefined/false are skipped.
// An id that no other element of the page has. Every view is bundled with its own copy of
// this module, and a page may hold many panels (in a document, not a shadow root, ids
// are shared), so the counter lives on the page's global object, not in the module.
export function uniqueId(prefix) {
  globalThis.__labpanelsIds = (globalThis.__labpanelsIds || 0) + 1;
  return `${prefix}-${globalThis.__labpanelsIds}`;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

export function setAttrs(node, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class" || name === "className") node.setAttribute("class", String(value));
    else if (name === "text") node.textContent = String(value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "style" && typeof value === "object") Object.assign(node.style, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The icons: 16x16 strokes in currentColor, so they follow the text colour and theme.
const ICONS = {
  folder: ["M1.5 4.5a1 1 0 0 1 1-1h3.6l1.5 1.6h5.9a1 1 0 0 1 1 1v6.4a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z"],
  file: ["M3.5 1.5h6l3 3v10h-9z", "M9.5 1.5v3h3"],
  chevron: ["M6 3.5l4.5 4.5-4.5 4.5"],
  check: ["M2.5 8.5l3.5 3.5 7.5-8"],
  cross: ["M3.5 3.5l9 9", "M12.5 3.5l-9 9"],
  clock: ["M8 1.75a6.25 6.25 0 1 0 0 12.5a6.25 6.25 0 1 0 0-12.5z", "M8 4.5v3.75l2.5 1.5"],
  refresh: ["M13.5 8a5.5 5.5 0 1 1-1.6-3.9", "M12.5 1.5v3h-3"],
  download: ["M8 1.5v9", "M4.5 7l3.5 3.5 3.5-3.5", "M2 13.5h12"],
  search: ["M7 2.25a4.75 4.75 0 1 0 0 9.5a4.75 4.75 0 1 0 0-9.5z", "M10.5 10.5l4 4"],
};

export const ICON_NAMES = Object.keys(ICONS);

// An inline SVG icon, hidden from screen readers (the text beside it says what it is)
// unless a `label` is given (then role="img" with that name).
export function icon(name, { label = "", size = 16, className = "" } = {}) {
  const paths = ICONS[name];
  if (!paths) throw new Error(`no icon named ${name}`);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "1.5");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.setAttribute("class", `lp-icon lp-icon-${name}${className ? ` ${className}` : ""}`);
  svg.setAttribute("focusable", "false");
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  } else {
    svg.setAttribute("aria-hidden", "true");
  }
  for (const d of paths) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

// A button with an icon and a visible text label: button("Refresh", "refresh", onClick).
export function button(text, iconName, onClick, attrs = {}) {
  return el("button", { type: "button", class: "lp-button", ...attrs, onclick: onClick },
    iconName ? icon(iconName) : null, el("span", { class: "lp-button-label" }, text));
}
