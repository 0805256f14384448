// LoginPanel front end. The password, the two-factor code and a private key file never
// become synced state: they travel once, in a message, when the user presses a button,
// and the inputs are emptied afterwards. The QR code for a first two-factor setup also
// arrives by message, so it is never saved with the notebook.

function field(labelText, input) {
  const label = document.createElement("label");
  label.className = "lp-login-field";
  const span = document.createElement("span");
  span.textContent = labelText;
  label.append(span, input);
  return label;
}

function input(type, name, autocomplete) {
  const el = document.createElement("input");
  el.type = type;
  el.name = name;
  el.autocomplete = autocomplete;
  el.spellcheck = false;
  return el;
}

function render({ model, el }) {
  el.classList.add("lp-login");
  const form = document.createElement("form");
  form.className = "lp-login-form";
  const url = input("url", "url", "url");
  const username = input("text", "username", "username");
  const password = input("password", "password", "current-password");
  const code = input("text", "code", "one-time-code");
  code.inputMode = "numeric";
  code.maxLength = 10;
  const codeField = field("Two-factor code", code);
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "lp-button lp-primary";
  submit.textContent = "Log in";
  form.append(field("Server", url), field("Username", username), field("Password", password), codeField, submit);

  const setup = document.createElement("div");
  setup.className = "lp-login-setup";
  const who = document.createElement("div");
  who.className = "lp-login-who";
  const logout = document.createElement("button");
  logout.type = "button";
  logout.className = "lp-button";
  logout.textContent = "Log out";
  const keyBox = document.createElement("div");
  keyBox.className = "lp-login-key";
  const keyText = document.createElement("span");
  const keyFile = document.createElement("input");
  keyFile.type = "file";
  keyFile.accept = ".pem,.key,.txt";
  keyFile.setAttribute("aria-label", "Organization private key file");
  const keyPath = input("text", "key_path", "off");
  keyPath.placeholder = "or a path on the server running the kernel";
  const keyLoad = document.createElement("button");
  keyLoad.type = "button";
  keyLoad.className = "lp-button";
  keyLoad.textContent = "Load key";
  keyBox.append(keyText, keyFile, keyPath, keyLoad);
  const status = document.createElement("div");
  status.className = "lp-login-status";
  status.setAttribute("role", "status");
  el.append(form, who, logout, setup, keyBox, status);

  function sync() {
    const loggedIn = model.get("logged_in");
    form.style.display = loggedIn ? "none" : "grid";
    who.style.display = loggedIn ? "block" : "none";
    logout.style.display = loggedIn ? "inline-block" : "none";
    who.textContent = loggedIn ? `Logged in as ${model.get("who")}` : "";
    codeField.style.display = model.get("mfa_required") ? "flex" : "none";
    keyBox.style.display = loggedIn && model.get("needs_key") ? "flex" : "none";
    keyText.textContent = model.get("key_loaded") ? "Private key loaded ✓" : "This collaboration is encrypted: load your organization's private key";
    status.textContent = model.get("status_text");
    status.dataset.kind = model.get("status_kind");
    submit.disabled = model.get("busy");
    submit.textContent = model.get("busy") ? "Logging in…" : "Log in";
    if (document.activeElement !== url) url.value = model.get("url");
    if (document.activeElement !== username) username.value = model.get("username");
    if (!model.get("mfa_required")) setup.replaceChildren();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (model.get("busy")) return;
    model.set("url", url.value.trim());
    model.set("username", username.value.trim());
    model.save_changes();
    model.send({ type: "login", url: url.value.trim(), username: username.value.trim(), password: password.value, code: code.value.trim() });
  });
  logout.addEventListener("click", () => model.send({ type: "logout" }));
  keyLoad.addEventListener("click", async () => {
    const file = keyFile.files && keyFile.files[0];
    if (file) {
      const bytes = await file.arrayBuffer();
      model.send({ type: "key", name: file.name }, undefined, [bytes]);
      keyFile.value = "";
    } else if (keyPath.value.trim()) {
      model.send({ type: "key_path", path: keyPath.value.trim() });
    }
  });

  model.on("msg:custom", (msg) => {
    if (!msg) return;
    if (msg.type === "clear_secrets") {
      password.value = "";
      code.value = "";
    } else if (msg.type === "qr") {
      setup.replaceChildren();
      const text = document.createElement("p");
      text.textContent = "Scan this code with an authenticator app, then log in again with the code it shows.";
      const img = document.createElement("img");
      img.alt = "Two-factor setup QR code";
      img.src = `data:image/svg+xml;base64,${msg.svg}`;
      const secret = document.createElement("code");
      secret.textContent = msg.secret;
      const manual = document.createElement("p");
      manual.append("No camera? Enter this secret in the app: ", secret);
      setup.append(text, img, manual);
    } else if (msg.type === "focus_code") {
      code.focus();
    }
  });
  for (const name of ["logged_in", "who", "mfa_required", "needs_key", "key_loaded", "status_text", "status_kind", "busy", "url", "username"]) {
    model.on(`change:${name}`, sync);
  }
  sync();
}

export default { render };
