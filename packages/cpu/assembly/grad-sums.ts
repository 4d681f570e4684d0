// Backward's per-channel sums: sum(dy) and sum(dy * (x - mean)), in float64.
import { ROW_GROUP, f32at, f64at, foldInto8, hi, hsum, lo, setF64 } from './common';

// Adds sum(dy) and sum(dy * (x - mean)) of one contiguous run of channel ch. Blocks of 32 values
// are summed in float32 lanes (8 per lane, as in moments.ts) and folded into float64; the
// products use x - k with k = the mean rounded to float32 (exact near the mean), and the shift
// is taken out exactly in float64: sum(dy * (x - mean)) = sum(dy * (x - k)) - (mean - k) * sum(dy).
export function gradSumsRun(px: usize, pg: usize, n: i32, ch: i32, mean: usize, sumDy: usize, sumDyCentered: usize): void {
  const mu = f64at(mean, ch);
  const shift = <f32>mu;
  const vk = f32x4.splat(shift);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let t0 = f64x2.splat(0);
  let t1 = f64x2.splat(0);
  let k = 0;
  for (; k + 32 <= n; k += 32) {
    const ox = px + (<usize>k << 2);
    const og = pg + (<usize>k << 2);
    const g0 = v128.load(og);
    const g1 = v128.load(og, 16);
    const g2 = v128.load(og, 32);
    const g3 = v128.load(og, 48);
    const g4 = v128.load(og, 64);
    const g5 = v128.load(og, 80);
    const g6 = v128.load(og, 96);
    const g7 = v128.load(og, 112);
    const sg = f32x4.add(f32x4.add(f32x4.add(g0, g1), f32x4.add(g2, g3)), f32x4.add(f32x4.add(g4, g5), f32x4.add(g6, g7)));
    const st = f32x4.add(
      f32x4.add(
        f32x4.add(f32x4.mul(g0, f32x4.sub(v128.load(ox), vk)), f32x4.mul(g1, f32x4.sub(v128.load(ox, 16), vk))),
        f32x4.add(f32x4.mul(g2, f32x4.sub(v128.load(ox, 32), vk)), f32x4.mul(g3, f32x4.sub(v128.load(ox, 48), vk))),
      ),
      f32x4.add(
        f32x4.add(f32x4.mul(g4, f32x4.sub(v128.load(ox, 64), vk)), f32x4.mul(g5, f32x4.sub(v128.load(ox, 80), vk))),
        f32x4.add(f32x4.mul(g6, f32x4.sub(v128.load(ox, 96), vk)), f32x4.mul(g7, f32x4.sub(v128.load(ox, 112), vk))),
      ),
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

// Adds the g (<= ROW_GROUP) rows of 8 channels at px and pg (rows `stride` bytes apart) into the
// float64 sums at ps and pt: dy and dy * (x - k) around the float32 means at pk, in float32 lanes
// (eight channels keep the accumulators in registers; the two walks that share a 64-byte line
// find it in L1).
@inline function columnGradSums8(px: usize, pg: usize, g: i32, stride: usize, pk: usize, ps: usize, pt: usize): void {
  const k0 = v128.load(pk);
  const k1 = v128.load(pk, 16);
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let t0 = f32x4.splat(0);
  let t1 = f32x4.splat(0);
  for (let j = 0; j < g; j++) {
    const g0 = v128.load(pg);
    const g1 = v128.load(pg, 16);
    s0 = f32x4.add(s0, g0);
    s1 = f32x4.add(s1, g1);
    t0 = f32x4.add(t0, f32x4.mul(g0, f32x4.sub(v128.load(px), k0)));
    t1 = f32x4.add(t1, f32x4.mul(g1, f32x4.sub(v128.load(px, 16), k1)));
    px += stride;
    pg += stride;
  }
  foldInto8(ps, s0, s1);
  foldInto8(pt, t0, t1);
}

// The same for 4 channels.
@inline function columnGradSums4(px: usize, pg: usize, g: i32, stride: usize, pk: usize, ps: usize, pt: usize): void {
  const k = v128.load(pk);
  let s = f32x4.splat(0);
  let t = f32x4.splat(0);
  for (let j = 0; j < g; j++) {
    const gv = v128.load(pg);
    s = f32x4.add(s, gv);
    t = f32x4.add(t, f32x4.mul(gv, f32x4.sub(v128.load(px), k)));
    px += stride;
    pg += stride;
  }
  v128.store(ps, f64x2.add(v128.load(ps), lo(s)));
  v128.store(ps, f64x2.add(v128.load(ps, 16), hi(s)), 16);
  v128.store(pt, f64x2.add(v128.load(pt), lo(t)));
  v128.store(pt, f64x2.add(v128.load(pt, 16), hi(t)), 16);
}

// The gradient sums of c channels of `rows` rows `stride` bytes apart (whole rows, or the
// channels of a range of them; mean, sumDy and sumDyCentered point at their first channel's
// entries; see gradSums): groups of ROW_GROUP rows, 8 channels
// at a time down the rows, then 4, then one. The float32 products use x - k with
// k = the mean rounded to float32, and the shift comes out exactly in float64 per channel at the
// end. scratch: the shifts f32[c], then this call's sums f64[c] and f64[c], added to the totals
// once checked.
export function gradSumsRows(x: usize, dy: usize, rows: i32, c: i32, stride: usize, mean: usize, sumDy: usize, sumDyCentered: usize, scratch: usize): void {
  const c8 = c & ~7;
  const c4 = c & ~3;
  const bK = scratch;
  const ls = scratch + (<usize>c << 3);
  const lt = scratch + (<usize>c << 4);
  memory.fill(ls, 0, <usize>c << 4);
  for (let ch = 0; ch < c; ch++) store<f32>(bK + (<usize>ch << 2), <f32>f64at(mean, ch));
  for (let r = 0; r < rows; r += ROW_GROUP) {
    const g = min(ROW_GROUP, rows - r);
    const bx = x + <usize>r * stride;
    const bg = dy + <usize>r * stride;
    let ch = 0;
    for (; ch < c8; ch += 8) {
      const o = <usize>ch << 2;
      columnGradSums8(bx + o, bg + o, g, stride, bK + o, ls + (<usize>ch << 3), lt + (<usize>ch << 3));
    }
    for (; ch < c4; ch += 4) {
      const o = <usize>ch << 2;
      columnGradSums4(bx + o, bg + o, g, stride, bK + o, ls + (<usize>ch << 3), lt + (<usize>ch << 3));
    }
    for (; ch < c; ch++) {
      const k = <f64>load<f32>(bK + (<usize>ch << 2));
      let sv: f64 = 0;
      let tv: f64 = 0;
      for (let j = 0; j < g; j++) {
        const o = <usize>j * stride + (<usize>ch << 2);
        const gv = <f64>load<f32>(bg + o);
        sv += gv;
        tv += gv * (<f64>load<f32>(bx + o) - k);
      }
      setF64(ls, ch, f64at(ls, ch) + sv);
      setF64(lt, ch, f64at(lt, ch) + tv);
    }
  }
  for (let ch = 0; ch < c; ch++) {
    let sv = f64at(ls, ch);
    const mu = f64at(mean, ch);
    // sum(dy * (x - mean)) = sum(dy * (x - k)) - (mean - k) * sum(dy), in float64.
    let tv = f64at(lt, ch) - (mu - <f64>load<f32>(bK + (<usize>ch << 2))) * sv;
    if (!isFinite(sv) || !isFinite(tv)) {
      // A float32 sum overflowed (or met a NaN): this channel again, in float64.
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
    gradSumsRows(x + start, dy + start, rows, c, <usize>c << 2, mean, sumDy, sumDyCentered, scratch);
    i += rows * c;
  }
  for (; i < end; i++) gradSumsOne(x + (<usize>(i - first) << 2), dy + (<usize>(i - first) << 2), i % c, mean, sumDy, sumDyCentered);
}
