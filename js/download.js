// Download button: asks Python for the file on click; Python answers with a message whose
// buffer holds the bytes, and the browser saves them. The file is never synced state,
// so it is not stored in the notebook.

function render({ model, el }) {
  el.classList.add("lp-download");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "lp-button";
  function draw() {
    button.textContent = model.get("label");
    button.disabled = model.get("disabled");
    button.title = model.get("disabled") ? "Nothing to download yet" : `Save ${model.get("filename")}`;
  }
  button.addEventListener("click", () => model.send({ type: "download" }));
  model.on("msg:custom", (msg, buffers) => {
    if (!msg || msg.type !== "file" || !buffers || !buffers.length) return;
    const blob = new Blob([buffers[0]], { type: msg.mime || "application/octet-stream" });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = String(msg.filename || "download");
    link.style.display = "none";
    el.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  model.on("change:label", draw);
  model.on("change:disabled", draw);
  model.on("change:filename", draw);
  el.append(button);
  draw();
}

export default { render };
