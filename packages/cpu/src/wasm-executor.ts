import { mergeMoments, type FloatArray } from '@bnkit/core';
import type { Executor } from './executor.js';
import type { Geometry } from './geometry.js';
import type { AffineRequest, BackwardChannelsRequest, GradInputRequest, GradSumsRequest, RunningInferenceRequest, MomentsRequest, TrainChannelsRequest } from './kernels.js';
import type { WasmArena } from './wasm-arena.js';
import type { KernelExports } from './wasm-module.js';
import type { WorkerPool } from './worker-pool.js';

/** Split points between threads are multiples of this many elements (a cache line of float32). */
const SPLIT_ALIGN = 16;
/** Elements of a tensor staged per kernel call: 64 KiB, so three slots stay in L2 with the kernel's work. */
const STAGE_ELEMENTS = 16384;
const STAGE_SLOTS = 3;
/** Per-channel float64 arrays of a kernel's scratch (the largest, moments, needs 3.5). */
const SCRATCH_ARRAYS = 4;
/**
 * Channels-last tensors are split between threads by channels only when each thread gets at
 * least this many, 1 KiB of each row: the hardware prefetchers fetch neighbouring lines, so two
 * threads reading alternate short pieces of each row would each pull in the whole tensor.
 * Below that they are split by element ranges.
 */
const CHANNELS_PER_PART = 256;
/** Channel ranges of channels-last rows start at multiples of a cache line of float32. */
const CHANNEL_ALIGN = 16;

type KernelName = keyof KernelExports;

/** One kernel call over a whole tensor, as the executor plans it. */
interface KernelPlan {
  readonly name: KernelName;
  readonly geo: Geometry;
  /** Tensors read: x, or x and dy. */
  readonly inputs: readonly Float32Array[];
  /** The tensor written (y or dx), if any. */
  readonly output?: Float32Array;
  /** Per-channel float64 parameters copied in, shared by every part. */
  readonly params: readonly Float64Array[];
  /** Per-channel float64 accumulators each part gets zeroed and returns, then its scratch. */
  readonly accumulators: number;
  /** The float32 constants the kernel reads instead of parameters and scratch (affine). */
  readonly constants?: number;
}

/** The options of a `WasmExecutor`. */
export interface WasmExecutorOptions {
  /** The memory the kernels were instantiated over, and its allocator. */
  readonly arena: WasmArena;
  /** The kernels instantiated over `arena.memory`. */
  readonly kernels: KernelExports;
  /** The worker pool to split large in-place tensors across, when there is a healthy one. */
  readonly pool?: () => WorkerPool | undefined;
  /** Elements from which an in-place tensor is split across the pool's threads. */
  readonly parallelThreshold?: number;
}

/**
 * Runs the WebAssembly SIMD kernels on float32 tensors. A tensor in the executor's memory (see
 * `WasmArena.allocateFloat32`) is read or written in place; any other float32 tensor is copied
 * through a staging area of that memory in 64 KiB chunks on the calling thread. When every tensor
 * is in place and holds at least `parallelThreshold` elements, the work is split across the
 * calling thread and the worker pool by element ranges. Per-channel partial results of the
 * threads are combined in float64 (core's Chan merge for moments, plain sums for gradients).
 * One call at a time: calls share the per-channel area and the staging slots.
 */
export class WasmExecutor implements Executor {
  private readonly arena: WasmArena;
  private readonly kernels: KernelExports;
  private readonly pool: () => WorkerPool | undefined;
  private readonly parallelThreshold: number;
  private channelPointer = 0;
  private channelBytes = 0;
  private constantsPointer = 0;
  private constantsBytes = 0;
  /** Bytes between two per-channel arrays of the current call. */
  private stride = 0;
  private stagePointer = 0;

  constructor(options: WasmExecutorOptions) {
    this.arena = options.arena;
    this.kernels = options.kernels;
    this.pool = options.pool ?? (() => undefined);
    this.parallelThreshold = options.parallelThreshold ?? Infinity;
  }

  /** True when `array` is a float32 tensor in this executor's memory (processed in place). */
  inPlace(array: FloatArray): boolean {
    return array instanceof Float32Array && this.arena.owns(array);
  }

  async moments({ x, geo, acc }: MomentsRequest): Promise<void> {
    const parts = await this.execute({ name: 'moments', geo, inputs: [x as Float32Array], params: [], accumulators: 3 });
    const { c } = geo;
    const buffer = this.arena.buffer;
    parts.forEach((pointer, part) => {
      // Read with element loops: the builtin copies out of a shared buffer cost more for C values.
      const count = new Float64Array(buffer, pointer, c);
      const mean = new Float64Array(buffer, pointer + this.stride, c);
      const m2 = new Float64Array(buffer, pointer + 2 * this.stride, c);
      if (part === 0) {
        for (let ch = 0; ch < c; ch++) {
          acc.count[ch] = count[ch] as number;
          acc.mean[ch] = mean[ch] as number;
          acc.m2[ch] = m2[ch] as number;
        }
        return;
      }
      for (let ch = 0; ch < c; ch++) {
        const merged = mergeMoments(
          { count: acc.count[ch] as number, mean: acc.mean[ch] as number, m2: acc.m2[ch] as number },
          { count: count[ch] as number, mean: mean[ch] as number, m2: m2[ch] as number },
        );
        acc.count[ch] = merged.count;
        acc.mean[ch] = merged.mean;
        acc.m2[ch] = merged.m2;
      }
    });
  }

  async affine({ x, y, geo, mean, scale, shift }: AffineRequest): Promise<void> {
    const [meanAt, scaleAt, shiftAt] = this.channelArrays(geo.c, [mean, scale, shift], 0) as [number, number, number];
    const constants = this.reserveConstants(geo.c);
    this.kernels.affineConstants(meanAt, scaleAt, shiftAt, geo.c, constants);
    await this.execute({ name: 'affine', geo, inputs: [x as Float32Array], output: y as Float32Array, params: [], accumulators: 0, constants });
  }

  async gradSums({ x, dy, geo, mean, sums }: GradSumsRequest): Promise<void> {
    const parts = await this.execute({ name: 'gradSums', geo, inputs: [x as Float32Array, dy as Float32Array], params: [mean], accumulators: 2 });
    const { c } = geo;
    const buffer = this.arena.buffer;
    const { sumDy, sumDyCentered } = sums;
    for (const pointer of parts) {
      const a = new Float64Array(buffer, pointer, c);
      const b = new Float64Array(buffer, pointer + this.stride, c);
      for (let ch = 0; ch < c; ch++) {
        sumDy[ch] = (sumDy[ch] as number) + (a[ch] as number);
        sumDyCentered[ch] = (sumDyCentered[ch] as number) + (b[ch] as number);
      }
    }
  }

  async gradInput({ x, dy, dx, geo, mean, kDy, kCentered, kConst }: GradInputRequest): Promise<void> {
    await this.execute({ name: 'gradInput', geo, inputs: [x as Float32Array, dy as Float32Array], output: dx as Float32Array, params: [mean, kDy, kCentered, kConst], accumulators: 0 });
  }

  /**
   * Every tensor in this memory, and channel-major (runs of `inner` > 1 values), or channels-last
   * on one thread, or channels-last with at least CHANNELS_PER_PART channels for each thread.
   */
  servesChannels(geo: Geometry, tensors: readonly FloatArray[]): boolean {
    if (!tensors.every((t) => this.inPlace(t))) return false;
    const parts = this.channelParts(geo);
    return geo.inner > 1 || parts === 1 || geo.c >= CHANNELS_PER_PART * parts;
  }

  /**
   * The float32 constants computed once on this thread from the running statistics, then the
   * affine kernel over element ranges (split across threads, or staged): contiguous halves
   * stream faster than whole channels for this one pass.
   */
  async runningInference({ x, y, geo, eps, runningMean, runningVar, gamma, beta }: RunningInferenceRequest): Promise<void> {
    const [gammaAt, betaAt, meanAt, varAt] = this.channelArrays(geo.c, [gamma, beta, runningMean, runningVar], 0) as [number, number, number, number];
    const constants = this.reserveConstants(geo.c);
    this.kernels.inferenceConstants(meanAt, varAt, gammaAt, betaAt, eps, geo.c, constants);
    await this.execute({ name: 'affine', geo, inputs: [x as Float32Array], output: y as Float32Array, params: [], accumulators: 0, constants });
  }

  async trainChannels({ x, y, geo, eps, gamma, beta, stats }: TrainChannelsRequest): Promise<void> {
    const parts = this.channelParts(geo);
    const at = this.channelArrays(geo.c, [gamma, beta], 4 + parts * SCRATCH_ARRAYS);
    const [gammaAt, betaAt, meanAt, varianceAt, invStdAt, countAt] = at as [number, number, number, number, number, number];
    const n = geo.size / (geo.c * geo.inner);
    await this.runChannelParts('trainChannels', geo, parts, (first, end, part) => [x.byteOffset, y.byteOffset, n, geo.c, geo.inner, first, end, eps, gammaAt, betaAt, meanAt, varianceAt, invStdAt, countAt, countAt + this.stride * (1 + part * SCRATCH_ARRAYS)]);
    this.readChannels(meanAt, stats.batchMean);
    this.readChannels(varianceAt, stats.batchVar);
    this.readChannels(invStdAt, stats.invStd);
  }

  async backwardChannels({ x, dy, dx, geo, m, mean, invStd, gamma, sums }: BackwardChannelsRequest): Promise<void> {
    const parts = this.channelParts(geo);
    const at = this.channelArrays(geo.c, [mean, invStd, gamma], 2 + parts * SCRATCH_ARRAYS);
    const [meanAt, invStdAt, gammaAt, sumDyAt, dgammaAt] = at as [number, number, number, number, number];
    const n = geo.size / (geo.c * geo.inner);
    await this.runChannelParts('backwardChannels', geo, parts, (first, end, part) => [x.byteOffset, dy.byteOffset, dx.byteOffset, n, geo.c, geo.inner, first, end, m, meanAt, invStdAt, gammaAt, sumDyAt, dgammaAt, dgammaAt + this.stride * (1 + part * SCRATCH_ARRAYS)]);
    this.readChannels(sumDyAt, sums.sumDy);
    this.readChannels(dgammaAt, sums.dgamma);
  }

  /** Threads that would share a channel-by-channel call on `geo`: all of them from the parallel threshold on, never more than the channels. */
  private channelParts(geo: Geometry): number {
    const pool = geo.size >= this.parallelThreshold ? this.pool() : undefined;
    return Math.min(geo.c, pool ? pool.size + 1 : 1);
  }

  /**
   * Per-channel float64 arrays in the channel area: one per input, its values copied in, then
   * `outputs` more for the kernel to write. Returns their pointers, 0 for an absent input
   * (`gamma` or `beta` when not affine), which the kernels read as absent.
   */
  private channelArrays(c: number, inputs: readonly (ArrayLike<number> | undefined)[], outputs: number): number[] {
    const stride = (this.stride = Math.ceil((c * 8) / 64) * 64);
    this.reserveChannels(stride * (inputs.length + outputs));
    const buffer = this.arena.buffer;
    const pointers = inputs.map((values, k) => {
      if (values === undefined) return 0;
      const pointer = this.channelPointer + k * stride;
      new Float64Array(buffer, pointer, c).set(values);
      return pointer;
    });
    for (let k = 0; k < outputs; k++) pointers.push(this.channelPointer + (inputs.length + k) * stride);
    return pointers;
  }

  /** Copies c float64 values at `pointer` of the channel area into `into`. */
  private readChannels(pointer: number, into: Float64Array): void {
    into.set(new Float64Array(this.arena.buffer, pointer, into.length));
  }

  /**
   * One call per part over a range of whole channels: equal ranges, starting at multiples of
   * CHANNEL_ALIGN for channels-last rows.
   */
  private async runChannelParts(name: KernelName, geo: Geometry, parts: number, args: (first: number, end: number, part: number) => number[]): Promise<void> {
    const align = geo.inner > 1 ? 1 : CHANNEL_ALIGN;
    const bound = (p: number): number => (p === parts ? geo.c : Math.round((geo.c * p) / parts / align) * align);
    const calls = Array.from({ length: parts }, (_, p) => args(bound(p), bound(p + 1), p));
    await this.runParts(name, calls, parts > 1 ? this.pool() : undefined);
  }

  /**
   * Runs a plan over the whole tensor. Returns, per part (thread), the pointer of its first
   * accumulator (the others follow `stride` bytes apart), valid until the next call.
   */
  private async execute(plan: KernelPlan): Promise<number[]> {
    const { geo } = plan;
    const { c } = geo;
    const tensors = plan.output ? [...plan.inputs, plan.output] : plan.inputs;
    let inPlace = true;
    for (const t of tensors) inPlace &&= this.arena.owns(t);
    const pool = inPlace && geo.size >= this.parallelThreshold ? this.pool() : undefined;
    const parts = pool ? pool.size + 1 : 1;
    const stride = (this.stride = Math.ceil((c * 8) / 64) * 64);
    const perPart = plan.accumulators + SCRATCH_ARRAYS;
    this.reserveChannels(stride * (plan.params.length + parts * perPart));
    const buffer = this.arena.buffer;
    // The call's trailing arguments: parameter pointers, then the part's accumulators and scratch.
    const channelArgs: number[] = plan.constants === undefined ? [] : [plan.constants];
    let next = this.channelPointer;
    for (const values of plan.params) {
      new Float64Array(buffer, next, c).set(values);
      channelArgs.push(next);
      next += stride;
    }
    const partPointers: number[] = [];
    for (let p = 0; p < parts; p++) {
      partPointers.push(next);
      if (plan.accumulators > 0) new Float64Array(buffer, next, (plan.accumulators * stride) / 8).fill(0);
      next += perPart * stride;
    }
    const partArgs = (part: number): number[] => {
      const first = partPointers[part] as number;
      const args = channelArgs.slice();
      if (plan.constants === undefined) for (let k = 0; k <= plan.accumulators; k++) args.push(first + k * stride);
      return args;
    };
    if (inPlace) await this.runInPlace(plan, tensors, parts, pool, partArgs);
    else this.runStaged(plan, tensors, partArgs(0));
    return partPointers;
  }

  /** Every tensor in this memory: one call on this thread, or one per thread over element ranges. */
  private async runInPlace(plan: KernelPlan, tensors: readonly Float32Array[], parts: number, pool: WorkerPool | undefined, channelArgs: (part: number) => number[]): Promise<void> {
    const { geo } = plan;
    const args = (first: number, count: number, part: number): number[] => [...tensors.map((t) => t.byteOffset + first * 4), count, first, geo.c, geo.inner, ...channelArgs(part)];
    if (parts === 1 || !pool) {
      this.invoke(plan.name, args(0, geo.size, 0));
      return;
    }
    const bounds = Array.from({ length: parts + 1 }, (_, p) => (p === parts ? geo.size : Math.round((geo.size * p) / parts / SPLIT_ALIGN) * SPLIT_ALIGN));
    const calls: number[][] = [];
    for (let p = 0; p < parts; p++) {
      const first = bounds[p] as number;
      const count = (bounds[p + 1] as number) - first;
      if (count > 0) calls.push(args(first, count, p));
    }
    await this.runParts(plan.name, calls, pool);
  }

  /**
   * Runs kernel `name` once per argument list: the first on this thread, each other on a worker
   * of `pool` (which must have one per extra call), all at once.
   */
  private async runParts(name: KernelName, calls: readonly number[][], pool: WorkerPool | undefined): Promise<void> {
    const started: number[] = [];
    try {
      for (let p = 1; p < calls.length; p++) {
        (pool as WorkerPool).start(p - 1, name, calls[p] as number[]);
        started.push(p - 1);
      }
      if (calls.length > 0) this.invoke(name, calls[0] as number[]);
    } finally {
      // Every started worker is joined, even when this thread's part threw: the memory it writes
      // must not be reused before it is done.
      const joined = await Promise.allSettled(started.map((index) => (pool as WorkerPool).join(index)));
      const failed = joined.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /**
   * Some tensor outside this memory: chunk by chunk on this thread, each such tensor copied into
   * a staging slot (inputs) or out of one (the output); tensors in this memory are used in place.
   * Channels-last chunks hold whole rows, so no row is split between two calls.
   */
  private runStaged(plan: KernelPlan, tensors: readonly Float32Array[], channelArgs: number[]): void {
    const { geo } = plan;
    if (this.stagePointer === 0) this.stagePointer = this.arena.allocateBytes(STAGE_SLOTS * STAGE_ELEMENTS * 4);
    const buffer = this.arena.buffer;
    const slot = (k: number): number => this.stagePointer + k * STAGE_ELEMENTS * 4;
    const staged = tensors.map((t) => !this.arena.owns(t));
    const stages = tensors.map((_, k) => new Float32Array(buffer, slot(k), STAGE_ELEMENTS));
    const chunk = geo.inner === 1 && geo.c <= STAGE_ELEMENTS ? Math.floor(STAGE_ELEMENTS / geo.c) * geo.c : STAGE_ELEMENTS;
    const outputIndex = plan.output ? tensors.length - 1 : -1;
    const kernel = this.kernels[plan.name] as (...args: number[]) => void;
    const pointers = new Array<number>(tensors.length);
    for (let first = 0; first < geo.size; first += chunk) {
      const last = Math.min(geo.size, first + chunk);
      for (let k = 0; k < tensors.length; k++) {
        const tensor = tensors[k] as Float32Array;
        if (!staged[k]) pointers[k] = tensor.byteOffset + first * 4;
        else {
          pointers[k] = slot(k);
          if (k !== outputIndex) (stages[k] as Float32Array).set(tensor.subarray(first, last));
        }
      }
      kernel(...pointers, last - first, first, geo.c, geo.inner, ...channelArgs);
      if (outputIndex >= 0 && staged[outputIndex]) (plan.output as Float32Array).set((stages[outputIndex] as Float32Array).subarray(0, last - first), first);
    }
  }

  private invoke(name: KernelName, args: number[]): void {
    (this.kernels[name] as (...a: number[]) => void)(...args);
  }

  /** The area for c channels' float32 constants (3 per channel), kept apart from the per-channel area. */
  private reserveConstants(c: number): number {
    const bytes = c * 12;
    if (bytes > this.constantsBytes) {
      if (this.constantsBytes > 0) this.arena.freeBytes(this.constantsPointer);
      this.constantsPointer = this.arena.allocateBytes(bytes);
      this.constantsBytes = bytes;
    }
    return this.constantsPointer;
  }

  /** Makes the per-channel area at least `bytes` long. */
  private reserveChannels(bytes: number): void {
    if (bytes <= this.channelBytes) return;
    if (this.channelBytes > 0) this.arena.freeBytes(this.channelPointer);
    this.channelPointer = this.arena.allocateBytes(bytes);
    this.channelBytes = bytes;
  }
}
