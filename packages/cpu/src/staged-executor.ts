import { WebAssembly } from './webassembly-globals.js';
import type { FloatArray } from '@bnkit/core';
import type { Executor, GradSums } from './executor.js';
import type { Geometry } from './geometry.js';
import type { MomentsAccumulator } from './kernels.js';
import { MEMORY_PAGES, instantiateKernels, type KernelExports } from './wasm-module.js';

const PAGE = 65536;
/** Elements staged per kernel call (3 x 64 KiB slots, cache-resident). */
const STAGE_ELEMENTS = 16384;
const STAGE_POINTER = PAGE;
const CHANNEL_POINTER = STAGE_POINTER + 3 * STAGE_ELEMENTS * 4;
/** Per-channel f64 arrays a kernel's scratch takes. */
const SCRATCH_ARRAYS = 4;

/** A per-channel argument of a kernel: a parameter copied in, an accumulator read back, or scratch. */
type ChannelArgument = Float64Array | 'acc' | 'scratch';

type KernelName = 'moments' | 'affine' | 'gradSums' | 'gradInput';

/**
 * Runs the WebAssembly SIMD kernels on float32 tensors that live outside the backend's shared
 * memory: each is copied chunk by chunk (64 KiB, staying in cache) into a private, unshared
 * memory, processed, and the output copied back, on the calling thread.
 */
export class StagedExecutor implements Executor {
  private readonly memory: WebAssembly.Memory;
  private readonly kernels: KernelExports;

  /** Instantiates the private-memory build of the kernels (`privateKernelsModule`). */
  constructor(module: WebAssembly.Module) {
    this.memory = new WebAssembly.Memory({ initial: MEMORY_PAGES.initial });
    this.kernels = instantiateKernels(module, this.memory);
  }

  async moments(x: FloatArray, geo: Geometry): Promise<MomentsAccumulator> {
    const [count, mean, m2] = this.run('moments', geo, [x as Float32Array], undefined, ['acc', 'acc', 'acc', 'scratch']) as [Float64Array, Float64Array, Float64Array];
    return { count, mean, m2 };
  }

  async affine(x: FloatArray, y: FloatArray, geo: Geometry, mean: Float64Array, scale: Float64Array, shift: Float64Array): Promise<void> {
    this.run('affine', geo, [x as Float32Array], y as Float32Array, [mean, scale, shift, 'scratch']);
  }

  async gradSums(x: FloatArray, dy: FloatArray, geo: Geometry, mean: Float64Array): Promise<GradSums> {
    const [sumDy, sumDyCentered] = this.run('gradSums', geo, [x as Float32Array, dy as Float32Array], undefined, [mean, 'acc', 'acc', 'scratch']) as [Float64Array, Float64Array];
    return { sumDy, sumDyCentered };
  }

  async gradInput(
    x: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
    geo: Geometry,
    mean: Float64Array,
    kDy: Float64Array,
    kCentered: Float64Array,
    kConst: Float64Array,
  ): Promise<void> {
    this.run('gradInput', geo, [x as Float32Array, dy as Float32Array], dx as Float32Array, [mean, kDy, kCentered, kConst, 'scratch']);
  }

  /** Runs a kernel over the whole tensor, chunk by chunk, and returns its accumulators in order. */
  private run(
    name: KernelName,
    geo: Geometry,
    inputs: readonly Float32Array[],
    output: Float32Array | undefined,
    channelArguments: readonly ChannelArgument[],
  ): Float64Array[] {
    const stride = Math.ceil((geo.c * 8) / 64) * 64;
    const arrays = channelArguments.reduce((n, a) => n + (a === 'scratch' ? SCRATCH_ARRAYS : 1), 0);
    const end = CHANNEL_POINTER + arrays * stride;
    if (end > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE));
    const buffer = this.memory.buffer;
    const pointers: number[] = [];
    const accumulators: Float64Array[] = [];
    let next = CHANNEL_POINTER;
    for (const argument of channelArguments) {
      pointers.push(next);
      if (argument === 'scratch') {
        next += SCRATCH_ARRAYS * stride;
        continue;
      }
      const view = new Float64Array(buffer, next, geo.c);
      if (argument === 'acc') {
        view.fill(0);
        accumulators.push(view);
      } else {
        view.set(argument);
      }
      next += stride;
    }
    const slots = [0, 1, 2].map((k) => STAGE_POINTER + k * STAGE_ELEMENTS * 4);
    const stage = slots.map((pointer) => new Float32Array(buffer, pointer, STAGE_ELEMENTS));
    const tensorSlots = slots.slice(0, inputs.length + (output ? 1 : 0));
    const outStage = stage[inputs.length] as Float32Array;
    const kernel = this.kernels[name] as (...args: number[]) => void;
    for (let first = 0; first < geo.size; first += STAGE_ELEMENTS) {
      const last = Math.min(geo.size, first + STAGE_ELEMENTS);
      inputs.forEach((t, k) => (stage[k] as Float32Array).set(t.subarray(first, last)));
      kernel(...tensorSlots, last - first, first, geo.c, geo.inner, ...pointers);
      if (output) output.set(outStage.subarray(0, last - first), first);
    }
    return accumulators.map((a) => Float64Array.from(a));
  }
}
