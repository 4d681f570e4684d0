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

// The float32 constants of one channel, set by setConstants: hi, a and b' (see affine1).
export let constH: f32 = 0;
export let constA: f32 = 0;
export let constB: f32 = 0;

export function setConstants(mu: f64, a: f64, b: f64): void {
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

// Rows of a tile the channels-last normalisation walks down with one group of constants: few
// enough that the tile's lines stay in L1 between the two groups that share each line.
const TILE_ROWS: i32 = 8;

// y of eight channels at px (rows `stride` bytes apart, y likewise) down `rows` rows, with their
// constants hi, a, b' (see affine1) in registers.
@inline function affineColumn8(px: usize, py: usize, rows: i32, stride: usize, ph: usize, pa: usize, pb: usize): void {
  const h0 = v128.load(ph);
  const h1 = v128.load(ph, 16);
  const a0 = v128.load(pa);
  const a1 = v128.load(pa, 16);
  const b0 = v128.load(pb);
  const b1 = v128.load(pb, 16);
  for (let j = 0; j < rows; j++) {
    const v0 = v128.load(px);
    const v1 = v128.load(px, 16);
    v128.store(py, f32x4.add(f32x4.mul(f32x4.sub(v0, h0), a0), b0));
    v128.store(py, f32x4.add(f32x4.mul(f32x4.sub(v1, h1), a1), b1), 16);
    px += stride;
    py += stride;
  }
}

// y over c channels of `rows` rows `stride` bytes apart with the per-channel constants at ph,
// pa, pb (f32[c], cache-resident): tiles of TILE_ROWS rows, eight channels at a time down the
// tile with their constants in registers (loading them for every vector of x made the loads the
// bottleneck), then four, then one.
export function affineRows(x: usize, y: usize, rows: i32, c: i32, stride: usize, ph: usize, pa: usize, pb: usize): void {
  const c8 = c & ~7;
  const c4 = c & ~3;
  for (let r = 0; r < rows; r += TILE_ROWS) {
    const tr = min(TILE_ROWS, rows - r);
    const px = x + <usize>r * stride;
    const py = y + <usize>r * stride;
    let ch = 0;
    for (; ch < c8; ch += 8) {
      const o = <usize>ch << 2;
      affineColumn8(px + o, py + o, tr, stride, ph + o, pa + o, pb + o);
    }
    for (; ch < c4; ch += 4) {
      const o = <usize>ch << 2;
      const h = v128.load(ph + o);
      const a = v128.load(pa + o);
      const b = v128.load(pb + o);
      for (let j = 0; j < tr; j++) {
        const q = <usize>j * stride + o;
        v128.store(py + q, f32x4.add(f32x4.mul(f32x4.sub(v128.load(px + q), h), a), b));
      }
    }
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      const h = load<f32>(ph + o);
      const a = load<f32>(pa + o);
      const b = load<f32>(pb + o);
      for (let j = 0; j < tr; j++) {
        const q = <usize>j * stride + o;
        store<f32>(py + q, affine1(load<f32>(px + q), h, a, b));
      }
    }
  }
}

/**
 * The float32 constants of inference (see affine1; hi f32[c], then a f32[c], then b' f32[c] at
 * `constants`) straight from the running statistics:
 * scale = gamma * invStd with invStd = 1 / sqrt(runningVar + eps), core's inverseStd in the same
 * float64 operations, two channels per instruction; shift = beta. gamma and beta are absent
 * (pointer 0) when not affine: scale = invStd, shift = 0.
 */
export function inferenceConstants(runningMean: usize, runningVar: usize, gamma: usize, beta: usize, eps: f64, c: i32, constants: usize): void {
  const w = <usize>c << 2;
  const one = f64x2.splat(1);
  const e = f64x2.splat(eps);
  let ch = 0;
  for (; ch + 2 <= c; ch += 2) {
    const o = <usize>ch << 3;
    let scale = f64x2.div(one, f64x2.sqrt(f64x2.add(v128.load(runningVar + o), e)));
    if (gamma != 0) scale = f64x2.mul(v128.load(gamma + o), scale);
    const shift = beta != 0 ? v128.load(beta + o) : f64x2.splat(0);
    for (let lane = 0; lane < 2; lane++) {
      const k = ch + lane;
      setConstants(f64at(runningMean, k), lane == 0 ? f64x2.extract_lane(scale, 0) : f64x2.extract_lane(scale, 1), lane == 0 ? f64x2.extract_lane(shift, 0) : f64x2.extract_lane(shift, 1));
      setF32(constants, k, constH);
      setF32(constants + w, k, constA);
      setF32(constants + 2 * w, k, constB);
    }
  }
  for (; ch < c; ch++) {
    const s = 1 / Math.sqrt(f64at(runningVar, ch) + eps);
    setConstants(f64at(runningMean, ch), gamma != 0 ? f64at(gamma, ch) * s : s, beta != 0 ? f64at(beta, ch) : 0);
    setF32(constants, ch, constH);
    setF32(constants + w, ch, constA);
    setF32(constants + 2 * w, ch, constB);
  }
}

/**
 * y = (x - mean) * scale + shift over [first, first + count), in float32 lanes (see affine1),
 * with the per-channel float32 constants at `constants` (hi, a, b' f32[c] each).
 */
export function affine(x: usize, y: usize, count: i32, first: i32, c: i32, inner: i32, constants: usize): void {
  const end = first + count;
  const ph = constants;
  const pa = constants + (<usize>c << 2);
  const pb = constants + (<usize>c << 3);
  let i = first;
  if (inner > 1) {
    while (i < end) {
      const run = i / inner;
      const runEnd = min(end, (run + 1) * inner);
      const o = <usize>(run % c) << 2;
      constH = load<f32>(ph + o);
      constA = load<f32>(pa + o);
      constB = load<f32>(pb + o);
      affineRun(x + (<usize>(i - first) << 2), y + (<usize>(i - first) << 2), runEnd - i);
      i = runEnd;
    }
    return;
  }
  for (; i < end && i % c != 0; i++) {
    const o = <usize>(i % c) << 2;
    const q = <usize>(i - first) << 2;
    store<f32>(y + q, affine1(load<f32>(x + q), load<f32>(ph + o), load<f32>(pa + o), load<f32>(pb + o)));
  }
  const rows = (end - i) / c;
  if (rows > 0) {
    const q = <usize>(i - first) << 2;
    affineRows(x + q, y + q, rows, c, <usize>c << 2, ph, pa, pb);
    i += rows * c;
  }
  for (; i < end; i++) {
    const o = <usize>(i % c) << 2;
    const q = <usize>(i - first) << 2;
    store<f32>(y + q, affine1(load<f32>(x + q), load<f32>(ph + o), load<f32>(pa + o), load<f32>(pb + o)));
  }
}
