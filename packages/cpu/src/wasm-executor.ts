import type { FloatArray } from '@bnkit/core';
import type { OperationExecutor } from './executor.js';
import type { Geometry } from './geometry.js';
import type { BackwardRequest, InferenceRequest, TrainForwardRequest } from './kernels.js';
import type { WasmArena } from './wasm-arena.js';
import type { KernelExports } from './wasm-module.js';
import type { WorkerPool } from './worker-pool.js';

/** Split points between threads are multiples of this many elements (a cache line of float32). */
const SPLIT_ALIGN = 16;
/**
 * Elements of a tensor staged per kernel call: 256 KiB, so the slots of x and dy stay in L2 with
 * the kernel's work, and a channels-last chunk holds enough rows (64 of 1024 channels) that the
 * per-channel steps of each call (shifts, merges) cost little beside its rows. Measured on plain
 * arrays against 64 KiB: training forward of [256,1024] 285 against 500 us, backward 365
 * against 395 us, the large shapes within 5%.
 */
const STAGE_ELEMENTS = 65536;
/** Staging slots: x and dy (the output is written over one of them). */
const STAGE_SLOTS = 2;
/** Per-channel float64 arrays of a kernel's scratch (the largest, moments, needs 3.5). */
const SCRATCH_ARRAYS = 4;
/**
 * A channel-major tensor outside this memory is staged a whole channel at a time (its runs copied
 * into one contiguous block, then statistics and outputs while the block is in cache) when its
 * runs hold at least this many elements (shorter runs would make the copies per run the cost)...
 */
const MIN_STAGED_RUN = 256;
/** ...and a channel's blocks (x and y, or x, dy and dx) fit in this many bytes. */
const MAX_CHANNEL_STAGE_BYTES = 16 << 20;
/**
 * Channels-last rows in this memory go channel by channel, each thread taking a range of columns
 * down every row (statistics, then outputs, in one call: one hand-off and no per-channel step
 * between the passes), when they hold at least MIN_COLUMN_CHANNELS (each thread's part of a row
 * is then at least 1 KiB) and each thread's part of the inputs is at most MAX_COLUMN_BYTES. Two
 * threads, median us, columns against two passes by rows: NC [128,1024] training forward 54
 * against 72, backward 56 against 62; [256,1024] training forward (512 KiB a thread) 84 against
 * 93; past the limit columns lose: [256,1024] backward 128 against 100, [512,1024] training
 * forward 170 against 145.
 */
const MIN_COLUMN_CHANNELS = 512;
const MAX_COLUMN_BYTES = 512 * 1024;
/** Scratch bytes per channel of a range of columns: backward's 24 for its sums and 20 for its constants. */
const COLUMN_SCRATCH_BYTES = 44;
/** Bytes of float32 constants per channel: the affine kernel's 3, gradInput's 5. */
const CONSTANT_BYTES = { affine: 12, gradInput: 20 } as const;

type KernelName = keyof KernelExports;

/** Bytes between two per-channel float64 arrays of c channels: whole cache lines. */
function channelStride(c: number): number {
  return Math.ceil((c * 8) / 64) * 64;
}

/** Channel ch's entry of a per-channel float64 array at `pointer`, 0 (absent) staying 0. */
function channelEntry(pointer: number, ch: number): number {
  return pointer === 0 ? 0 : pointer + ch * 8;
}

/** One kernel call over a whole tensor, split by element ranges, as the executor plans it. */
interface KernelPlan {
  readonly name: 'moments' | 'affine' | 'gradSums' | 'gradInput';
  readonly geo: Geometry;
  /** Tensors read: x, or x and dy. */
  readonly inputs: readonly Float32Array[];
  /** The tensor written (y or dx), if any. */
  readonly output?: Float32Array;
  /** Pointers every part gets first: per-channel parameters or constants. */
  readonly shared: readonly number[];
  /** Per-channel float64 accumulators each part gets, then its scratch; 0 for none of either (affine, gradInput). */
  readonly accumulators: number;
  /** How many of the accumulators start at zero (the others are written when a channel's count is 0). */
  readonly zeroed: number;
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

/** A region of the arena that grows on demand and is reused from call to call. */
class Region {
  private pointer = 0;
  private bytes = 0;

  constructor(private readonly arena: WasmArena) {}

  /** The region's pointer, after making it at least `bytes` long (earlier contents are lost when it moves). */
  reserve(bytes: number): number {
    if (bytes > this.bytes) {
      if (this.bytes > 0) this.arena.freeBytes(this.pointer);
      this.pointer = this.arena.allocateBytes(bytes);
      this.bytes = bytes;
    }
    return this.pointer;
  }
}

/**
 * Runs whole operations with the WebAssembly SIMD kernels on float32 tensors, every per-channel
 * step included (statistics, merges, constants), so nothing per channel is left to JavaScript. A
 * tensor in the executor's memory (see `WasmArena.allocateFloat32`) is read or written in place;
 * any other float32 tensor is copied through a staging area of that memory in 256 KiB chunks on
 * the calling thread. When every tensor is in place and holds at least `parallelThreshold`
 * elements, the work is split across the calling thread and the worker pool: channel-major
 * tensors by whole channels for the training forward and backward (statistics, then outputs,
 * while the channel is in the cache), everything else by element ranges, the parts' float64
 * sums merged in between (Chan's update for moments). One call at a time: calls share the
 * per-channel regions and the staging slots.
 */
export class WasmExecutor implements OperationExecutor {
  readonly kind = 'operations';
  private readonly arena: WasmArena;
  private readonly kernels: KernelExports;
  private readonly pool: () => WorkerPool | undefined;
  private readonly parallelThreshold: number;
  /** The requests' per-channel inputs and outputs. */
  private readonly channels: Region;
  /** The parts' accumulators and scratch of a split pass. */
  private readonly parts: Region;
  /** Float32 constants of the affine and gradInput kernels. */
  private readonly constants: Region;
  /** A whole channel of each tensor of a staged channel-major operation. */
  private readonly channelStage: Region;
  private stagePointer = 0;

  constructor(options: WasmExecutorOptions) {
    this.arena = options.arena;
    this.kernels = options.kernels;
    this.pool = options.pool ?? (() => undefined);
    this.parallelThreshold = options.parallelThreshold ?? Infinity;
    this.channels = new Region(this.arena);
    this.parts = new Region(this.arena);
    this.constants = new Region(this.arena);
    this.channelStage = new Region(this.arena);
  }

  /** True when `array` is a float32 tensor in this executor's memory (processed in place). */
  inPlace(array: FloatArray): boolean {
    return array instanceof Float32Array && this.arena.owns(array);
  }

  /**
   * The float32 constants computed once on this thread from the running statistics, then the
   * affine kernel over element ranges: contiguous halves stream faster than whole channels for
   * this one pass.
   */
  async inference({ x, y, geo, eps, runningMean, runningVar, gamma, beta }: InferenceRequest): Promise<void> {
    const [gammaAt, betaAt, meanAt, varAt] = this.channelArrays(geo.c, [gamma, beta, runningMean, runningVar], 0) as [number, number, number, number];
    const constants = this.constants.reserve(geo.c * CONSTANT_BYTES.affine);
    this.kernels.inferenceConstants(meanAt, varAt, gammaAt, betaAt, eps, geo.c, constants);
    await this.execute({ name: 'affine', geo, inputs: [x as Float32Array], output: y as Float32Array, shared: [constants], accumulators: 0, zeroed: 0 });
  }

  async trainForward({ x, y, geo, eps, gamma, beta, stats }: TrainForwardRequest): Promise<void> {
    const byChannel = this.channelWise(geo, [x, y]);
    if (byChannel !== undefined) {
      const [gammaAt, betaAt, meanAt, varianceAt, invStdAt, countAt] = this.channelArrays(geo.c, [gamma, beta], 4) as [number, number, number, number, number, number];
      if (byChannel === 'in place') {
        const n = geo.size / (geo.c * geo.inner);
        await this.runChannelParts('trainChannels', geo, (first, end, scratch) => [x.byteOffset, y.byteOffset, n, geo.c, geo.inner, first, end, eps, gammaAt, betaAt, meanAt, varianceAt, invStdAt, countAt, scratch]);
      } else {
        this.stageByChannel(geo, [x], y, (runs, [xs], ys, ch) =>
          this.kernels.trainChannels(xs as number, ys, runs, 1, geo.inner, 0, 1, eps, channelEntry(gammaAt, ch), channelEntry(betaAt, ch), channelEntry(meanAt, ch), channelEntry(varianceAt, ch), channelEntry(invStdAt, ch), channelEntry(countAt, ch), 0),
        );
      }
      this.readChannels(meanAt, stats.batchMean);
      this.readChannels(varianceAt, stats.batchVar);
      this.readChannels(invStdAt, stats.invStd);
      return;
    }
    // Two passes over element ranges; between them the parts' moments merge and the constants
    // are set on this thread.
    const [gammaAt, betaAt, varianceAt, invStdAt] = this.channelArrays(geo.c, [gamma, beta], 2) as [number, number, number, number];
    const parts = await this.execute({ name: 'moments', geo, inputs: [x as Float32Array], shared: [], accumulators: 3, zeroed: 1 });
    const first = parts[0] as number;
    const partBytes = parts.length > 1 ? (parts[1] as number) - first : 0;
    const stride = channelStride(geo.c);
    const constants = this.constants.reserve(geo.c * CONSTANT_BYTES.affine);
    this.kernels.trainConstants(first, parts.length, partBytes, stride, geo.c, eps, gammaAt, betaAt, varianceAt, invStdAt, constants);
    this.readChannels(first + stride, stats.batchMean);
    this.readChannels(varianceAt, stats.batchVar);
    this.readChannels(invStdAt, stats.invStd);
    await this.execute({ name: 'affine', geo, inputs: [x as Float32Array], output: y as Float32Array, shared: [constants], accumulators: 0, zeroed: 0 });
  }

  async backward({ x, dy, dx, geo, m, mean, invStd, gamma, sums }: BackwardRequest): Promise<void> {
    const byChannel = this.channelWise(geo, [x, dy, dx]);
    if (byChannel !== undefined) {
      const [meanAt, invStdAt, gammaAt, sumDyAt, dgammaAt] = this.channelArrays(geo.c, [mean, invStd, gamma], 2) as [number, number, number, number, number];
      if (byChannel === 'in place') {
        const n = geo.size / (geo.c * geo.inner);
        await this.runChannelParts('backwardChannels', geo, (first, end, scratch) => [x.byteOffset, dy.byteOffset, dx.byteOffset, n, geo.c, geo.inner, first, end, m, meanAt, invStdAt, gammaAt, sumDyAt, dgammaAt, scratch]);
      } else {
        this.stageByChannel(geo, [x, dy], dx, (runs, [xs, dys], dxs, ch) =>
          this.kernels.backwardChannels(xs as number, dys as number, dxs, runs, 1, geo.inner, 0, 1, m, channelEntry(meanAt, ch), channelEntry(invStdAt, ch), channelEntry(gammaAt, ch), channelEntry(sumDyAt, ch), channelEntry(dgammaAt, ch), 0),
        );
      }
      this.readChannels(sumDyAt, sums.sumDy);
      this.readChannels(dgammaAt, sums.dgamma);
      return;
    }
    const [meanAt, invStdAt, gammaAt, dgammaAt] = this.channelArrays(geo.c, [mean, invStd, gamma], 1) as [number, number, number, number];
    const tensors = [x as Float32Array, dy as Float32Array];
    const parts = await this.execute({ name: 'gradSums', geo, inputs: tensors, shared: [meanAt], accumulators: 2, zeroed: 2 });
    const first = parts[0] as number;
    const partBytes = parts.length > 1 ? (parts[1] as number) - first : 0;
    const constants = this.constants.reserve(geo.c * CONSTANT_BYTES.gradInput);
    this.kernels.backwardConstants(first, parts.length, partBytes, channelStride(geo.c), geo.c, m, meanAt, invStdAt, gammaAt, dgammaAt, constants);
    this.readChannels(first, sums.sumDy);
    this.readChannels(dgammaAt, sums.dgamma);
    await this.execute({ name: 'gradInput', geo, inputs: tensors, output: dx as Float32Array, shared: [constants], accumulators: 0, zeroed: 0 });
  }

  /**
   * How a training forward or backward goes channel by channel, else undefined (two passes by
   * element ranges). `in place` when every tensor is in this memory: each thread takes whole
   * channels (channels-last rows: ranges of columns, as MIN_COLUMN_CHANNELS and
   * MAX_COLUMN_BYTES allow). `staged` when a channel-major tensor is not, but its runs are long
   * enough and a channel's blocks small enough to gather (MIN_STAGED_RUN and
   * MAX_CHANNEL_STAGE_BYTES).
   */
  private channelWise(geo: Geometry, tensors: readonly FloatArray[]): 'in place' | 'staged' | undefined {
    const inPlace = tensors.every((t) => this.inPlace(t));
    if (geo.inner === 1) {
      const columns = inPlace && geo.c >= MIN_COLUMN_CHANNELS && (geo.size * 4 * (tensors.length - 1)) / this.channelParts(geo).parts <= MAX_COLUMN_BYTES;
      return columns ? 'in place' : undefined;
    }
    if (inPlace) return 'in place';
    if (geo.inner < MIN_STAGED_RUN || (geo.size / geo.c) * 4 * tensors.length > MAX_CHANNEL_STAGE_BYTES) return undefined;
    return 'staged';
  }

  /**
   * Runs `kernel` once per channel on this thread over contiguous blocks of that channel: its
   * runs of each input copied into a block first, the output block's runs copied out after.
   * `kernel` gets the blocks' run count, input pointers, output pointer and the channel.
   */
  private stageByChannel(geo: Geometry, inputs: readonly FloatArray[], output: FloatArray, kernel: (runs: number, inputs: readonly number[], output: number, ch: number) => void): void {
    const { c, inner } = geo;
    const runs = geo.size / (c * inner);
    const blockBytes = runs * inner * 4;
    const base = this.channelStage.reserve(blockBytes * (inputs.length + 1));
    const buffer = this.arena.buffer;
    const blocks = Array.from({ length: inputs.length + 1 }, (_, k) => new Float32Array(buffer, base + k * blockBytes, runs * inner));
    const pointers = inputs.map((_, k) => base + k * blockBytes);
    const outputBlock = blocks[inputs.length] as Float32Array;
    for (let ch = 0; ch < c; ch++) {
      inputs.forEach((input, k) => {
        const block = blocks[k] as Float32Array;
        for (let b = 0; b < runs; b++) block.set(input.subarray((b * c + ch) * inner, (b * c + ch + 1) * inner), b * inner);
      });
      kernel(runs, pointers, base + inputs.length * blockBytes, ch);
      for (let b = 0; b < runs; b++) output.set(outputBlock.subarray(b * inner, (b + 1) * inner), (b * c + ch) * inner);
    }
  }

  /** The pool to split a tensor of `geo` across: a healthy one, from the parallel threshold on. */
  private splitPool(geo: Geometry): WorkerPool | undefined {
    return geo.size >= this.parallelThreshold ? this.pool() : undefined;
  }

  /** The split pool of `geo` and the parts a channel-by-channel call takes: one per thread, never more than the channels. */
  private channelParts(geo: Geometry): { pool: WorkerPool | undefined; parts: number } {
    const pool = this.splitPool(geo);
    return { pool, parts: Math.min(geo.c, pool ? pool.size + 1 : 1) };
  }

  /**
   * Per-channel float64 arrays in the channel region: one per input, its values copied in, then
   * `outputs` more for the kernels to write. Returns their pointers, 0 for an absent input
   * (`gamma` or `beta` when not affine), which the kernels read as absent.
   */
  private channelArrays(c: number, inputs: readonly (ArrayLike<number> | undefined)[], outputs: number): number[] {
    const stride = channelStride(c);
    const base = this.channels.reserve(stride * (inputs.length + outputs));
    const buffer = this.arena.buffer;
    const pointers = inputs.map((values, k) => {
      if (values === undefined) return 0;
      const pointer = base + k * stride;
      new Float64Array(buffer, pointer, c).set(values);
      return pointer;
    });
    for (let k = 0; k < outputs; k++) pointers.push(base + (inputs.length + k) * stride);
    return pointers;
  }

  /** Copies c float64 values at `pointer` into `into`. */
  private readChannels(pointer: number, into: Float64Array): void {
    into.set(new Float64Array(this.arena.buffer, pointer, into.length));
  }

  /**
   * One call per thread over an equal range of whole channels: every thread from the parallel
   * threshold on, never more than the channels. `args` gets the range and the part's scratch
   * (COLUMN_SCRATCH_BYTES per channel for channels-last rows, none otherwise).
   */
  private async runChannelParts(name: KernelName, geo: Geometry, args: (first: number, end: number, scratch: number) => number[]): Promise<void> {
    const { pool, parts } = this.channelParts(geo);
    // Columns of rows start on a cache line (16 channels), so no two threads write one line.
    const align = geo.inner === 1 ? SPLIT_ALIGN : 1;
    const bound = (p: number): number => (p === parts ? geo.c : Math.round((geo.c * p) / parts / align) * align);
    const scratchBytes = geo.inner === 1 ? Math.ceil((geo.c * COLUMN_SCRATCH_BYTES) / 64) * 64 : 0;
    const scratch = scratchBytes > 0 ? this.parts.reserve(parts * scratchBytes) : 0;
    await this.runParts(name, Array.from({ length: parts }, (_, p) => args(bound(p), bound(p + 1), scratch + p * scratchBytes)), pool);
  }

  /**
   * Runs a plan over the whole tensor. Returns, per part (thread), the pointer of its first
   * accumulator (the others follow `channelStride(c)` bytes apart), valid until the next plan.
   */
  private async execute(plan: KernelPlan): Promise<number[]> {
    const { geo } = plan;
    const tensors = plan.output ? [...plan.inputs, plan.output] : plan.inputs;
    let inPlace = true;
    for (const t of tensors) inPlace &&= this.arena.owns(t);
    const pool = inPlace ? this.splitPool(geo) : undefined;
    const parts = pool ? pool.size + 1 : 1;
    const stride = channelStride(geo.c);
    const perPart = plan.accumulators > 0 ? plan.accumulators + SCRATCH_ARRAYS : 0;
    const base = this.parts.reserve(Math.max(64, stride * parts * perPart));
    const buffer = this.arena.buffer;
    const partPointers = Array.from({ length: parts }, (_, p) => base + p * perPart * stride);
    if (plan.zeroed > 0) for (const pointer of partPointers) new Float64Array(buffer, pointer, (plan.zeroed * stride) / 8).fill(0);
    // The call's trailing arguments: the shared pointers, then the part's accumulators and scratch.
    const partArgs = (part: number): number[] => {
      const args = plan.shared.slice();
      const first = partPointers[part] as number;
      if (plan.accumulators > 0) for (let k = 0; k <= plan.accumulators; k++) args.push(first + k * stride);
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
   * Some tensor outside this memory: chunk by chunk on this thread, each such input copied into
   * a staging slot and an output outside it written over the slot of the input before it (x's,
   * or dy's for dx; every kernel reads an element before writing it) and copied out; tensors in
   * this memory are used in place. Writing in place also keeps the output from aliasing its input
   * 4 KiB apart, which slows channels-last rows of 1024 channels by 20%.
   * Channels-last chunks hold whole rows, so no row is split between two calls.
   */
  private runStaged(plan: KernelPlan, tensors: readonly Float32Array[], channelArgs: number[]): void {
    const { geo } = plan;
    if (this.stagePointer === 0) this.stagePointer = this.arena.allocateBytes(STAGE_SLOTS * STAGE_ELEMENTS * 4);
    const buffer = this.arena.buffer;
    const slot = (k: number): number => this.stagePointer + k * STAGE_ELEMENTS * 4;
    const staged = tensors.map((t) => !this.arena.owns(t));
    const chunk = geo.inner === 1 && geo.c <= STAGE_ELEMENTS ? Math.floor(STAGE_ELEMENTS / geo.c) * geo.c : STAGE_ELEMENTS;
    const outputIndex = plan.output ? tensors.length - 1 : -1;
    const pointers = new Array<number>(tensors.length);
    for (let first = 0; first < geo.size; first += chunk) {
      const last = Math.min(geo.size, first + chunk);
      for (let k = 0; k < tensors.length; k++) {
        const tensor = tensors[k] as Float32Array;
        if (!staged[k]) pointers[k] = tensor.byteOffset + first * 4;
        else if (k === outputIndex) pointers[k] = slot(k - 1);
        else {
          pointers[k] = slot(k);
          new Float32Array(buffer, pointers[k], last - first).set(tensor.subarray(first, last));
        }
      }
      this.invoke(plan.name, [...pointers, last - first, first, geo.c, geo.inner, ...channelArgs]);
      if (outputIndex >= 0 && staged[outputIndex]) (plan.output as Float32Array).set(new Float32Array(buffer, pointers[outputIndex] as number, last - first), first);
    }
  }

  private invoke(name: KernelName, args: number[]): void {
    (this.kernels[name] as (...a: number[]) => void)(...args);
  }
}
