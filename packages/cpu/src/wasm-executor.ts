import type { FloatArray } from '@bnkit/core';
import { emptyMoments, type Executor, type GradSums } from './executor.js';
import type { Geometry } from './geometry.js';
import type { MomentsAccumulator } from './kernels.js';
import type { WasmArena } from './wasm-arena.js';
import type { KernelExports } from './wasm-module.js';
import type { WorkerPool } from './worker-pool.js';

/** Split points between threads are multiples of this many elements (a cache line of float32). */
const SPLIT_ALIGN = 16;
/** Per-channel f64 arrays: 4 parameter arrays, then 7 per thread (3 accumulators, 4 of kernel scratch). */
const PARAMS = 4;
const PER_PART = 7;

type KernelName = 'moments' | 'affine' | 'gradSums' | 'gradInput';

/**
 * Runs the WebAssembly SIMD kernels on tensors in the shared memory (see
 * `WasmArena.allocateFloat32`), in place; when they hold at least `parallelThreshold` elements
 * they are split across the calling thread and the worker pool. Per-channel partial results of
 * the threads are combined in float64 (Chan's merge for moments, plain sums for gradients).
 * Calls are serialised: they share one scratch area.
 */
export class WasmExecutor implements Executor {
  private channelPointer = 0;
  private channelCapacity = 0;
  private channelStride = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly arena: WasmArena,
    private readonly kernels: KernelExports,
    private readonly pool: () => WorkerPool | undefined,
    private readonly parallelThreshold: number,
  ) {}

  /** True when every array is a float32 view into the shared memory of `arena`. */
  static accepts(arena: WasmArena, arrays: readonly FloatArray[]): boolean {
    return arrays.every((a) => a instanceof Float32Array && arena.owns(a));
  }

  moments(x: FloatArray, geo: Geometry): Promise<MomentsAccumulator> {
    return this.serialise(async () => {
      const parts = await this.execute('moments', geo, [x as Float32Array], undefined, (p) => [this.at(p, 0), this.at(p, 1), this.at(p, 2), this.at(p, 3)], 3);
      const result = emptyMoments(geo.c);
      for (let p = 0; p < parts; p++) {
        const count = this.view(this.at(p, 0), geo.c);
        const mean = this.view(this.at(p, 1), geo.c);
        const m2 = this.view(this.at(p, 2), geo.c);
        for (let ch = 0; ch < geo.c; ch++) {
          const n = count[ch] as number;
          if (n === 0) continue;
          const before = result.count[ch] as number;
          const total = before + n;
          const delta = (mean[ch] as number) - (result.mean[ch] as number);
          result.count[ch] = total;
          result.mean[ch] = before === 0 ? (mean[ch] as number) : (result.mean[ch] as number) + (delta * n) / total;
          result.m2[ch] = before === 0 ? (m2[ch] as number) : (result.m2[ch] as number) + (m2[ch] as number) + (delta * delta * before * n) / total;
        }
      }
      return result;
    });
  }

  affine(x: FloatArray, y: FloatArray, geo: Geometry, mean: Float64Array, scale: Float64Array, shift: Float64Array): Promise<void> {
    return this.serialise(async () => {
      this.setParams(geo.c, [mean, scale, shift]);
      await this.execute('affine', geo, [x as Float32Array], y as Float32Array, (p) => [this.param(0), this.param(1), this.param(2), this.at(p, 3)], 0);
    });
  }

  gradSums(x: FloatArray, dy: FloatArray, geo: Geometry, mean: Float64Array): Promise<GradSums> {
    return this.serialise(async () => {
      this.setParams(geo.c, [mean]);
      const parts = await this.execute('gradSums', geo, [x as Float32Array, dy as Float32Array], undefined, (p) => [this.param(0), this.at(p, 0), this.at(p, 1), this.at(p, 3)], 2);
      const sumDy = new Float64Array(geo.c);
      const sumDyCentered = new Float64Array(geo.c);
      for (let p = 0; p < parts; p++) {
        const a = this.view(this.at(p, 0), geo.c);
        const b = this.view(this.at(p, 1), geo.c);
        for (let ch = 0; ch < geo.c; ch++) {
          sumDy[ch] = (sumDy[ch] as number) + (a[ch] as number);
          sumDyCentered[ch] = (sumDyCentered[ch] as number) + (b[ch] as number);
        }
      }
      return { sumDy, sumDyCentered };
    });
  }

  gradInput(
    x: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
    geo: Geometry,
    mean: Float64Array,
    kDy: Float64Array,
    kCentered: Float64Array,
    kConst: Float64Array,
  ): Promise<void> {
    return this.serialise(async () => {
      this.setParams(geo.c, [mean, kDy, kCentered, kConst]);
      await this.execute('gradInput', geo, [x as Float32Array, dy as Float32Array], dx as Float32Array, (p) => [this.param(0), this.param(1), this.param(2), this.param(3), this.at(p, 3)], 0);
    });
  }

  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs kernel `name` over the whole tensor and returns how many parts (threads) ran. The
   * first `zeroed` per-part arrays are cleared first (they are accumulators).
   */
  private async execute(
    name: KernelName,
    geo: Geometry,
    inputs: readonly Float32Array[],
    output: Float32Array | undefined,
    perChannel: (part: number) => number[],
    zeroed: number,
  ): Promise<number> {
    const tensors = output ? [...inputs, output] : inputs;
    const pool = this.pool();
    const parts = pool && geo.size >= this.parallelThreshold ? pool.size + 1 : 1;
    this.reserve(geo.c);
    for (let p = 0; p < parts; p++) {
      for (let k = 0; k < zeroed; k++) this.view(this.at(p, k), geo.c).fill(0);
    }
    const call = (first: number, count: number, pointers: readonly number[], part: number): number[] => [
      ...pointers,
      count,
      first,
      geo.c,
      geo.inner,
      ...perChannel(part),
    ];
    const bounds = Array.from({ length: parts + 1 }, (_, p) => (p === parts ? geo.size : Math.round((geo.size * p) / parts / SPLIT_ALIGN) * SPLIT_ALIGN));
    const pointersAt = (first: number): number[] => tensors.map((t) => t.byteOffset + first * 4);
    const running: Promise<void>[] = [];
    for (let p = 1; p < parts; p++) {
      const first = bounds[p] as number;
      const count = (bounds[p + 1] as number) - first;
      if (count > 0) running.push((pool as WorkerPool).run(p - 1, name, call(first, count, pointersAt(first), p)));
    }
    const count0 = bounds[1] as number;
    if (count0 > 0) this.invoke(name, call(0, count0, pointersAt(0), 0));
    await Promise.all(running);
    return parts;
  }

  private invoke(name: KernelName, args: number[]): void {
    (this.kernels[name] as (...a: number[]) => void)(...args);
  }

  /** Makes room for C channels and every thread of the pool in the per-channel area. */
  private reserve(c: number): void {
    const stride = Math.max(Math.ceil((c * 8) / 64) * 64, this.channelStride);
    const needed = stride * (PARAMS + PER_PART * ((this.pool()?.size ?? 0) + 1));
    if (stride === this.channelStride && needed <= this.channelCapacity) return;
    if (this.channelCapacity > 0) this.arena.freeBytes(this.channelPointer);
    this.channelPointer = this.arena.allocateBytes(needed);
    this.channelCapacity = needed;
    this.channelStride = stride;
  }

  private param(k: number): number {
    return this.channelPointer + k * this.channelStride;
  }

  private at(part: number, k: number): number {
    return this.channelPointer + (PARAMS + part * PER_PART + k) * this.channelStride;
  }

  private view(pointer: number, c: number): Float64Array {
    return new Float64Array(this.arena.buffer, pointer, c);
  }

  private setParams(c: number, arrays: readonly Float64Array[]): void {
    this.reserve(c);
    arrays.forEach((a, k) => this.view(this.param(k), c).set(a));
  }
}
