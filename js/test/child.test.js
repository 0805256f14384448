// lib/child.js: a child widget is drawn by anywidget's host when it has a binding, by the
// widget manager otherwise (an ipywidgets child), and removed when the signal aborts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { drawChild } from "../lib/child.js";

const target = () => ({ children: [], append(node) { this.children.push(node); } });

function manager() {
  const made = [];
  return {
    made,
    widget_manager: {
      async get_model(id) { return { id }; },
      async create_view(child) {
        const view = { el: { child: child.id }, removed: false, shown: false,
          remove() { this.removed = true; }, trigger(name) { if (name === "displayed") this.shown = true; } };
        made.push(view);
        return view;
      },
    },
  };
}

describe("drawChild", () => {
  test("an anywidget child renders itself into the target with the signal", async () => {
    const calls = [];
    const host = { async getWidget(ref) { calls.push(ref); return { async render(opts) { opts.el.append(`drawn ${ref}`); calls.push(opts.signal); } }; } };
    const slot = target();
    const controller = new AbortController();
    assert.equal(await drawChild(manager(), host, "anywidget:abc", slot, controller.signal), true);
    assert.deepEqual(slot.children, ["drawn anywidget:abc"]);
    assert.deepEqual(calls, ["anywidget:abc", controller.signal]);
  });
  test("no anywidget binding: the widget manager draws it, and abort removes it", async () => {
    const host = { async getWidget() { throw new Error("No binding for model xyz"); } };
    const model = manager();
    const slot = target();
    const controller = new AbortController();
    assert.equal(await drawChild(model, host, "IPY_MODEL_xyz", slot, controller.signal), true);
    const [view] = model.made;
    assert.deepEqual(slot.children, [{ child: "xyz" }]);
    assert.equal(view.shown, true);
    assert.equal(view.removed, false);
    controller.abort();
    assert.equal(view.removed, true);
  });
  test("without a host the manager draws it (the anywidget: prefix is not the model id)", async () => {
    const model = manager();
    const slot = target();
    await drawChild(model, null, "anywidget:m1", slot, null);
    assert.deepEqual(slot.children, [{ child: "m1" }]);
  });
  test("no reference draws nothing; other failures are the caller's to show", async () => {
    const model = manager();
    const slot = target();
    assert.equal(await drawChild(model, null, null, slot, null), false);
    assert.equal(await drawChild(model, null, "", slot, null), false);
    assert.deepEqual(slot.children, []);
    const host = { async getWidget() { throw new Error("model gone"); } };
    await assert.rejects(drawChild(model, host, "anywidget:x", slot, null), /model gone/);
  });
});
