// A run's log, one line per element, written with textContent; the lines Python marks
// (the error line) get a CSS class and are scrolled into view.

function render({ model, el }) {
  el.classList.add("lp-logview");
  const title = document.createElement("div");
  title.className = "lp-logview-title";
  const body = document.createElement("pre");
  body.className = "lp-logview-body";
  el.append(title, body);

  function draw() {
    title.textContent = model.get("title");
    body.replaceChildren();
    const lines = model.get("lines");
    const marked = new Set(model.get("highlight"));
    let first = null;
    lines.forEach((text, i) => {
      const line = document.createElement("div");
      line.className = "lp-log-line";
      line.textContent = text === "" ? "\u00a0" : text;
      if (marked.has(i)) {
        line.classList.add("lp-log-error");
        if (first === null) first = line;
      }
      body.append(line);
    });
    if (!lines.length) {
      const empty = document.createElement("div");
      empty.className = "lp-log-empty";
      empty.textContent = model.get("empty_text");
      body.append(empty);
    }
    if (first) requestAnimationFrame(() => first.scrollIntoView({ block: "nearest" }));
  }
  for (const name of ["title", "lines", "highlight", "empty_text"]) model.on(`change:${name}`, draw);
  draw();
}

export default { render };
