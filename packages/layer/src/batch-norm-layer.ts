import {
  BnShapeError,
  BnValueError,
  CONVENTIONS,
  channelAxis,
  convertMomentum,
  describeShape,
  describeValue,
  explicitOptions,
  getBackend,
  listBackends,
  resolveBackend,
  resolveOptions,
  type Backend,
  type BnOptions,
  type ConventionName,
  type FloatArray,
  type Layout,
  type ResolvedOptions,
  type TensorData,
} from '@bnkit/core';
import { LayerBuffers } from './backend-memory.js';
import { readChannels, runningVarFor, toNumbers, type KerasWeights, type PyTorchStateDict } from './state-formats.js';

/** How a `BatchNorm` layer is built. */
export interface BatchNormConfig {
  /** C, the number of channels (PyTorch's `num_features`). */
  numFeatures: number;
  /** The layout of the tensors it will see; default `NCHW`. */
  layout?: Layout;
  /** Convention, eps, momentum, affine, trackRunningStats; defaults from the convention (core's CONVENTIONS). */
  options?: BnOptions;
}

/** Where `BatchNorm.create` gets its backend. */
export interface BatchNormCreateConfig extends BatchNormConfig {
  /**
   * A registered backend's name, or a backend object. Default: the registered backend of highest
   * priority that opens (the float64 reference when no adapter package was imported).
   */
  backend?: string | Backend;
}

/** Options of the state conversions that change the kind of running variance. */
export interface ConversionOptions {
  /**
   * Values per channel in each batch the running variance was built from (m = N*H*W), needed to
   * turn a biased running variance into an unbiased one or back. Default: the count of the
   * layer's last training batch.
   */
  count?: number;
}


interface SavedForward {
  readonly x: FloatArray;
  readonly shape: readonly number[];
  readonly mean: FloatArray;
  readonly invStd: FloatArray;
}

/**
 * A stateful Batch Normalization layer over any bnkit backend, like `torch.nn.BatchNorm2d` or
 * `tf.layers.batchNormalization`. It holds gamma and beta (`weight`, `bias`), the running
 * statistics in float64 in its convention's kind (unbiased variance under pytorch, biased under
 * keras and onnx), the batch count, and accumulated gradients. It starts in training mode.
 *
 * Outputs (`forward`'s y, `backward`'s dx) are buffers the layer owns when the backend has its own
 * memory (`@bnkit/cpu`): the next call of the same kind overwrites them, so copy (`y.slice()`)
 * what you keep. Inputs are copied into the backend's memory there, so the fast path is the
 * default one; `inputBuffer(shape)` gives the buffer to write into directly and skip that copy.
 */
export class BatchNorm {
  readonly numFeatures: number;
  readonly layout: Layout;
  /** The options in force, every default filled in. */
  readonly options: ResolvedOptions;
  /** gamma (length C), or undefined when `affine` is off. Float32, in the backend's memory where it has one. */
  readonly weight: Float32Array | undefined;
  /** beta (length C), or undefined when `affine` is off. */
  readonly bias: Float32Array | undefined;
  /** The running mean (float64), or undefined when `trackRunningStats` is off. */
  readonly runningMean: Float64Array | undefined;
  /** The running variance (float64) in the convention's kind, or undefined when `trackRunningStats` is off. */
  readonly runningVar: Float64Array | undefined;
  /** Accumulated dL/dgamma since the last `zeroGrad` (float64), or undefined when `affine` is off. */
  readonly gammaGrad: Float64Array | undefined;
  /** Accumulated dL/dbeta since the last `zeroGrad` (float64). */
  readonly betaGrad: Float64Array | undefined;
  /** Training batches seen (PyTorch's `num_batches_tracked`). */
  numBatchesTracked = 0;
  /** Values per channel in the last training batch (m), used by conversions; undefined before one. */
  lastBatchCount: number | undefined;
  private mode: 'train' | 'eval' = 'train';
  private saved: SavedForward | undefined;
  private readonly buffers: LayerBuffers;

  /**
   * Builds a layer on a backend that is already initialised (see `BatchNorm.create` for one from
   * the registry).
   * @throws BnValueError for a `numFeatures` that is not a positive integer or invalid options;
   *   BnShapeError for an unknown layout.
   */
  constructor(readonly backend: Backend, config: BatchNormConfig) {
    const { numFeatures } = config;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new BnValueError('numFeatures', 'a positive integer', describeValue(numFeatures));
    }
    this.numFeatures = numFeatures;
    this.layout = config.layout ?? 'NCHW';
    describeShape(this.layout === 'NC' ? [1, numFeatures] : sampleShape(this.layout, numFeatures), this.layout);
    this.options = resolveOptions(config.options);
    this.buffers = new LayerBuffers(backend);
    if (this.options.affine) {
      this.weight = this.buffers.get('weight', numFeatures).fill(1);
      this.bias = this.buffers.get('bias', numFeatures).fill(0);
      this.gammaGrad = new Float64Array(numFeatures);
      this.betaGrad = new Float64Array(numFeatures);
    }
    if (this.options.trackRunningStats) {
      this.runningMean = new Float64Array(numFeatures);
      this.runningVar = new Float64Array(numFeatures).fill(1);
    }
  }

  /**
   * Builds a layer on a backend from core's registry (opened, and so initialised, once by the
   * registry) or on a backend object the caller initialised.
   * @throws BnBackendError when the named backend is not registered or does not initialise here.
   */
  static async create(config: BatchNormCreateConfig): Promise<BatchNorm> {
    const { backend } = config;
    const resolved =
      typeof backend === 'object' ? backend : backend !== undefined ? await getBackend(backend) : await resolveBackend([...listBackends({ role: 'backend' }), 'reference']);
    return new BatchNorm(resolved, config);
  }

  /** Whether the layer is in training mode. */
  get training(): boolean {
    return this.mode === 'train';
  }

  /** Switches to training mode (`mode` false: evaluation), like `nn.Module.train`. Returns the layer. */
  train(mode = true): this {
    this.mode = mode ? 'train' : 'eval';
    return this;
  }

  /** Switches to evaluation mode. Returns the layer. */
  eval(): this {
    return this.train(false);
  }

  /**
   * The input buffer for a tensor of `shape`, in the backend's memory where it has one: write x
   * into it and pass it to `forward` to skip the copy.
   * @throws BnShapeError when `shape` does not fit the layout or `numFeatures`.
   */
  inputBuffer(shape: readonly number[]): Float32Array {
    return this.buffers.get(this.training ? 'train-x' : 'eval-x', this.checkShape(shape));
  }

  /**
   * Normalises `x` of `shape`. In training: with the batch's statistics, updating the running
   * statistics by the convention's rule and saving what `backward` needs. In evaluation: with the
   * running statistics (the batch's own when `trackRunningStats` is off, as PyTorch does).
   * @returns y, in the element type the backend gives (float32 for float32 input on every real backend).
   * @throws BnShapeError when the shape does not fit the layout or `numFeatures`; whatever the backend throws.
   */
  async forward(x: TensorData, shape: readonly number[]): Promise<FloatArray> {
    const size = this.checkShape(shape);
    const input = this.stage(this.training ? 'train-x' : 'eval-x', 'x', x, size);
    const common = { x: input, shape, layout: this.layout, options: explicitOptions(this.options), gamma: this.weight, beta: this.bias };
    const out = this.buffers.inBackendMemory ? { y: this.buffers.get(this.training ? 'train-y' : 'eval-y', size) } : undefined;
    if (!this.training) {
      const result = await this.backend.inference({ ...common, runningMean: this.runningMean, runningVar: this.runningVar, out });
      return result.y;
    }
    const result = await this.backend.trainForward({
      ...common,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      numBatchesTracked: this.numBatchesTracked,
      out,
    });
    if (this.runningMean && this.runningVar && result.runningMean && result.runningVar) {
      this.runningMean.set(result.runningMean);
      this.runningVar.set(result.runningVar);
    }
    this.numBatchesTracked = result.numBatchesTracked ?? this.numBatchesTracked + 1;
    this.lastBatchCount = size / this.numFeatures;
    this.saved = { x: input, shape: [...shape], mean: result.batchMean, invStd: result.invStd };
    return result.y;
  }

  /**
   * Back-propagates `dy` through the last training forward: returns dx and adds dgamma and dbeta
   * to `gammaGrad` and `betaGrad` (they accumulate until `zeroGrad`, as PyTorch's `.grad` does).
   * @throws BnValueError when no training forward came before; BnShapeError when dy's length is not x's.
   */
  async backward(dy: TensorData): Promise<FloatArray> {
    const saved = this.saved;
    if (!saved) throw new BnValueError('backward', 'a training forward before it (train mode)', 'no saved forward');
    const size = saved.x.length;
    const gradient = this.stage('dy', 'dy', dy, size);
    const out = this.buffers.inBackendMemory ? { dx: this.buffers.get('dx', size) } : undefined;
    const result = await this.backend.backward({
      x: saved.x,
      shape: saved.shape,
      layout: this.layout,
      options: explicitOptions(this.options),
      dy: gradient,
      gamma: this.weight,
      savedMean: saved.mean,
      savedInvStd: saved.invStd,
      out,
    });
    if (this.gammaGrad && this.betaGrad && result.dgamma && result.dbeta) {
      for (let i = 0; i < this.numFeatures; i++) {
        this.gammaGrad[i] = (this.gammaGrad[i] as number) + (result.dgamma[i] as number);
        this.betaGrad[i] = (this.betaGrad[i] as number) + (result.dbeta[i] as number);
      }
    }
    return result.dx;
  }

  /** Sets the accumulated gradients to zero. */
  zeroGrad(): void {
    this.gammaGrad?.fill(0);
    this.betaGrad?.fill(0);
  }

  /** Resets the running statistics to mean 0, variance 1 and the batch count to 0, like `reset_running_stats`. */
  resetRunningStats(): void {
    this.runningMean?.fill(0);
    this.runningVar?.fill(1);
    this.numBatchesTracked = 0;
  }

  /**
   * The state as PyTorch's `state_dict` (plain numbers, for JSON). `running_var` is PyTorch's
   * unbiased kind: a keras or onnx layer's biased variance is converted with `count`.
   * @throws BnValueError when a conversion is needed and no batch count is known.
   */
  stateDict(conversion: ConversionOptions = {}): PyTorchStateDict {
    return {
      ...(this.weight && { weight: Array.from(this.weight), bias: toNumbers(this.bias) }),
      ...(this.runningMean &&
        this.runningVar && {
          running_mean: Array.from(this.runningMean),
          running_var: Array.from(this.convertVar(this.runningVar, this.options.convention.name, 'pytorch', conversion)),
          num_batches_tracked: this.numBatchesTracked,
        }),
    };
  }

  /**
   * Loads a PyTorch `state_dict` (converting its unbiased running variance to the layer's kind
   * with `count` when the layer is keras or onnx). Entries the layer does not hold are refused.
   * @throws BnValueError / BnShapeError naming the entry (`state_dict.weight`, ...).
   */
  loadStateDict(state: PyTorchStateDict, conversion: ConversionOptions = {}): void {
    this.checkEntries('state_dict', state as Record<string, unknown>, this.weight ? ['weight', 'bias'] : [], this.runningMean ? ['running_mean', 'running_var'] : []);
    const c = this.numFeatures;
    const weight = this.weight ? readChannels('state_dict.weight', state.weight, c) : undefined;
    const bias = this.bias ? readChannels('state_dict.bias', state.bias, c) : undefined;
    const mean = this.runningMean ? readChannels('state_dict.running_mean', state.running_mean, c) : undefined;
    const variance = this.runningVar ? this.convertVar(readChannels('state_dict.running_var', state.running_var, c, true), 'pytorch', this.options.convention.name, conversion) : undefined;
    const tracked = state.num_batches_tracked ?? 0;
    if (!Number.isInteger(tracked) || tracked < 0) throw new BnValueError('state_dict.num_batches_tracked', 'an integer >= 0', describeValue(tracked));
    if (weight) this.weight?.set(weight);
    if (bias) this.bias?.set(bias);
    if (mean) this.runningMean?.set(mean);
    if (variance) this.runningVar?.set(variance);
    this.numBatchesTracked = tracked;
  }

  /**
   * The state as Keras weights (`gamma`, `beta`, `moving_mean`, `moving_variance`); the moving
   * variance is Keras' biased kind (a pytorch layer's unbiased one is converted with `count`).
   * @throws BnValueError when the layer does not track running statistics, or a conversion needs a count.
   */
  kerasWeights(conversion: ConversionOptions = {}): KerasWeights {
    const { runningMean, runningVar } = this;
    if (!runningMean || !runningVar) throw new BnValueError('trackRunningStats', 'true (Keras layers always hold moving statistics)', 'false');
    return {
      ...(this.weight && { gamma: Array.from(this.weight), beta: toNumbers(this.bias) }),
      moving_mean: Array.from(runningMean),
      moving_variance: Array.from(this.convertVar(runningVar, this.options.convention.name, 'keras', conversion)),
    };
  }

  /**
   * Loads Keras weights, converting the biased moving variance to the layer's kind with `count`
   * when the layer is pytorch.
   * @throws BnValueError / BnShapeError naming the entry (`weights.gamma`, ...).
   */
  loadKerasWeights(weights: KerasWeights, conversion: ConversionOptions = {}): void {
    if (!this.runningMean || !this.runningVar) throw new BnValueError('trackRunningStats', 'true (Keras layers always hold moving statistics)', 'false');
    this.checkEntries('weights', weights as unknown as Record<string, unknown>, this.weight ? ['gamma', 'beta'] : [], ['moving_mean', 'moving_variance']);
    const c = this.numFeatures;
    const gamma = this.weight ? readChannels('weights.gamma', weights.gamma, c) : undefined;
    const beta = this.bias ? readChannels('weights.beta', weights.beta, c) : undefined;
    const mean = readChannels('weights.moving_mean', weights.moving_mean, c);
    const variance = this.convertVar(readChannels('weights.moving_variance', weights.moving_variance, c, true), 'keras', this.options.convention.name, conversion);
    if (gamma) this.weight?.set(gamma);
    if (beta) this.bias?.set(beta);
    this.runningMean.set(mean);
    this.runningVar.set(variance);
  }

  /**
   * The layer's momentum in another convention's meaning (core's `convertMomentum`), e.g. to
   * build the matching Keras layer.
   */
  momentumFor(convention: ConventionName): number | null {
    return convertMomentum(this.options.momentum, this.options.convention.name, convention);
  }

  /** Returns the buffers the layer holds in the backend's memory. The layer must not be used afterwards. */
  dispose(): void {
    this.buffers.releaseAll();
    this.saved = undefined;
  }

  private convertVar(values: Float64Array, from: ConventionName, to: ConventionName, conversion: ConversionOptions): Float64Array {
    if (CONVENTIONS[from].runningVariance === CONVENTIONS[to].runningVariance) return Float64Array.from(values);
    const count = conversion.count ?? this.lastBatchCount;
    if (count === undefined) {
      throw new BnValueError('count', `the values per channel of each batch, to convert a ${CONVENTIONS[from].runningVariance} running variance to ${CONVENTIONS[to].runningVariance}`, 'none given and no training batch seen');
    }
    return runningVarFor(values, from, to, count);
  }

  private checkEntries(what: string, state: Record<string, unknown>, affine: readonly string[], running: readonly string[]): void {
    if (state === null || typeof state !== 'object') throw new BnValueError(what, 'an object', describeValue(state));
    const allowed = new Set([...affine, ...running, 'num_batches_tracked']);
    for (const key of Object.keys(state)) {
      if (!allowed.has(key)) throw new BnValueError(`${what}.${key}`, `one of ${[...allowed].join(', ')} for this layer`, 'an entry the layer does not hold');
    }
  }

  private checkShape(shape: readonly number[]): number {
    const info = describeShape(shape, this.layout);
    if (info.c !== this.numFeatures) {
      throw new BnShapeError(`shape[${channelAxis(this.layout)}]`, `numFeatures = ${this.numFeatures}`, String(info.c));
    }
    return info.size;
  }

  private stage(role: string, argument: string, data: TensorData, size: number): FloatArray {
    if (Array.isArray(data)) {
      const target = this.buffers.get(role, size);
      if (data.length !== size) throw new BnShapeError(argument, `length ${size} (the product of the shape)`, `length ${data.length}`);
      target.set(data);
      return target;
    }
    const array = data as FloatArray;
    if (!this.buffers.inBackendMemory || !(array instanceof Float32Array)) return array;
    const target = this.buffers.get(role, size);
    if (array !== target) {
      if (array.length !== size) throw new BnShapeError(argument, `length ${size} (the product of the shape)`, `length ${array.length}`);
      target.set(array);
    }
    return target;
  }
}

function sampleShape(layout: Layout, c: number): number[] {
  return [...layout].map((axis) => (axis === 'C' ? c : 1));
}
