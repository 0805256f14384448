// LoginPanel front end. The password, the two-factor code and a private key file never
// become synced state: they travel once, in an action message, when the user submits,
// and the inputs are emptied afterwards. The QR code for a first two-factor setup also
// arrives by message, so it is never saved with the notebook.
// Keyboard: Enter in any field submits the form (the keydown is stopped here, so
// JupyterLab's notebook does not take it); Escape empties the password and the code.

import { uniqueId } from "./lib/dom.js";

function field(labelText, input) {
  const box = document.createElement("div");
  box.className = "lp-login-field";
  const label = document.createElement("label");
  input.id = uniqueId("lp-login");
  label.htmlFor = input.id;
  label.textContent = labelText;
  box.append(label, input);
  return box;
}

function input(type, name, autocomplete) {
  const el = document.createElement("input");
  el.type = type;
  el.name = name;
  el.autocomplete = autocomplete;
  el.spellcheck = false;
  return el;
}

function button(text, type = "button", primary = false) {
  const b = document.createElement("button");
  b.type = type;
  b.className = primary ? "lp-button lp-primary" : "lp-button";
  b.textContent = text;
  return b;
}

function action(model, name, args = {}, buffers) {
  model.send({ type: "action", name, args }, undefined, buffers);
}

function render({ model, el }) {
  el.classList.add("lp-theme", "lp-login");
  const form = document.createElement("form");
  form.className = "lp-login-form";
  form.setAttribute("aria-label", "Log in to vantage6");
  const url = input("url", "url", "url");
  const username = input("text", "username", "username");
  const password = input("password", "password", "current-password");
  const code = input("text", "code", "one-time-code");
  code.inputMode = "numeric";
  code.maxLength = 10;
  const codeField = field("Two-factor code", code);
  const submit = button("Log in", "submit", true);
  form.append(field("Server", url), field("Username", username), field("Password", password), codeField, submit);

  const setup = document.createElement("div");
  setup.className = "lp-login-setup";
  const who = document.createElement("div");
  who.className = "lp-login-who";
  const logout = button("Log out");
  const keyBox = document.createElement("div");
  keyBox.className = "lp-login-key";
  keyBox.setAttribute("role", "group");
  keyBox.setAttribute("aria-label", "Organization private key");
  const keyText = document.createElement("p");
  keyText.className = "lp-login-key-text";
  const keyFile = input("file", "key_file", "off");
  keyFile.accept = ".pem,.key,.txt";
  const keyPath = input("text", "key_path", "off");
  keyPath.placeholder = "a path on the machine running the kernel";
  const keyLoad = button("Load key");
  keyBox.append(keyText, field("Key file", keyFile), field("or key path", keyPath), keyLoad);
  const status = document.createElement("div");
  status.className = "lp-login-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  el.append(form, who, logout, setup, keyBox, status);

  function sync() {
    const loggedIn = model.get("logged_in");
    form.hidden = loggedIn;
    who.hidden = !loggedIn;
    logout.hidden = !loggedIn;
    who.textContent = loggedIn ? `Logged in as ${model.get("who")}` : "";
    codeField.hidden = !model.get("mfa_required");
    keyBox.hidden = !(loggedIn && model.get("needs_key"));
    keyText.textContent = model.get("key_loaded")
      ? "Private key loaded (nothing was uploaded)."
      : "This collaboration is encrypted: load your organization's private key.";
    status.textContent = model.get("message");
    status.dataset.kind = model.get("message_kind");
    const busy = model.get("busy");
    submit.disabled = busy;
    submit.textContent = busy ? "Logging in…" : "Log in";
    form.setAttribute("aria-busy", busy ? "true" : "false");
    if (document.activeElement !== url) url.value = model.get("url");
    if (document.activeElement !== username) username.value = model.get("username");
    if (!model.get("mfa_required")) setup.replaceChildren();
  }

  function send() {
    if (model.get("busy")) return;
    // read every field first: setting a trait redraws the fields from the model
    const args = { url: url.value.trim(), username: username.value.trim(), password: password.value, code: code.value.trim() };
    model.set({ url: args.url, username: args.username });
    model.save_changes();
    action(model, "login", args);
    password.value = "";
    code.value = "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  // Enter and Escape are the form's: the notebook around it must not see them
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.stopPropagation();
      if (event.target instanceof HTMLInputElement) {
        event.preventDefault();
        send();
      }  // on the button, Enter clicks it: the form's submit sends
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      password.value = "";
      code.value = "";
    }
  });
  keyBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target === keyPath) {
      event.preventDefault();
      event.stopPropagation();
      keyLoad.click();
    }
  });
  logout.addEventListener("click", () => action(model, "logout"));
  keyLoad.addEventListener("click", async () => {
    const file = keyFile.files && keyFile.files[0];
    if (file) {
      const bytes = await file.arrayBuffer();
      action(model, "load_key", { name: file.name }, [bytes]);
      keyFile.value = "";
    } else if (keyPath.value.trim()) {
      action(model, "load_key", { path: keyPath.value.trim() });
    }
  });

  function onMessage(msg) {
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
  }
  model.on("msg:custom", onMessage);
  const names = ["logged_in", "who", "mfa_required", "needs_key", "key_loaded", "message", "message_kind", "busy", "url", "username"];
  for (const name of names) model.on(`change:${name}`, sync);
  sync();
  return () => {
    model.off("msg:custom", onMessage);
    for (const name of names) model.off(`change:${name}`, sync);
  };
}

export default { render };
