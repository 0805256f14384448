// The pure parts of the o²S²PARC views' shared modules: lib/view.js (actions, watch,
// debounce), lib/portform.js (which control, the text shown, when the form is rebuilt)
// and lib/bar.js (the percentage drawn).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { percentOf } from "../lib/bar.js";
import { controlOf, controlValue, fieldText, formShape } from "../lib/portform.js";
import { actions, debounce, watch } from "../lib/view.js";

// a model as anywidget gives it to a view: on(event, fn), get(name), send(...)
function fakeModel(values = {}) {
  const handlers = {};
  const sent = [];
  return {
    sent,
    on: (event, fn) => { (handlers[event] ||= []).push(fn); },
    get: (name) => values[name],
    send: (...args) => sent.push(args),
    set(name, value) { values[name] = value; for (const fn of handlers[`change:${name}`] || []) fn(); },
  };
}

describe("actions", () => {
  test("a click is an action message naming the panel method, with its args and buffers", () => {
    const model = fakeModel();
    const act = actions(model);
    act("refresh");
    act("choose", { study_id: "s1" });
    const bytes = new ArrayBuffer(2);
    act("upload", { key: "input_1", name: "n.txt" }, [bytes]);
    assert.deepEqual(model.sent, [
      [{ type: "action", name: "refresh", args: {} }, undefined, undefined],
      [{ type: "action", name: "choose", args: { study_id: "s1" } }, undefined, undefined],
      [{ type: "action", name: "upload", args: { key: "input_1", name: "n.txt" } }, undefined, [bytes]],
    ]);
  });
});

describe("watch", () => {
  test("draws again when any of the traits changes, and only then", () => {
    const model = fakeModel({ a: 1, b: 2, c: 3 });
    let drawn = 0;
    const draw = watch(model, ["a", "b"], () => { drawn += 1; });
    assert.equal(drawn, 0);
    model.set("a", 5);
    model.set("b", 6);
    model.set("c", 7);
    assert.equal(drawn, 2);
    draw();
    assert.equal(drawn, 3);  // it returns the draw function, to call once at the start
  });
});

describe("debounce", () => {
  test("calls once, with the last arguments, after the calls stop", async () => {
    const calls = [];
    const later = debounce((x) => calls.push(x), 20);
    later(1);
    later(2);
    later(3);
    assert.deepEqual(calls, []);
    await new Promise((done) => setTimeout(done, 60));
    assert.deepEqual(calls, [3]);
  });
});

describe("portform", () => {
  test("the control follows the field's kind", () => {
    assert.equal(controlOf({ kind: "boolean" }), "checkbox");
    assert.equal(controlOf({ kind: "string", options: ["a", "b"] }), "select");
    assert.equal(controlOf({ kind: "string", options: [] }), "text");
    assert.equal(controlOf({ kind: "json" }), "textarea");
    for (const kind of ["integer", "number", "string", "file"]) assert.equal(controlOf({ kind }), "text");
  });
  test("a text control shows nothing for no value, and any other value as text", () => {
    assert.equal(fieldText(null), "");
    assert.equal(fieldText(undefined), "");
    assert.equal(fieldText(0), "0");
    assert.equal(fieldText(false), "false");
    assert.equal(fieldText("(on the server) n.txt"), "(on the server) n.txt");
  });
  test("the form is rebuilt when a key, kind, title or choice changes, not a value", () => {
    const spec = { key: "input_2", kind: "integer", title: "Sleep", options: [], value: 2, hint: "h" };
    const same = formShape([spec]);
    assert.equal(formShape([{ ...spec, value: 5, hint: "other" }]), same);
    for (const change of [{ key: "input_3" }, { kind: "number" }, { title: "Wait" }, { options: ["1"] }]) {
      assert.notEqual(formShape([{ ...spec, ...change }]), same, JSON.stringify(change));
    }
    assert.notEqual(formShape([]), same);
  });
  test("a control's value: a checkbox's state, else its text", () => {
    assert.equal(controlValue({ type: "checkbox", checked: true, value: "on" }), true);
    assert.equal(controlValue({ type: "text", value: "3" }), "3");
    assert.equal(controlValue({ type: "select-one", value: "b" }), "b");
  });
});

describe("bar", () => {
  test("the percentage drawn is a whole number from 0 to 100", () => {
    assert.equal(percentOf(40), 40);
    assert.equal(percentOf(33.6), 34);
    assert.equal(percentOf(-5), 0);
    assert.equal(percentOf(140), 100);
    assert.equal(percentOf("70"), 70);
    assert.equal(percentOf(undefined), 0);
    assert.equal(percentOf(NaN), 0);
  });
});
