// Backward's per-channel sums: sum(dy) and sum(dy * (x - mean)), in float64.
import { ROW_GROUP, f32at, f64at, hi, hsum, lo, setF64, tileRows } from './common';

// Adds sum(dy) and sum(dy * (x - mean)) of one contiguous run of channel ch. Blocks of 16 values
// are summed in float32 lanes and folded into float64; the products use x - k with k = the mean
// rounded to float32 (exact near the mean), and the shift is taken out exactly in float64:
// sum(dy * (x - mean)) = sum(dy * (x - k)) - (mean - k) * sum(dy).
function gradSumsRun(px: usize, pg: usize, n: i32, ch: i32, mean: usize, sumDy: usize, sumDyCentered: usize): void {
  const mu = f64at(mean, ch);
  const shift = <f32>mu;
  const vk = f32x4.splat(shift);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let t0 = f64x2.splat(0);
  let t1 = f64x2.splat(0);
  let k = 0;
  for (; k + 16 <= n; k += 16) {
    const ox = px + (<usize>k << 2);
    const og = pg + (<usize>k << 2);
    const g0 = v128.load(og);
    const g1 = v128.load(og, 16);
    const g2 = v128.load(og, 32);
    const g3 = v128.load(og, 48);
    const sg = f32x4.add(f32x4.add(g0, g1), f32x4.add(g2, g3));
    const st = f32x4.add(
      f32x4.add(f32x4.mul(g0, f32x4.sub(v128.load(ox), vk)), f32x4.mul(g1, f32x4.sub(v128.load(ox, 16), vk))),
      f32x4.add(f32x4.mul(g2, f32x4.sub(v128.load(ox, 32), vk)), f32x4.mul(g3, f32x4.sub(v128.load(ox, 48), vk))),
    );
    s0 = f64x2.add(s0, lo(sg));
    s1 = f64x2.add(s1, hi(sg));
    t0 = f64x2.add(t0, lo(st));
    t1 = f64x2.add(t1, hi(st));
  }
  let s = hsum(f64x2.add(s0, s1));
  let t = hsum(f64x2.add(t0, t1));
  const k64 = <f64>shift;
  for (; k < n; k++) {
    const g = f32at(pg, k);
    s += g;
    t += g * (f32at(px, k) - k64);
  }
  if (!isFinite(t)) {
    // A float32 product overflowed (or met a NaN): redo the run in float64.
    s = 0;
    t = 0;
    for (k = 0; k < n; k++) {
      const g = f32at(pg, k);
      s += g;
      t += g * (f32at(px, k) - k64);
    }
  }
  setF64(sumDy, ch, f64at(sumDy, ch) + s);
  setF64(sumDyCentered, ch, f64at(sumDyCentered, ch) + t - (mu - k64) * s);
}

// One element of channel ch into the gradient sums, in float64.
@inline function gradSumsOne(px: usize, pg: usize, ch: i32, mean: usize, sumDy: usize, sumDyCentered: usize): void {
  const g = <f64>load<f32>(pg);
  setF64(sumDy, ch, f64at(sumDy, ch) + g);
  setF64(sumDyCentered, ch, f64at(sumDyCentered, ch) + g * (<f64>load<f32>(px) - f64at(mean, ch)));
}

// The gradient sums of `rows` whole rows (see gradSums), tile by tile and, in a tile, four
// channels at a time down the rows with the float64 sums in registers. scratch: the shifts f32[c],
// then this call's sums f64[c] and f64[c], added to the totals once checked.
function gradSumsRows(x: usize, dy: usize, rows: i32, c: i32, mean: usize, sumDy: usize, sumDyCentered: usize, scratch: usize): void {
  const stride = <usize>c << 2;
  const c4 = c & ~3;
  const bK = scratch;
  const ls = scratch + (<usize>c << 3);
  const lt = scratch + (<usize>c << 4);
  memory.fill(ls, 0, <usize>c << 4);
  for (let ch = 0; ch < c; ch++) store<f32>(bK + (<usize>ch << 2), <f32>f64at(mean, ch));
  const tile = tileRows(c);
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const tr = min(tile, rows - r0);
    const bx = x + <usize>r0 * stride;
    const bg = dy + <usize>r0 * stride;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const o = <usize>ch << 2;
      const vk = v128.load(bK + o);
      let px = bx + o;
      let pg = bg + o;
      let s0 = f64x2.splat(0);
      let s1 = f64x2.splat(0);
      let t0 = f64x2.splat(0);
      let t1 = f64x2.splat(0);
      for (let r = 0; r < tr; r += ROW_GROUP) {
        const g = min(ROW_GROUP, tr - r);
        // Two interleaved chains (even and odd rows): one chain of dependent adds is latency-bound.
        let sv = f32x4.splat(0);
        let tv = f32x4.splat(0);
        let sv1 = f32x4.splat(0);
        let tv1 = f32x4.splat(0);
        let j = 0;
        for (; j + 2 <= g; j += 2) {
          const gv = v128.load(pg);
          const gw = v128.load(pg + stride);
          sv = f32x4.add(sv, gv);
          tv = f32x4.add(tv, f32x4.mul(gv, f32x4.sub(v128.load(px), vk)));
          sv1 = f32x4.add(sv1, gw);
          tv1 = f32x4.add(tv1, f32x4.mul(gw, f32x4.sub(v128.load(px + stride), vk)));
          px += 2 * stride;
          pg += 2 * stride;
        }
        if (j < g) {
          const gv = v128.load(pg);
          sv = f32x4.add(sv, gv);
          tv = f32x4.add(tv, f32x4.mul(gv, f32x4.sub(v128.load(px), vk)));
          px += stride;
          pg += stride;
        }
        sv = f32x4.add(sv, sv1);
        tv = f32x4.add(tv, tv1);
        s0 = f64x2.add(s0, lo(sv));
        s1 = f64x2.add(s1, hi(sv));
        t0 = f64x2.add(t0, lo(tv));
        t1 = f64x2.add(t1, hi(tv));
      }
      const q = <usize>ch << 3;
      // sum(dy * (x - mean)) = sum(dy * (x - k)) - (mean - k) * sum(dy), in float64.
      const kl = f64x2.sub(v128.load(mean + q), lo(vk));
      const kh = f64x2.sub(v128.load(mean + q + 16), hi(vk));
      v128.store(ls + q, f64x2.add(v128.load(ls + q), s0));
      v128.store(ls + q + 16, f64x2.add(v128.load(ls + q + 16), s1));
      v128.store(lt + q, f64x2.add(v128.load(lt + q), f64x2.sub(t0, f64x2.mul(kl, s0))));
      v128.store(lt + q + 16, f64x2.add(v128.load(lt + q + 16), f64x2.sub(t1, f64x2.mul(kh, s1))));
    }
    for (; ch < c; ch++) {
      for (let r = 0; r < tr; r++) {
        const o = <usize>r * stride + (<usize>ch << 2);
        gradSumsOne(bx + o, bg + o, ch, mean, ls, lt);
      }
    }
  }
  for (let ch = 0; ch < c; ch++) {
    let sv = f64at(ls, ch);
    let tv = f64at(lt, ch);
    if (!isFinite(sv) || !isFinite(tv)) {
      // A float32 sum overflowed (or met a NaN): this channel again, in float64.
      const mu = f64at(mean, ch);
      sv = 0;
      tv = 0;
      for (let r = 0; r < rows; r++) {
        const o = <usize>r * stride + (<usize>ch << 2);
        const g = <f64>load<f32>(dy + o);
        sv += g;
        tv += g * (<f64>load<f32>(x + o) - mu);
      }
    }
    setF64(sumDy, ch, f64at(sumDy, ch) + sv);
    setF64(sumDyCentered, ch, f64at(sumDyCentered, ch) + tv);
  }
}

/**
 * Adds sum(dy) and sum(dy * (x - mean)) over [first, first + count) to sumDy and sumDyCentered.
 * Channels-last rows are added in float32 lanes over groups of ROW_GROUP rows around each
 * channel's mean rounded to float32, folded into float64 per group with the shift taken out
 * exactly; a channel whose float32 sums overflow is redone in float64. scratch holds c f32 and 2 * c f64.
 */
export function gradSums(x: usize, dy: usize, count: i32, first: i32, c: i32, inner: i32, mean: usize, sumDy: usize, sumDyCentered: usize, scratch: usize): void {
  const end = first + count;
  let i = first;
  if (inner > 1) {
    while (i < end) {
      const run = i / inner;
      const runEnd = min(end, (run + 1) * inner);
      gradSumsRun(x + (<usize>(i - first) << 2), dy + (<usize>(i - first) << 2), runEnd - i, run % c, mean, sumDy, sumDyCentered);
      i = runEnd;
    }
    return;
  }
  for (; i < end && i % c != 0; i++) gradSumsOne(x + (<usize>(i - first) << 2), dy + (<usize>(i - first) << 2), i % c, mean, sumDy, sumDyCentered);
  const rows = (end - i) / c;
  if (rows > 0) {
    const start = <usize>(i - first) << 2;
    gradSumsRows(x + start, dy + start, rows, c, mean, sumDy, sumDyCentered, scratch);
    i += rows * c;
  }
  for (; i < end; i++) gradSumsOne(x + (<usize>(i - first) << 2), dy + (<usize>(i - first) << 2), i % c, mean, sumDy, sumDyCentered);
}
