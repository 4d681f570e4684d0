import * as tf from '@tensorflow/tfjs';
import {
  BnShapeError,
  BnValueError,
  checkArray,
  describeValue,
  type FloatArray,
  type Layout,
} from '@bnkit/core';

/**
 * What a Keras-style `tf.layers.batchNormalization` layer holds, in core's terms under the `keras`
 * convention (momentum is the weight on the old value; the moving variance is biased).
 */
export interface KerasBatchNormStats {
  /** The layer's gamma, or ones when the layer has `scale: false`. */
  gamma: Float32Array;
  /** The layer's beta, or zeros when the layer has `center: false`. */
  beta: Float32Array;
  /** The layer's moving mean. */
  runningMean: Float32Array;
  /** The layer's moving variance (biased, as Keras keeps it). */
  runningVar: Float32Array;
  /** Core options matching the layer: `affine` is false only when it has neither center nor scale. */
  options: { convention: 'keras'; eps: number; momentum: number; affine: boolean };
  /** The layer's `center` and `scale` flags (core's affine covers both at once). */
  center: boolean;
  scale: boolean;
  /** The channel axis, made non-negative for the layer's input rank. */
  axis: number;
  /** The core layout of the layer's input when its rank and axis name one (axis 1 or last), else undefined. */
  layout: Layout | undefined;
}

/** The values to write into a layer; per-channel arrays of length C. */
export interface KerasBatchNormWrite {
  /** Written when the layer has `scale: true`; with `scale: false` it must be all ones or absent. */
  gamma?: FloatArray;
  /** Written when the layer has `center: true`; with `center: false` it must be all zeros or absent. */
  beta?: FloatArray;
  runningMean: FloatArray;
  /** Biased, >= 0 (convert a PyTorch one with core's `convertRunningVar`). */
  runningVar: FloatArray;
}

interface BatchNormConfig {
  axis: number | number[];
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
}

const CHANNELS_FIRST: Record<number, Layout> = { 2: 'NC', 3: 'NCL', 4: 'NCHW', 5: 'NCDHW' };
const CHANNELS_LAST: Record<number, Layout> = { 2: 'NC', 3: 'NLC', 4: 'NHWC', 5: 'NDHWC' };

/** Finds the BatchNormalization layer: the layer itself, or the model's layer of that name. */
function findLayer(layerOrModel: unknown, layerName: string | undefined): tf.layers.Layer {
  let layer: unknown = layerOrModel;
  if (layerOrModel instanceof tf.LayersModel) {
    if (layerName === undefined) throw new BnValueError('layerName', 'the name of a layer of the model', 'undefined');
    try {
      layer = layerOrModel.getLayer(layerName);
    } catch {
      const names = layerOrModel.layers.map((l) => l.name).join(', ');
      throw new BnValueError('layerName', `the name of a layer of the model (${names})`, describeValue(layerName));
    }
  }
  if (!(layer instanceof tf.layers.Layer)) {
    throw new BnValueError('layerOrModel', 'a tf.layers.batchNormalization layer or a LayersModel', describeValue(layerOrModel));
  }
  if (layer.getClassName() !== 'BatchNormalization') {
    throw new BnValueError('layerOrModel', 'a BatchNormalization layer', `a ${layer.getClassName()} layer named ${layer.name}`);
  }
  if (!layer.built) {
    throw new BnValueError('layerOrModel', 'a built layer (apply it or build its model first)', `layer ${layer.name} not built`);
  }
  return layer;
}

function configOf(layer: tf.layers.Layer): BatchNormConfig {
  return layer.getConfig() as unknown as BatchNormConfig;
}

/** The layer's weights in build order (gamma if scale, beta if center, moving mean, moving variance). */
function weightsOf(layer: tf.layers.Layer, config: BatchNormConfig): { gamma?: tf.LayerVariable; beta?: tf.LayerVariable; mean: tf.LayerVariable; variance: tf.LayerVariable } {
  const weights = [...layer.weights];
  const gamma = config.scale ? weights.shift() : undefined;
  const beta = config.center ? weights.shift() : undefined;
  const [mean, variance] = weights;
  if (!mean || !variance || weights.length !== 2) {
    throw new BnValueError('layerOrModel', 'a BatchNormalization layer with moving mean and variance', `${layer.weights.length} weights in ${layer.name}`);
  }
  return { gamma, beta, mean, variance };
}

function inputRank(layer: tf.layers.Layer): number {
  const rank = layer.inputSpec?.[0]?.ndim;
  if (typeof rank !== 'number') throw new BnValueError('layerOrModel', 'a layer whose input rank is known', `layer ${layer.name}`);
  return rank;
}

function channelAxisOf(layer: tf.layers.Layer, config: BatchNormConfig): number {
  const axis = Array.isArray(config.axis) ? (config.axis.length === 1 ? config.axis[0] : undefined) : config.axis;
  if (typeof axis !== 'number') throw new BnShapeError('layerOrModel', 'a layer normalising along one axis', `axis ${describeValue(config.axis)}`);
  const rank = inputRank(layer);
  return axis < 0 ? axis + rank : axis;
}

function read(variable: tf.LayerVariable): Float32Array {
  return Float32Array.from(variable.read().dataSync());
}

/**
 * Reads gamma, beta, moving mean and moving variance from a built `tf.layers.batchNormalization`
 * layer, or from the layer named `layerName` of a LayersModel, with the core options (`keras`
 * convention, the layer's epsilon and momentum) that reproduce it. Runs synchronously on tfjs's
 * active backend and allocates no tensors.
 * @throws BnValueError when the target is not a built BatchNormalization layer or the model has no
 *   layer of that name; BnShapeError when the layer normalises along several axes.
 */
export function readKerasBatchNorm(layerOrModel: tf.layers.Layer | tf.LayersModel, layerName?: string): KerasBatchNormStats {
  const layer = findLayer(layerOrModel, layerName);
  const config = configOf(layer);
  const weights = weightsOf(layer, config);
  const runningMean = read(weights.mean);
  const c = runningMean.length;
  const axis = channelAxisOf(layer, config);
  const rank = inputRank(layer);
  const layout = axis === 1 ? CHANNELS_FIRST[rank] : axis === rank - 1 ? CHANNELS_LAST[rank] : undefined;
  return {
    gamma: weights.gamma ? read(weights.gamma) : new Float32Array(c).fill(1),
    beta: weights.beta ? read(weights.beta) : new Float32Array(c),
    runningMean,
    runningVar: read(weights.variance),
    options: { convention: 'keras', eps: config.epsilon, momentum: config.momentum, affine: config.center || config.scale },
    center: config.center,
    scale: config.scale,
    axis,
    layout,
  };
}

function checkFixed(argument: string, values: FloatArray | undefined, c: number, fixed: number, flag: string): void {
  if (values === undefined) return;
  checkArray(argument, values, c, `C = ${c}`);
  const index = values.findIndex((v) => v !== fixed);
  if (index >= 0) {
    throw new BnValueError(argument, `all ${fixed} (the layer has ${flag}: false, so it has no ${argument} to write)`, `${argument}[${index}] = ${values[index]}`);
  }
}

/**
 * Writes gamma, beta, moving mean and moving variance into a built `tf.layers.batchNormalization`
 * layer (or the layer named `layerName` of a LayersModel). The values must be in the `keras`
 * convention (biased moving variance). Runs synchronously on tfjs's active backend; the tensors it
 * makes are handed to the layer or freed.
 * @throws BnValueError when the target is not a built BatchNormalization layer, a variance is
 *   negative, or gamma/beta are given for a layer without scale/center and differ from 1/0;
 *   BnShapeError when an array's length is not the layer's C.
 */
export function writeKerasBatchNorm(layerOrModel: tf.layers.Layer | tf.LayersModel, values: KerasBatchNormWrite, layerName?: string): void {
  const layer = findLayer(layerOrModel, layerName);
  const config = configOf(layer);
  const weights = weightsOf(layer, config);
  const c = weights.mean.shape[0] as number;
  const runningMean = checkArray('runningMean', values.runningMean, c, `C = ${c}`);
  const runningVar = checkArray('runningVar', values.runningVar, c, `C = ${c}`);
  const negative = runningVar.findIndex((v) => v < 0);
  if (negative >= 0) throw new BnValueError('runningVar', 'every value >= 0', `runningVar[${negative}] = ${runningVar[negative]}`);
  const writes: [tf.LayerVariable, FloatArray][] = [];
  if (weights.gamma) writes.push([weights.gamma, checkArray('gamma', values.gamma, c, `C = ${c}, the layer has scale: true`)]);
  else checkFixed('gamma', values.gamma, c, 1, 'scale');
  if (weights.beta) writes.push([weights.beta, checkArray('beta', values.beta, c, `C = ${c}, the layer has center: true`)]);
  else checkFixed('beta', values.beta, c, 0, 'center');
  writes.push([weights.mean, runningMean], [weights.variance, runningVar]);
  tf.tidy(() => {
    for (const [variable, array] of writes) variable.write(tf.tensor1d(Float32Array.from(array), 'float32'));
  });
}
