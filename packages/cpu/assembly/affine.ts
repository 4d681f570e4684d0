// y = (x - mean) * scale + shift, in float32 lanes.
import { f64at, setF32 } from './common';

// The normalisation runs in float32 lanes, four values per instruction, as
// y = (x - hi) * a + b' with hi = f32(mean), a = f32(scale) and b' = f32(shift - lo * scale),
// where lo = mean - hi: x - hi is exact for x near the mean (Sterbenz), so the deviation keeps
// float32 precision even at an offset of 1e4, and the part of the mean float32 cannot hold moves,
// computed in float64, into the constant. y is within a few float32 rounding steps of the
// float64 result.
@inline function affine1(x: f32, h: f32, a: f32, b: f32): f32 {
  return (x - h) * a + b;
}

// The float32 constants of one channel: hi, a and b' (see affine1).
let constH: f32 = 0;
let constA: f32 = 0;
let constB: f32 = 0;

export function constants(mu: f64, a: f64, b: f64): void {
  const h = <f32>mu;
  constH = h;
  constA = <f32>a;
  constB = <f32>(b - (mu - <f64>h) * a);
}

// y over one contiguous run of one channel.
export function affineRun(px: usize, py: usize, n: i32): void {
  const h = constH;
  const a = constA;
  const b = constB;
  const vh = f32x4.splat(h);
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  let k = 0;
  for (; k + 16 <= n; k += 16) {
    const p = <usize>k << 2;
    const v0 = v128.load(px + p);
    const v1 = v128.load(px + p, 16);
    const v2 = v128.load(px + p, 32);
    const v3 = v128.load(px + p, 48);
    v128.store(py + p, f32x4.add(f32x4.mul(f32x4.sub(v0, vh), va), vb));
    v128.store(py + p, f32x4.add(f32x4.mul(f32x4.sub(v1, vh), va), vb), 16);
    v128.store(py + p, f32x4.add(f32x4.mul(f32x4.sub(v2, vh), va), vb), 32);
    v128.store(py + p, f32x4.add(f32x4.mul(f32x4.sub(v3, vh), va), vb), 48);
  }
  for (; k + 4 <= n; k += 4) {
    const p = <usize>k << 2;
    v128.store(py + p, f32x4.add(f32x4.mul(f32x4.sub(v128.load(px + p), vh), va), vb));
  }
  for (; k < n; k++) store<f32>(py + (<usize>k << 2), affine1(load<f32>(px + (<usize>k << 2)), h, a, b));
}

// y of four channels at offset o of the four rows at px, px + stride, ... (y likewise), with
// their constants loaded once: the loads come first, so no store waits on a load it cannot alias.
@inline function affine4x4(px: usize, py: usize, o: usize, stride: usize, ph: usize, pa: usize, pb: usize): void {
  const h = v128.load(ph + o);
  const a = v128.load(pa + o);
  const b = v128.load(pb + o);
  const v0 = v128.load(px + o);
  const v1 = v128.load(px + stride + o);
  const v2 = v128.load(px + 2 * stride + o);
  const v3 = v128.load(px + 3 * stride + o);
  v128.store(py + o, f32x4.add(f32x4.mul(f32x4.sub(v0, h), a), b));
  v128.store(py + stride + o, f32x4.add(f32x4.mul(f32x4.sub(v1, h), a), b));
  v128.store(py + 2 * stride + o, f32x4.add(f32x4.mul(f32x4.sub(v2, h), a), b));
  v128.store(py + 3 * stride + o, f32x4.add(f32x4.mul(f32x4.sub(v3, h), a), b));
}

// y over `rows` whole rows of c channels with the per-channel constants at ph, pa, pb (f32[c],
// cache-resident): four rows at a time, so each vector of constants loaded serves four vectors
// of x (one per row would make the loads of constants the bottleneck), then the last rows one
// by one.
function affineRows(x: usize, y: usize, rows: i32, c: i32, ph: usize, pa: usize, pb: usize): void {
  const stride = <usize>c << 2;
  const c4 = c & ~3;
  let px = x;
  let py = y;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    let ch = 0;
    for (; ch < c4; ch += 4) affine4x4(px, py, <usize>ch << 2, stride, ph, pa, pb);
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      const h = load<f32>(ph + o);
      const a = load<f32>(pa + o);
      const b = load<f32>(pb + o);
      for (let j: usize = 0; j < 4; j++) store<f32>(py + j * stride + o, affine1(load<f32>(px + j * stride + o), h, a, b));
    }
    px += 4 * stride;
    py += 4 * stride;
  }
  for (; r < rows; r++) {
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const o = <usize>ch << 2;
      v128.store(py + o, f32x4.add(f32x4.mul(f32x4.sub(v128.load(px + o), v128.load(ph + o)), v128.load(pa + o)), v128.load(pb + o)));
    }
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      store<f32>(py + o, affine1(load<f32>(px + o), load<f32>(ph + o), load<f32>(pa + o), load<f32>(pb + o)));
    }
    px += stride;
    py += stride;
  }
}

/**
 * y = (x - mean) * scale + shift over [first, first + count), in float32 lanes (see affine1).
 * scratch holds 3 * c f32 (the per-channel float32 constants).
 */
export function affine(x: usize, y: usize, count: i32, first: i32, c: i32, inner: i32, mean: usize, scale: usize, shift: usize, scratch: usize): void {
  const end = first + count;
  let i = first;
  if (inner > 1) {
    while (i < end) {
      const run = i / inner;
      const runEnd = min(end, (run + 1) * inner);
      const ch = run % c;
      constants(f64at(mean, ch), f64at(scale, ch), f64at(shift, ch));
      affineRun(x + (<usize>(i - first) << 2), y + (<usize>(i - first) << 2), runEnd - i);
      i = runEnd;
    }
    return;
  }
  const ph = scratch;
  const pa = scratch + (<usize>c << 2);
  const pb = scratch + (<usize>c << 3);
  for (let ch = 0; ch < c; ch++) {
    constants(f64at(mean, ch), f64at(scale, ch), f64at(shift, ch));
    setF32(ph, ch, constH);
    setF32(pa, ch, constA);
    setF32(pb, ch, constB);
  }
  for (; i < end && i % c != 0; i++) {
    const o = <usize>(i % c) << 2;
    const q = <usize>(i - first) << 2;
    store<f32>(y + q, affine1(load<f32>(x + q), load<f32>(ph + o), load<f32>(pa + o), load<f32>(pb + o)));
  }
  const rows = (end - i) / c;
  if (rows > 0) {
    const q = <usize>(i - first) << 2;
    affineRows(x + q, y + q, rows, c, ph, pa, pb);
    i += rows * c;
  }
  for (; i < end; i++) {
    const o = <usize>(i % c) << 2;
    const q = <usize>(i - first) << 2;
    store<f32>(y + q, affine1(load<f32>(x + q), load<f32>(ph + o), load<f32>(pa + o), load<f32>(pb + o)));
  }
}
