/**
 * How far one tensor is from another, value by value: the statistics `bnkit compare` reports per
 * BN node and backend, and per model output between the fused and the unfused model.
 */

/** The error statistics of `actual` against `expected`. */
export interface ErrorStatistics {
  /** Values compared. */
  count: number;
  /** Largest |actual − expected| over the values where both are finite; 0 when there are none. */
  maxAbs: number;
  /** Largest |actual − expected| / |expected| over the values where both are finite and expected is not 0. */
  maxRel: number;
  /** Mean of |actual − expected| over the values where both are finite. */
  meanAbs: number;
  /** 99th percentile (nearest rank) of |actual − expected| over the values where both are finite. */
  p99Abs: number;
  /**
   * Largest distance between actual and expected, both rounded to float32, in float32 units in the
   * last place: the number of float32 values between them (0 for a correctly rounded result).
   */
  maxUlp: number;
  /** Values of actual that are NaN. */
  nan: number;
  /** Values of actual that are +Infinity or −Infinity. */
  inf: number;
  /** Values where actual or expected is not finite and they differ (two NaNs or two equal infinities agree). */
  nonFiniteMismatches: number;
}

const bits = new Float32Array(1);
const asInt = new Int32Array(bits.buffer);

/**
 * The position of a float32 value on the number line of float32 values: consecutive float32
 * values have consecutive positions, +0 and −0 share position 0. The argument is rounded to
 * float32 first. NaN has no position (returns NaN).
 */
export function float32Position(value: number): number {
  if (Number.isNaN(value)) return Number.NaN;
  bits[0] = value;
  const i = asInt[0] as number;
  // Sign-magnitude to a monotonic integer: negative floats count down from −0.
  return i < 0 ? -(i & 0x7fffffff) : i;
}

/**
 * The distance between two numbers rounded to float32, in float32 units in the last place: how
 * many steps from one float32 value to the next separate them. NaN when either is NaN.
 */
export function float32UlpDistance(a: number, b: number): number {
  return Math.abs(float32Position(a) - float32Position(b));
}

/**
 * Accumulates the errors of `actual` against `expected` over several pairs of arrays (one per
 * batch) and gives their statistics. Holds every finite absolute error for the percentile.
 */
export class ErrorAccumulator {
  private count = 0;
  private maxAbs = 0;
  private maxRel = 0;
  private sumAbs = 0;
  private maxUlp = 0;
  private nan = 0;
  private inf = 0;
  private mismatches = 0;
  private readonly errors: Float64Array[] = [];

  /**
   * Adds one pair of equally long arrays.
   * @throws RangeError when their lengths differ.
   */
  add(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
    if (actual.length !== expected.length) throw new RangeError(`error statistics: ${actual.length} actual values against ${expected.length} expected`);
    const errors = new Float64Array(actual.length);
    let finite = 0;
    for (let i = 0; i < actual.length; i++) {
      const a = actual[i] as number;
      const e = expected[i] as number;
      if (Number.isNaN(a)) this.nan++;
      else if (!Number.isFinite(a)) this.inf++;
      if (!Number.isFinite(a) || !Number.isFinite(e)) {
        if (!(a === e || (Number.isNaN(a) && Number.isNaN(e)))) this.mismatches++;
        continue;
      }
      const abs = Math.abs(a - e);
      errors[finite++] = abs;
      this.sumAbs += abs;
      if (abs > this.maxAbs) this.maxAbs = abs;
      if (e !== 0 && abs / Math.abs(e) > this.maxRel) this.maxRel = abs / Math.abs(e);
      const ulp = float32UlpDistance(a, e);
      if (ulp > this.maxUlp) this.maxUlp = ulp;
    }
    this.count += actual.length;
    this.errors.push(errors.subarray(0, finite));
  }

  /** The statistics of every pair added so far. */
  result(): ErrorStatistics {
    const finite = this.errors.reduce((n, e) => n + e.length, 0);
    const all = new Float64Array(finite);
    let at = 0;
    for (const e of this.errors) {
      all.set(e, at);
      at += e.length;
    }
    all.sort();
    const rank = Math.ceil(0.99 * finite);
    return {
      count: this.count,
      maxAbs: this.maxAbs,
      maxRel: this.maxRel,
      meanAbs: finite === 0 ? 0 : this.sumAbs / finite,
      p99Abs: finite === 0 ? 0 : (all[rank - 1] as number),
      maxUlp: this.maxUlp,
      nan: this.nan,
      inf: this.inf,
      nonFiniteMismatches: this.mismatches,
    };
  }
}
