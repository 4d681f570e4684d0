// dx = kDy * dy + kCentered * (x - mean) + kConst, in float32 lanes.
import { f64at, setF32 } from './common';

// dx = a * dy + b * (x - hi) + k' with hi = f32(mean) and k' = f32(kConst - b * (mean - hi)), the
// part of the mean float32 cannot hold moved, in float64, into the constant as in affine1: the
// error stays a few float32 roundings of the largest term.
// b is taken as (b * 2^t) * 2^-t (see constants), so x - h is scaled by the power of two s = 2^-t.
@inline function grad1(x: f32, g: f32, h: f32, a: f32, b: f32, s: f32, k: f32): f32 {
  return a * g + b * ((x - h) * s) + k;
}

// The float32 constants of one channel, set by setConstants: hi, a, b, s and k' (see grad1).
export let constH: f32 = 0;
export let constA: f32 = 0;
export let constB: f32 = 0;
export let constS: f32 = 1;
export let constK: f32 = 0;

// Below 2^-100, b (gamma * invStd^2 * dgamma / m, about 1e-62 for x near 1e30) would underflow
// float32 while b * (x - h) does not: it is split into b * 2^t, near 2^-60, and 2^-t, which scales
// x - h exactly (a power of two) for every x - h whose product matters.
const SPLIT_EXPONENT: i32 = -100;
const SPLIT_TARGET: i32 = -60;

export function setConstants(mu: f64, a: f64, b: f64, k: f64): void {
  const h = <f32>mu;
  constH = h;
  constA = <f32>a;
  const exponent = <i32>((reinterpret<u64>(b) >> 52) & 0x7ff) - 1023;
  const t = exponent < SPLIT_EXPONENT ? min(SPLIT_TARGET - exponent, 1022) : 0;
  constB = <f32>(b * reinterpret<f64>(<u64>(1023 + t) << 52));
  constS = <f32>reinterpret<f64>(<u64>(1023 - t) << 52);
  constK = <f32>(k - b * (mu - <f64>h));
}

// dx of the first n - n % 8 values of a run with the constants in vectors; `scaled` (a constant
// at each call, so each use compiles to its own loop) multiplies x - hi by the power of two vs.
@inline function gradInputVectors(x: usize, dy: usize, dx: usize, n: i32, vh: v128, va: v128, vb: v128, vs: v128, vc: v128, scaled: bool): i32 {
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const p = <usize>k << 2;
    const v = f32x4.sub(v128.load(x + p), vh);
    const w = f32x4.sub(v128.load(x + p, 16), vh);
    const g = v128.load(dy + p);
    const e = v128.load(dy + p, 16);
    v128.store(dx + p, f32x4.add(f32x4.add(f32x4.mul(va, g), f32x4.mul(vb, scaled ? f32x4.mul(v, vs) : v)), vc));
    v128.store(dx + p, f32x4.add(f32x4.add(f32x4.mul(va, e), f32x4.mul(vb, scaled ? f32x4.mul(w, vs) : w)), vc), 16);
  }
  return k;
}

// dx over one contiguous run of one channel; without the power-of-two scaling in the usual case
// (s = 1: no split of b), one multiplication fewer per vector.
export function gradInputRun(x: usize, dy: usize, dx: usize, n: i32): void {
  const h = constH;
  const a = constA;
  const b = constB;
  const s = constS;
  const c = constK;
  const vh = f32x4.splat(h);
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  const vs = f32x4.splat(s);
  const vc = f32x4.splat(c);
  let k = s == 1 ? gradInputVectors(x, dy, dx, n, vh, va, vb, vs, vc, false) : gradInputVectors(x, dy, dx, n, vh, va, vb, vs, vc, true);
  for (; k < n; k++) {
    const p = <usize>k << 2;
    store<f32>(dx + p, grad1(load<f32>(x + p), load<f32>(dy + p), h, a, b, s, c));
  }
}

// dx of four channels at offset o of the four rows at base, base + stride, ... of x, dy and dx,
// with their constants loaded once; the loads come first, so no store waits on a load it cannot alias.
@inline function grad4x4(x: usize, dy: usize, dx: usize, base: usize, o: usize, stride: usize, ph: usize, pa: usize, pb: usize, ps: usize, pc: usize): void {
  const h = v128.load(ph + o);
  const a = v128.load(pa + o);
  const b = v128.load(pb + o);
  const s = v128.load(ps + o);
  const k = v128.load(pc + o);
  const p0 = base + o;
  const p1 = p0 + stride;
  const p2 = p1 + stride;
  const p3 = p2 + stride;
  const v0 = f32x4.mul(f32x4.sub(v128.load(x + p0), h), s);
  const v1 = f32x4.mul(f32x4.sub(v128.load(x + p1), h), s);
  const v2 = f32x4.mul(f32x4.sub(v128.load(x + p2), h), s);
  const v3 = f32x4.mul(f32x4.sub(v128.load(x + p3), h), s);
  const g0 = v128.load(dy + p0);
  const g1 = v128.load(dy + p1);
  const g2 = v128.load(dy + p2);
  const g3 = v128.load(dy + p3);
  v128.store(dx + p0, f32x4.add(f32x4.add(f32x4.mul(a, g0), f32x4.mul(b, v0)), k));
  v128.store(dx + p1, f32x4.add(f32x4.add(f32x4.mul(a, g1), f32x4.mul(b, v1)), k));
  v128.store(dx + p2, f32x4.add(f32x4.add(f32x4.mul(a, g2), f32x4.mul(b, v2)), k));
  v128.store(dx + p3, f32x4.add(f32x4.add(f32x4.mul(a, g3), f32x4.mul(b, v3)), k));
}

// dx over c channels of `rows` rows `stride` bytes apart with the per-channel constants at ph, pa, pb, ps, pc
// (f32[c], cache-resident): four rows at a time, so each vector of constants loaded serves four
// rows, then the last rows one by one.
export function gradInputRows(x: usize, dy: usize, dx: usize, rows: i32, c: i32, stride: usize, ph: usize, pa: usize, pb: usize, ps: usize, pc: usize): void {
  const c4 = c & ~3;
  let base: usize = 0;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    let ch = 0;
    for (; ch < c4; ch += 4) grad4x4(x, dy, dx, base, <usize>ch << 2, stride, ph, pa, pb, ps, pc);
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      for (let j: usize = 0; j < 4; j++) gradInputOne(x, dy, dx, base + j * stride + o, o, ph, pa, pb, ps, pc);
    }
    base += 4 * stride;
  }
  for (; r < rows; r++) {
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const o = <usize>ch << 2;
      const p = base + o;
      const d = f32x4.mul(f32x4.sub(v128.load(x + p), v128.load(ph + o)), v128.load(ps + o));
      v128.store(dx + p, f32x4.add(f32x4.add(f32x4.mul(v128.load(pa + o), v128.load(dy + p)), f32x4.mul(v128.load(pb + o), d)), v128.load(pc + o)));
    }
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      gradInputOne(x, dy, dx, base + o, o, ph, pa, pb, ps, pc);
    }
    base += stride;
  }
}

// One element of channel ch (index into the constants) at byte offset q of the tensors.
@inline function gradInputOne(x: usize, dy: usize, dx: usize, q: usize, o: usize, ph: usize, pa: usize, pb: usize, ps: usize, pc: usize): void {
  store<f32>(dx + q, grad1(load<f32>(x + q), load<f32>(dy + q), load<f32>(ph + o), load<f32>(pa + o), load<f32>(pb + o), load<f32>(ps + o), load<f32>(pc + o)));
}

// Stores the constants of setConstants as channel ch of the five f32[c] arrays at `constants`.
export function storeConstants(constants: usize, c: i32, ch: i32): void {
  const w = <usize>c << 2;
  setF32(constants, ch, constH);
  setF32(constants + w, ch, constA);
  setF32(constants + 2 * w, ch, constB);
  setF32(constants + 3 * w, ch, constS);
  setF32(constants + 4 * w, ch, constK);
}

/**
 * dx = kDy * dy + kCentered * (x - mean) + kConst over [first, first + count), in float32 lanes
 * (see grad1), with the per-channel float32 constants at `constants` (hi, a, b, s, k' f32[c]
 * each; see storeConstants).
 */
export function gradInput(x: usize, dy: usize, dx: usize, count: i32, first: i32, c: i32, inner: i32, constants: usize): void {
  const end = first + count;
  const w = <usize>c << 2;
  const ph = constants;
  const pa = ph + w;
  const pb = pa + w;
  const ps = pb + w;
  const pc = ps + w;
  let i = first;
  if (inner > 1) {
    while (i < end) {
      const run = i / inner;
      const runEnd = min(end, (run + 1) * inner);
      const o = <usize>(run % c) << 2;
      const off = <usize>(i - first) << 2;
      constH = load<f32>(ph + o);
      constA = load<f32>(pa + o);
      constB = load<f32>(pb + o);
      constS = load<f32>(ps + o);
      constK = load<f32>(pc + o);
      gradInputRun(x + off, dy + off, dx + off, runEnd - i);
      i = runEnd;
    }
    return;
  }
  for (; i < end && i % c != 0; i++) gradInputOne(x, dy, dx, <usize>(i - first) << 2, <usize>(i % c) << 2, ph, pa, pb, ps, pc);
  const rows = (end - i) / c;
  if (rows > 0) {
    const q = <usize>(i - first) << 2;
    gradInputRows(x + q, dy + q, dx + q, rows, c, <usize>c << 2, ph, pa, pb, ps, pc);
    i += rows * c;
  }
  for (; i < end; i++) gradInputOne(x, dy, dx, <usize>(i - first) << 2, <usize>(i % c) << 2, ph, pa, pb, ps, pc);
}
