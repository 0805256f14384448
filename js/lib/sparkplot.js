// Small line plots of numeric columns over a time-like column (the file previews of the
// dataset picker): pure functions from numbers to SVG path data and axis ticks. No DOM,
// so node tests run them; the view draws what plotModel returns.

// [min, max] of the finite numbers in `values` (nulls, NaN skipped); a flat series gets a
// span around its value; null when there is no number at all.
export function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return null;
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

// A linear map from the domain [d0, d1] to the range [r0, r1].
export function scaleLinear([d0, d1], [r0, r1]) {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

// Round tick values inside [min, max] (steps of 1, 2 or 5 x 10^n): as close to `count` + 1
// ticks as such steps allow, at least 2 when any step gives 2.
export function niceTicks(min, max, count = 3) {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return [];
  const power = 10 ** Math.floor(Math.log10((max - min) / Math.max(1, count)));
  const ticksFor = (step) => {
    const out = [];
    for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
      out.push(Number(v.toPrecision(12)));
    }
    return out;
  };
  let best = [];
  let miss = Infinity;
  for (const m of [0.1, 0.2, 0.5, 1, 2, 5, 10]) {
    const ticks = ticksFor(m * power);
    const off = Math.abs(ticks.length - (count + 1));
    if (ticks.length >= 2 && off <= miss) { best = ticks; miss = off; }
  }
  return best;
}

// A tick label: "1.5k", "250", "0.25", "-3"; dates (kind "date", ms) as "2024-01-02".
export function formatTick(value, kind = "number") {
  if (kind === "date") return new Date(value).toISOString().slice(0, 10);
  const a = Math.abs(value);
  if (a >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

// SVG path data of the points (xs[i], ys[i]) through the scales; a null or non-finite
// value breaks the line (a new "M" starts after it). Coordinates to 0.1 px.
export function linePath(xs, ys, sx, sy) {
  let d = "";
  let pen = false;
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (typeof x !== "number" || typeof y !== "number" || !Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    const px = Math.round(sx(x) * 10) / 10;
    const py = Math.round(sy(y) * 10) / 10;
    d += `${pen ? "L" : "M"}${px} ${py}`;
    pen = true;
  }
  return d;
}

const PAD = { left: 46, right: 8, top: 6, bottom: 18 };

// What to draw for a preview's plot ({x, x_kind, x_label, series: [{name, values}]}):
// one small plot per series, sharing the x axis. Each: {name, d (path data), yTicks:
// [{y, label}], xTicks: [{x, label}], min, max, width, height, plotBox}. Series without a
// number are left out.
export function plotModel(plot, { width = 320, height = 64, pad = PAD } = {}) {
  if (!plot || !Array.isArray(plot.x) || !Array.isArray(plot.series)) return [];
  const xr = extent(plot.x);
  if (!xr) return [];
  const box = { x0: pad.left, x1: width - pad.right, y0: pad.top, y1: height - pad.bottom };
  const sx = scaleLinear(xr, [box.x0, box.x1]);
  const kind = plot.x_kind === "date" ? "date" : "number";
  const xTicks = niceTicks(xr[0], xr[1], 4).map((v) => ({ x: sx(v), label: formatTick(v, kind) }));
  const out = [];
  for (const s of plot.series) {
    const yr = extent(s.values || []);
    if (!yr) continue;
    const sy = scaleLinear(yr, [box.y1, box.y0]);
    out.push({
      name: String(s.name),
      d: linePath(plot.x, s.values, sx, sy),
      yTicks: niceTicks(yr[0], yr[1], 2).map((v) => ({ y: sy(v), label: formatTick(v) })),
      xTicks,
      min: yr[0],
      max: yr[1],
      width,
      height,
      box,
    });
  }
  return out;
}
