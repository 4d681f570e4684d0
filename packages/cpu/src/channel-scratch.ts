/**
 * Reusable per-channel float64 arrays for the intermediate values of one operation (parameters
 * widened to float64, kernel constants, accumulators not returned). A fresh Float64Array costs
 * microseconds (an off-heap, zeroed buffer), so an operation on 1024 channels that allocated a
 * dozen of them would spend more time there than in its kernels. Valid until the next operation:
 * the backend runs one at a time.
 */
export class ChannelScratch {
  private block = new Float64Array(0);
  private c = 0;
  private used = 0;

  /** Starts an operation on `c` channels: every array handed out before may be reused. */
  begin(c: number): void {
    this.c = c;
    this.used = 0;
  }

  /** A zero-filled array of C float64 values. */
  zeros(): Float64Array {
    const array = this.take();
    array.fill(0);
    return array;
  }

  /** An array of C float64 values: `values` widened. */
  from(values: ArrayLike<number>): Float64Array {
    const array = this.take();
    if (values instanceof Float64Array) array.set(values);
    else for (let ch = 0; ch < this.c; ch++) array[ch] = values[ch] as number;
    return array;
  }

  /** An array of C float64 values whose contents are left over from earlier operations: the caller writes every element. */
  take(): Float64Array {
    const end = (this.used + 1) * this.c;
    if (end > this.block.length) {
      // Arrays already handed out keep the old block; the new one serves the rest.
      this.block = new Float64Array(Math.max(end * 2, 16 * this.c));
      this.used = 0;
      return this.take();
    }
    const array = this.block.subarray(this.used * this.c, end);
    this.used++;
    return array;
  }
}
