// lib/mesh3d.js: typed arrays from the model's binary buffers, normals, matrices.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { lookAt, mat4Multiply, perspective, projectPoint, rotation, toFloat32, toUint32, vertexNormals }
  from "../lib/mesh3d.js";

const close = (a, b) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6, `${a} vs ${b}`));

describe("buffers", () => {
  test("a DataView becomes a typed array over the same bytes", () => {
    const f = new Float32Array([1.5, -2, 3]);
    const view = new DataView(f.buffer);
    assert.deepEqual(Array.from(toFloat32(view)), [1.5, -2, 3]);
    assert.equal(toFloat32(view).buffer, f.buffer);
  });
  test("an unaligned view is copied, not misread", () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setUint32(1, 7, true);
    new DataView(bytes.buffer).setUint32(5, 42, true);
    assert.deepEqual(Array.from(toUint32(new DataView(bytes.buffer, 1, 8))), [7, 42]);
  });
  test("nothing gives an empty array", () => assert.equal(toUint32(null).length, 0));
});

describe("normals", () => {
  test("a triangle in the xy plane faces z", () => {
    const n = vertexNormals(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]), new Uint32Array([0, 1, 2]));
    close(Array.from(n), [0, 0, 1, 0, 0, 1, 0, 0, 1]);
  });
});

describe("matrices", () => {
  test("a quarter turn of yaw takes x to -z", () => {
    close(projectPoint(rotation(0, 90), [1, 0, 0]), [0, 0, -1]);
  });
  test("pitch turns y towards z", () => close(projectPoint(rotation(90, 0), [0, 1, 0]), [0, 0, 1]));
  test("the origin seen from the camera lands in the middle of the screen", () => {
    const m = mat4Multiply(perspective(35, 1.5, 0.1, 100), lookAt(5));
    const [x, y, z] = projectPoint(m, [0, 0, 0]);
    close([x, y], [0, 0]);
    assert.ok(z > -1 && z < 1);
    const [rx] = projectPoint(m, [1, 0, 0]);
    assert.ok(rx > 0);  // +x is on the right
  });
});
