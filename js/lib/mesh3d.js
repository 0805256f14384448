// 3-D helpers for the scaffold viewer: binary buffers to typed arrays, vertex normals, and
// column-major 4x4 matrices as WebGL takes them. Pure functions (node tests import them).

// A DataView / ArrayBuffer / typed array from the model as a Float32Array or Uint32Array
// (copied when its byte offset is not aligned to the element size).
function typed(value, Kind) {
  if (!value) return new Kind(0);
  if (value instanceof Kind) return value;
  const buffer = value.buffer instanceof ArrayBuffer ? value.buffer : value;
  const offset = value.byteOffset || 0;
  const length = value.byteLength ?? buffer.byteLength;
  const count = Math.floor(length / Kind.BYTES_PER_ELEMENT);
  if (offset % Kind.BYTES_PER_ELEMENT === 0) return new Kind(buffer, offset, count);
  return new Kind(buffer.slice(offset, offset + count * Kind.BYTES_PER_ELEMENT));
}
export const toFloat32 = (value) => typed(value, Float32Array);
export const toUint32 = (value) => typed(value, Uint32Array);

// Area-weighted vertex normals of indexed triangles (unit length; zero where unused).
export function vertexNormals(positions, triangles) {
  const normals = new Float32Array(positions.length);
  for (let t = 0; t + 2 < triangles.length; t += 3) {
    const a = 3 * triangles[t], b = 3 * triangles[t + 1], c = 3 * triangles[t + 2];
    const ux = positions[b] - positions[a], uy = positions[b + 1] - positions[a + 1], uz = positions[b + 2] - positions[a + 2];
    const vx = positions[c] - positions[a], vy = positions[c + 1] - positions[a + 1], vz = positions[c + 2] - positions[a + 2];
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    for (const i of [a, b, c]) { normals[i] += nx; normals[i + 1] += ny; normals[i + 2] += nz; }
  }
  for (let i = 0; i < normals.length; i += 3) {
    const l = Math.hypot(normals[i], normals[i + 1], normals[i + 2]);
    if (l > 0) { normals[i] /= l; normals[i + 1] /= l; normals[i + 2] /= l; }
  }
  return normals;
}

// a × b for column-major 4x4 matrices.
export function mat4Multiply(a, b) {
  const out = new Array(16).fill(0);
  for (let col = 0; col < 4; col++) {
    for (let row = 0; row < 4; row++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + row] * b[col * 4 + k];
      out[col * 4 + row] = s;
    }
  }
  return out;
}

// Turn by `yaw` degrees about y, then `pitch` degrees about x.
export function rotation(pitch, yaw) {
  const p = (pitch * Math.PI) / 180, y = (yaw * Math.PI) / 180;
  const cp = Math.cos(p), sp = Math.sin(p), cy = Math.cos(y), sy = Math.sin(y);
  const rx = [1, 0, 0, 0, 0, cp, sp, 0, 0, -sp, cp, 0, 0, 0, 0, 1];
  const ry = [cy, 0, -sy, 0, 0, 1, 0, 0, sy, 0, cy, 0, 0, 0, 0, 1];
  return mat4Multiply(rx, ry);
}

// The camera on the z axis, `distance` from the origin, looking at it.
export const lookAt = (distance) => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, -distance, 1];

export function perspective(fovDegrees, aspect, near, far) {
  const f = 1 / Math.tan((fovDegrees * Math.PI) / 360);
  return [f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1,
    0, 0, (2 * far * near) / (near - far), 0];
}

// Where a point lands in clip space, divided by w (x, y in -1..1 when on screen).
export function projectPoint(m, [x, y, z]) {
  const w = m[3] * x + m[7] * y + m[11] * z + m[15];
  return [(m[0] * x + m[4] * y + m[8] * z + m[12]) / w, (m[1] * x + m[5] * y + m[9] * z + m[13]) / w,
    (m[2] * x + m[6] * y + m[10] * z + m[14]) / w];
}
