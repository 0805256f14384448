// ScaffoldViewer: an organ scaffold or an MBF segmentation drawn in 3-D by the view itself
// (hand-written WebGL 1, no library and no CDN; a 2-D canvas painter where WebGL is
// missing). Vertices (float32) and indices (uint32) arrive as binary buffers; `groups`
// gives each annotated group's [start, count] in them. Drag or arrow keys rotate, the
// wheel or +/- zoom, 0 resets; the group list (filter by name) or a click on a surface
// highlights a group. View state (yaw, pitch, zoom, selected_group) lives in the model,
// so Python sees it and its methods move the view. Server text is always textContent.
import { el, button, uniqueId } from "./lib/dom.js";
import { formatBytes } from "./lib/format.js";
import { lookAt, mat4Multiply, perspective, rotation, toFloat32, toUint32, vertexNormals }
  from "./lib/mesh3d.js";

const ROTATE_STEP = 15;
const ZOOM_STEP = 1.25;
const DEFAULT_VIEW = { yaw: 30, pitch: -20, zoom: 1 };

const VERTEX = `
attribute vec3 position; attribute vec3 normal;
uniform mat4 mvp; uniform mat4 model;
varying vec3 vNormal;
void main() { vNormal = (model * vec4(normal, 0.0)).xyz; gl_Position = mvp * vec4(position, 1.0); }`;
const FRAGMENT = `
precision mediump float;
uniform vec4 colour; uniform float lit;
varying vec3 vNormal;
void main() {
  float d = abs(dot(normalize(vNormal), normalize(vec3(0.3, 0.5, 1.0))));
  float shade = mix(1.0, 0.35 + 0.65 * d, lit);
  gl_FragColor = vec4(colour.rgb * shade, colour.a);
}`;

// A theme token as [r, g, b] in 0..1: painted on a 1-pixel canvas, so every CSS colour
// syntax the browser computes (rgb(), color(srgb ...) from color-mix, ...) comes out as bytes.
let swatch = null;
function tokenColour(node, name, fallback) {
  const probe = el("span", { style: { color: `var(${name}, ${fallback})`, display: "none" } });
  node.append(probe);
  const css = getComputedStyle(probe).color;
  probe.remove();
  swatch = swatch || document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  swatch.clearRect(0, 0, 1, 1);
  swatch.fillStyle = fallback;
  swatch.fillStyle = css;
  swatch.fillRect(0, 0, 1, 1);
  const [r, g, b] = swatch.getImageData(0, 0, 1, 1).data;
  return [r / 255, g / 255, b / 255];
}

function createGL(canvas) {
  const gl = canvas.getContext("webgl", { alpha: false, antialias: true, preserveDrawingBuffer: true });
  if (!gl || !gl.getExtension("OES_element_index_uint")) return null;
  const shader = (type, text) => {
    const s = gl.createShader(type);
    gl.shaderSource(s, text);
    gl.compileShader(s);
    return s;
  };
  const program = gl.createProgram();
  gl.attachShader(program, shader(gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, shader(gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) return null;
  const loc = (n) => gl.getUniformLocation(program, n);
  return { gl, program, position: gl.getAttribLocation(program, "position"),
    normal: gl.getAttribLocation(program, "normal"), mvp: loc("mvp"), model: loc("model"),
    colour: loc("colour"), lit: loc("lit"), buffers: {} };
}

function render({ model, el: host }) {
  const id = uniqueId("lp-sv");
  const act = (name, args = {}) => model.send({ type: "action", name, args });
  const root = el("div", { class: "lp-theme lp-scaffold-viewer" });
  host.append(root);

  const title = el("div", { class: "lp-sv-title", id: `${id}-title` });
  const summary = el("p", { class: "lp-sv-summary", "aria-live": "polite" });
  const canvas = el("canvas", { class: "lp-sv-canvas", tabindex: "0", role: "img",
    "aria-describedby": `${id}-hint` });
  const stage = el("div", { class: "lp-sv-stage" }, canvas);
  const hint = el("p", { class: "lp-sv-hint", id: `${id}-hint` },
    "Drag or arrow keys rotate, wheel or + and − zoom, 0 resets; click a surface to pick its group.");
  const zoomIn = button("Zoom in", null, () => act("zoom_by", { factor: ZOOM_STEP }));
  const zoomOut = button("Zoom out", null, () => act("zoom_by", { factor: 1 / ZOOM_STEP }));
  const reset = button("Reset view", "refresh", () => act("reset_view"));
  const vtk = button("Export VTK", "download", () => act("export_vtk"), { class: "lp-button lp-primary" });
  const stl = button("Export STL", "download", () => act("export_stl"), { class: "lp-button lp-primary" });
  const controls = el("div", { class: "lp-sv-controls" }, zoomIn, zoomOut, reset, vtk, stl);

  const filter = el("input", { class: "lp-input", type: "search", id: `${id}-filter`,
    placeholder: "Group name…", autocomplete: "off" });
  filter.addEventListener("keydown", (event) => event.stopPropagation());
  const list = el("ul", { class: "lp-sv-groups", "aria-label": "Annotated groups" });
  const showAll = button("Show all", null, () => act("select_group", { name: "" }));
  const side = el("div", { class: "lp-sv-side" },
    el("label", { for: `${id}-filter` }, "Find a group"), filter, list, showAll);
  const status = el("div", { class: "lp-status-line", role: "status" });
  const exported = el("ul", { class: "lp-sv-exported", "aria-label": "Exported files" });
  root.append(el("div", { class: "lp-sv-head" }, title, summary),
    el("div", { class: "lp-sv-body" }, el("div", { class: "lp-sv-main" }, stage, controls, hint), side),
    exported, status);

  // ---- the model's geometry ------------------------------------------------------------
  let mesh = null;
  let glx = createGL(canvas);
  let ctx2d = null;
  root.dataset.renderer = glx ? "webgl" : "canvas";

  function loadMesh() {
    const positions = toFloat32(model.get("positions"));
    const triangles = toUint32(model.get("triangles"));
    const lines = toUint32(model.get("lines"));
    if (!positions.length) { mesh = null; return; }
    const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < positions.length; i += 3) {
      for (let k = 0; k < 3; k++) {
        lo[k] = Math.min(lo[k], positions[i + k]);
        hi[k] = Math.max(hi[k], positions[i + k]);
      }
    }
    const centre = lo.map((v, k) => (v + hi[k]) / 2);
    const radius = Math.max(1e-9, Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2);
    const normals = vertexNormals(positions, triangles);
    mesh = { positions, triangles, lines, normals, centre, radius };
    if (glx) {
      const { gl } = glx;
      const upload = (key, target, data) => {
        if (!glx.buffers[key]) glx.buffers[key] = gl.createBuffer();
        gl.bindBuffer(target, glx.buffers[key]);
        gl.bufferData(target, data, gl.STATIC_DRAW);
      };
      upload("position", gl.ARRAY_BUFFER, positions);
      upload("normal", gl.ARRAY_BUFFER, normals);
      upload("triangles", gl.ELEMENT_ARRAY_BUFFER, triangles);
      upload("lines", gl.ELEMENT_ARRAY_BUFFER, lines);
    }
  }

  function matrices(aspect) {
    const m = mesh;
    const modelM = mat4Multiply(rotation(model.get("pitch"), model.get("yaw")),
      [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, -m.centre[0], -m.centre[1], -m.centre[2], 1]);
    const distance = (m.radius * 3) / Math.max(0.05, model.get("zoom"));
    const view = lookAt(distance);
    const proj = perspective(35, aspect, distance / 50, distance + m.radius * 4);
    return { modelM, mvp: mat4Multiply(proj, mat4Multiply(view, modelM)) };
  }

  function selected() {
    const name = model.get("selected_group");
    return model.get("groups").find((g) => g.name === name) || null;
  }

  // ---- drawing ---------------------------------------------------------------------------
  // read from the theme once the view is in the page (a detached node has no computed style)
  const colours = () => ({
    bg: tokenColour(root, "--lp-bg", "#fff"),
    base: tokenColour(root, "--lp-fg-muted", "#777"),
    lines: tokenColour(root, "--lp-fg", "#222"),
    highlight: tokenColour(root, "--lp-accent", "#1976d2"),
    final: root.isConnected,
  });
  let palette = null;
  let frame = 0;
  const redraw = () => { if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); }); };

  function draw() {
    if (!palette || !palette.final) palette = colours();
    const width = canvas.width, height = canvas.height;
    if (!glx) { drawCanvas2d(width, height); return; }
    const { gl } = glx;
    gl.viewport(0, 0, width, height);
    gl.clearColor(...palette.bg, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    if (!mesh) return;
    const { modelM, mvp } = matrices(width / height);
    gl.useProgram(glx.program);
    gl.uniformMatrix4fv(glx.mvp, false, mvp);
    gl.uniformMatrix4fv(glx.model, false, modelM);
    gl.bindBuffer(gl.ARRAY_BUFFER, glx.buffers.position);
    gl.enableVertexAttribArray(glx.position);
    gl.vertexAttribPointer(glx.position, 3, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, glx.buffers.normal);
    gl.enableVertexAttribArray(glx.normal);
    gl.vertexAttribPointer(glx.normal, 3, gl.FLOAT, false, 0, 0);
    gl.enable(gl.DEPTH_TEST);
    gl.depthFunc(gl.LEQUAL);
    const group = selected();
    const surface = model.get("surface"), outline = model.get("outline");
    const tris = (range, colour, alpha, lit = 1) => {
      if (!range || !range[1]) return;
      gl.uniform4f(glx.colour, ...colour, alpha);
      gl.uniform1f(glx.lit, lit);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, glx.buffers.triangles);
      gl.drawElements(gl.TRIANGLES, range[1] * 3, gl.UNSIGNED_INT, range[0] * 12);
    };
    const segs = (range, colour) => {
      if (!range || !range[1]) return;
      gl.uniform4f(glx.colour, ...colour, 1);
      gl.uniform1f(glx.lit, 0);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, glx.buffers.lines);
      gl.drawElements(gl.LINES, range[1] * 2, gl.UNSIGNED_INT, range[0] * 8);
    };
    gl.disable(gl.BLEND);
    gl.depthMask(true);
    if (group) {
      tris(group.triangles, palette.highlight, 1);
      segs(group.lines, palette.highlight);
      segs(outline, palette.base);
      gl.enable(gl.BLEND);
      gl.blendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ZERO, gl.ONE);  // stays opaque
      gl.depthMask(false);
      tris(surface, palette.base, 0.18);
      gl.depthMask(true);
      gl.disable(gl.BLEND);
    } else {
      tris(surface, palette.base, 1);
      segs(outline, palette.lines);
    }
  }

  function project(aspect) {
    const { mvp } = matrices(aspect);
    const p = mesh.positions, n = p.length / 3;
    const out = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
      const w = mvp[3] * x + mvp[7] * y + mvp[11] * z + mvp[15];
      out[3 * i] = (mvp[0] * x + mvp[4] * y + mvp[8] * z + mvp[12]) / w;
      out[3 * i + 1] = (mvp[1] * x + mvp[5] * y + mvp[9] * z + mvp[13]) / w;
      out[3 * i + 2] = (mvp[2] * x + mvp[6] * y + mvp[10] * z + mvp[14]) / w;
    }
    return out;
  }

  function drawCanvas2d(width, height) {
    ctx2d = ctx2d || canvas.getContext("2d");
    const rgb = (c, a = 1) => `rgba(${c.map((v) => Math.round(v * 255)).join(",")},${a})`;
    ctx2d.fillStyle = rgb(palette.bg);
    ctx2d.fillRect(0, 0, width, height);
    if (!mesh) return;
    const q = project(width / height);
    const sx = (i) => (q[3 * i] + 1) * width / 2, sy = (i) => (1 - q[3 * i + 1]) * height / 2;
    const group = selected();
    const paint = (range, colour, alpha) => {
      if (!range || !range[1]) return;
      const t = mesh.triangles, order = [];
      for (let k = range[0]; k < range[0] + range[1]; k++) order.push(k);
      const depth = (k) => q[3 * t[3 * k] + 2] + q[3 * t[3 * k + 1] + 2] + q[3 * t[3 * k + 2] + 2];
      order.sort((a, b) => depth(b) - depth(a));
      ctx2d.fillStyle = rgb(colour, alpha);
      for (const k of order) {
        const a = t[3 * k], b = t[3 * k + 1], c = t[3 * k + 2];
        ctx2d.beginPath();
        ctx2d.moveTo(sx(a), sy(a)); ctx2d.lineTo(sx(b), sy(b)); ctx2d.lineTo(sx(c), sy(c));
        ctx2d.fill();
      }
    };
    const stroke = (range, colour) => {
      if (!range || !range[1]) return;
      const l = mesh.lines;
      ctx2d.strokeStyle = rgb(colour);
      ctx2d.beginPath();
      for (let k = range[0]; k < range[0] + range[1]; k++) {
        ctx2d.moveTo(sx(l[2 * k]), sy(l[2 * k])); ctx2d.lineTo(sx(l[2 * k + 1]), sy(l[2 * k + 1]));
      }
      ctx2d.stroke();
    };
    paint(model.get("surface"), palette.base, group ? 0.25 : 1);
    stroke(model.get("outline"), group ? palette.base : palette.lines);
    if (group) { paint(group.triangles, palette.highlight, 1); stroke(group.lines, palette.highlight); }
  }

  // ---- picking: draw each group in an id colour off screen, read the pixel clicked ------
  function pick(x, y) {
    if (!glx || !mesh) return null;
    const { gl } = glx;
    const groups = model.get("groups").map((g, i) => ({ g, i })).filter((e) => e.g.triangles[1]);
    if (!groups.length) return null;
    groups.sort((a, b) => b.g.triangles[1] - a.g.triangles[1]);  // small groups drawn last win
    const fb = gl.createFramebuffer(), tex = gl.createTexture(), depth = gl.createRenderbuffer();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, canvas.width, canvas.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    gl.bindRenderbuffer(gl.RENDERBUFFER, depth);
    gl.renderbufferStorage(gl.RENDERBUFFER, gl.DEPTH_COMPONENT16, canvas.width, canvas.height);
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    gl.framebufferRenderbuffer(gl.FRAMEBUFFER, gl.DEPTH_ATTACHMENT, gl.RENDERBUFFER, depth);
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.disable(gl.BLEND);
    gl.uniform1f(glx.lit, 0);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, glx.buffers.triangles);
    for (const { g, i } of groups) {
      const n = i + 1;
      gl.uniform4f(glx.colour, (n & 255) / 255, ((n >> 8) & 255) / 255, 0, 1);
      gl.drawElements(gl.TRIANGLES, g.triangles[1] * 3, gl.UNSIGNED_INT, g.triangles[0] * 12);
    }
    const pixel = new Uint8Array(4);
    gl.readPixels(x, canvas.height - y - 1, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.deleteFramebuffer(fb); gl.deleteTexture(tex); gl.deleteRenderbuffer(depth);
    const n = pixel[0] + (pixel[1] << 8);
    redraw();
    return n ? model.get("groups")[n - 1].name : null;
  }

  // ---- input -------------------------------------------------------------------------------
  const setView = (changes) => {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  };
  const turn = (dy, dp) => setView({ yaw: ((model.get("yaw") + dy) % 360 + 360) % 360,
    pitch: Math.max(-90, Math.min(90, model.get("pitch") + dp)) });
  const zoomTo = (z) => setView({ zoom: Math.max(0.2, Math.min(20, z)) });
  canvas.addEventListener("keydown", (event) => {
    const keys = { ArrowLeft: [-ROTATE_STEP, 0], ArrowRight: [ROTATE_STEP, 0],
      ArrowUp: [0, -ROTATE_STEP], ArrowDown: [0, ROTATE_STEP] };
    if (keys[event.key]) turn(...keys[event.key]);
    else if (event.key === "+" || event.key === "=") zoomTo(model.get("zoom") * ZOOM_STEP);
    else if (event.key === "-" || event.key === "_") zoomTo(model.get("zoom") / ZOOM_STEP);
    else if (event.key === "0" || event.key === "Home") setView({ ...DEFAULT_VIEW });
    else return;
    event.preventDefault();
    event.stopPropagation();  // the notebook must not take the key
  });
  let drag = null;
  canvas.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, yaw: model.get("yaw"), pitch: model.get("pitch"), moved: false };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (!drag.moved) return;
    model.set("yaw", ((drag.yaw + dx * 0.5) % 360 + 360) % 360);
    model.set("pitch", Math.max(-90, Math.min(90, drag.pitch + dy * 0.5)));
    redraw();
  });
  canvas.addEventListener("pointerup", (event) => {
    if (!drag) return;
    const moved = drag.moved;
    drag = null;
    if (moved) { model.save_changes(); return; }
    const box = canvas.getBoundingClientRect();
    const scale = canvas.width / Math.max(1, box.width);
    const name = pick(Math.round((event.clientX - box.left) * scale), Math.round((event.clientY - box.top) * scale));
    if (name) act("select_group", { name });
  });
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    zoomTo(model.get("zoom") * (event.deltaY < 0 ? 1.1 : 1 / 1.1));
  }, { passive: false });

  // ---- the side list and text --------------------------------------------------------------
  function renderGroups() {
    const wanted = filter.value.trim().toLowerCase();
    const current = model.get("selected_group");
    const items = model.get("groups").filter((g) => !wanted || g.name.toLowerCase().includes(wanted));
    list.replaceChildren(...items.map((g) => {
      const count = g.triangles[1] ? `${g.triangles[1].toLocaleString()} triangles`
        : `${g.lines[1].toLocaleString()} segments`;
      const b = el("button", { type: "button", class: "lp-sv-group", "aria-pressed": String(g.name === current),
        onclick: () => act("select_group", { name: g.name === current ? "" : g.name }) },
      el("span", { class: "lp-sv-group-name" }, g.name), el("span", { class: "lp-sv-group-count" }, count));
      return el("li", {}, b);
    }));
    if (!items.length) list.append(el("li", { class: "lp-sv-empty" }, model.get("groups").length ? "No group matches" : "No annotated groups"));
  }
  filter.addEventListener("input", renderGroups);
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const first = list.querySelector("button");
      if (first) first.click();
    } else if (event.key === "Escape") { filter.value = ""; renderGroups(); }
  });

  function renderText() {
    const s = model.get("summary") || {};
    const kind = model.get("kind");
    title.textContent = kind ? `${kind === "scaffold" ? "Scaffold" : "Segmentation"}: ${model.get("title")}`
      : (model.get("loading") ? "Loading…" : "No model open");
    const parts = [];
    if (s.vertices !== undefined) parts.push(`${s.vertices.toLocaleString()} vertices`);
    if (s.triangles) parts.push(`${s.triangles.toLocaleString()} triangles`);
    if (s.lines) parts.push(`${s.lines.toLocaleString()} line segments`);
    if (s.elements) parts.push(`${s.elements.toLocaleString()} elements`);
    if (s.groups !== undefined) parts.push(`${s.groups} groups`);
    const group = model.get("selected_group");
    const bytesSent = (model.get("positions")?.byteLength || 0) + (model.get("triangles")?.byteLength || 0)
      + (model.get("lines")?.byteLength || 0);
    summary.textContent = parts.length ? `${parts.join(", ")} (${formatBytes(bytesSent)} of binary buffers)`
      + (group ? `. Highlighted: ${group}.` : ".") : "";
    canvas.setAttribute("aria-label", kind ? `${title.textContent}. ${summary.textContent}` : title.textContent);
    root.dataset.selectedGroup = group;
    stl.disabled = kind !== "scaffold" || model.get("loading");
    vtk.disabled = !kind || model.get("loading");
    root.classList.toggle("lp-sv-loading", !!model.get("loading"));
    status.textContent = model.get("message");
    status.dataset.kind = model.get("message_kind");
    exported.replaceChildren(...model.get("exported").map((p) => el("li", {}, p)));
  }

  // ---- size: the canvas fills its column, in device pixels ------------------------------------
  function resize() {
    const w = Math.max(200, stage.clientWidth);
    const h = Math.round(Math.min(420, Math.max(220, w * 0.7)));
    const ratio = Math.min(2, window.devicePixelRatio || 1);
    canvas.style.height = `${h}px`;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    draw();
  }
  const observer = new ResizeObserver(resize);
  observer.observe(stage);
  const onTheme = () => { palette = null; redraw(); };
  const themeWatch = new MutationObserver(onTheme);
  themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "class"] });
  canvas.addEventListener("webglcontextlost", (event) => { event.preventDefault(); glx = null; root.dataset.renderer = "canvas"; });

  const onGeometry = () => { loadMesh(); renderGroups(); renderText(); redraw(); };
  const onView = () => { renderText(); redraw(); };
  const onGroups = () => { renderGroups(); renderText(); redraw(); };
  const handlers = [
    ...["positions", "triangles", "lines"].map((n) => [n, onGeometry]),
    ...["yaw", "pitch", "zoom"].map((n) => [n, redraw]),
    ...["selected_group", "groups"].map((n) => [n, onGroups]),
    ...["summary", "kind", "title", "loading", "message", "message_kind", "exported"].map((n) => [n, onView]),
  ];
  for (const [name, fn] of handlers) model.on(`change:${name}`, fn);
  onGeometry();
  resize();
  return () => {
    observer.disconnect();
    themeWatch.disconnect();
    if (frame) cancelAnimationFrame(frame);
    for (const [name, fn] of handlers) model.off(`change:${name}`, fn);
  };
}

export default { render };
