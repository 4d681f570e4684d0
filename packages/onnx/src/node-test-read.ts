import {
  BnShapeError,
  CONVENTIONS,
  GOLDEN_SPEC_VERSION,
  biasedVariance,
  channelMoments,
  describeShape,
  describeValue,
  type CaseTolerances,
  type GoldenCase,
  type GoldenStep,
} from '@bnkit/core';
import { guessBatchNormLayout } from './batch-norm-nodes.js';
import { OnnxFormatError } from './errors.js';
import { decodeModel } from './model-codec.js';
import type { NodeTestData } from './node-test-data.js';
import type { DecodedModel, DecodedNode, OnnxTensor } from './types.js';

/** ONNX's BatchNormalization defaults, from core's conventions. */
const ONNX_EPSILON = CONVENTIONS.onnx.defaultEps;
const ONNX_MOMENTUM = CONVENTIONS.onnx.defaultMomentum;

/** Tolerances of cases read from node tests: float32-rounded expectations. */
export const NODE_TEST_TOLERANCE: CaseTolerances = {
  y: { abs: 1e-5, rel: 1e-5 },
  stats: { abs: 1e-6, rel: 1e-5 },
  dx: { abs: 1e-5, rel: 1e-5 },
  dparams: { abs: 1e-5, rel: 1e-5 },
};

/** Options of `nodeTestToGoldenCases`. */
export interface ReadNodeTestOptions {
  /** Prefix of the case ids (`<id>/set-<k>`); default `onnx/<graph name>`. */
  id?: string;
  tolerance?: CaseTolerances;
}

function numbers(tensor: OnnxTensor | undefined, argument: string): number[] {
  if (tensor === undefined) throw new OnnxFormatError(argument, 'a tensor', 'missing');
  if (tensor.dataType === 'int64') throw new OnnxFormatError(argument, 'a float32 or float64 tensor', 'int64');
  return Array.from(tensor.values as ArrayLike<number>);
}

function theBatchNorm(model: DecodedModel): DecodedNode {
  const nodes = model.graph.nodes.filter((n) => n.opType === 'BatchNormalization' && (n.domain === '' || n.domain === 'ai.onnx'));
  if (nodes.length !== 1) throw new OnnxFormatError('model.onnx', 'exactly one BatchNormalization node', `${nodes.length}`);
  return nodes[0] as DecodedNode;
}

/** The name of the graph input that feeds BN's X, directly or through one Transpose. */
function xSource(model: DecodedModel, bn: DecodedNode): string {
  const x = bn.inputs[0] ?? '';
  const producer = model.graph.nodes.find((n) => n.outputs.includes(x));
  return producer?.opType === 'Transpose' ? (producer.inputs[0] ?? '') : x;
}

/** The tensor a data set gives for graph input `name` (by name, else by position), or the initializer of that name. */
function valueOf(model: DecodedModel, tensors: readonly OnnxTensor[], name: string, argument: string): OnnxTensor {
  const byName = tensors.find((t) => t.name === name);
  if (byName) return byName;
  const position = model.graph.inputs.findIndex((i) => i.name === name);
  const byPosition = position >= 0 ? tensors[position] : undefined;
  if (byPosition && byPosition.name === '') return byPosition;
  const initializer = model.graph.initializers.find((t) => t.name === name);
  if (initializer) return initializer;
  throw new OnnxFormatError(argument, `a value for ${describeValue(name)}`, 'none in the data set or the model');
}

/** The batch statistics a training step's expectation carries, from the float64 reference moments of x. */
function batchStatistics(x: number[], shape: number[], layout: GoldenCase['layout'], eps: number) {
  const moments = channelMoments(Float64Array.from(x), describeShape(shape, layout));
  const batchVar = moments.map(biasedVariance);
  return { batchMean: moments.map((m) => m.mean), batchVar, invStd: batchVar.map((v) => 1 / Math.sqrt(v + eps)) };
}

/**
 * Reads a BatchNormalization node test as golden cases, one single-step case per data set
 * (`<id>/set-<k>`), in the `onnx` convention with eps and momentum from the node's attributes
 * (ONNX's defaults, `CONVENTIONS.onnx`, when absent). Inference tests give `inference` cases; training-mode
 * tests give `trainForward` cases whose expected y and running statistics are the test's outputs,
 * and whose batch mean, variance and inverse std (which ONNX does not output) are the float64
 * reference moments of x from `@bnkit/core`. The layout is read from Transposes around the node,
 * else from the rank of x (channels-first).
 * @throws OnnxFormatError for a model that is not one BatchNormalization node (with optional
 *   Transposes), or data sets that lack a tensor; BnShapeError when tensors do not fit together.
 */
export function nodeTestToGoldenCases(data: NodeTestData, options: ReadNodeTestOptions = {}): GoldenCase[] {
  const model = decodeModel(data.model);
  const bn = theBatchNorm(model);
  const training = 'training_mode' in bn.attributes && (bn.attributes['training_mode'] as { int?: number }).int === 1;
  const epsilon = bn.attributes['epsilon'];
  const momentum = bn.attributes['momentum'];
  const eps = epsilon && 'float' in epsilon ? epsilon.float : ONNX_EPSILON;
  const id = options.id ?? `onnx/${model.graph.name || 'batchnorm'}`;
  const xName = xSource(model, bn);
  const yName = model.graph.outputs[0]?.name ?? '';
  return data.dataSets.map((set, k) => {
    const argument = `test_data_set_${k}`;
    const xTensor = valueOf(model, set.inputs, xName, `${argument} X`);
    const shape = [...xTensor.dims];
    const layout = guessBatchNormLayout(model, bn, shape.length);
    if (layout === undefined) throw new BnShapeError(`${argument} X`, 'rank 2 to 5', `dims ${describeValue(shape)}`);
    const info = describeShape(shape, layout, `${argument} X`);
    const [gamma, beta, runningMean, runningVar] = bn.inputs.slice(1).map((name, i) => {
      const values = numbers(valueOf(model, set.inputs, name, `${argument} ${name}`), `${argument} ${name}`);
      if (values.length !== info.c) throw new BnShapeError(`${argument} input ${i + 1}`, `${info.c} values (C of x)`, `${values.length}`);
      return values;
    }) as [number[], number[], number[], number[]];
    const x = numbers(xTensor, `${argument} X`);
    const outputAt = (i: number) => {
      const name = model.graph.outputs[i]?.name ?? '';
      return numbers(set.outputs.find((t) => t.name === name) ?? set.outputs[i], `${argument} output ${describeValue(name)}`);
    };
    const y = outputAt(0);
    if (y.length !== x.length) throw new BnShapeError(`${argument} ${describeValue(yName)}`, `${x.length} values`, `${y.length}`);
    let step: GoldenStep;
    if (training) {
      step = { x, expected: { trainForward: { y, ...batchStatistics(x, shape, layout, eps), runningMean: outputAt(1), runningVar: outputAt(2) } } };
    } else {
      step = { x, expected: { inference: { y } } };
    }
    return {
      specVersion: GOLDEN_SPEC_VERSION,
      id: `${id}/set-${k}`,
      group: 'onnx-node-test',
      description: `ONNX node test ${describeValue(model.graph.name)}, data set ${k} (${training ? 'training mode' : 'inference'})`,
      operations: [training ? 'trainForward' : 'inference'],
      layout,
      shape,
      options: {
        convention: 'onnx',
        eps,
        momentum: momentum && 'float' in momentum ? momentum.float : ONNX_MOMENTUM,
        affine: true,
        trackRunningStats: true,
        allowSingleValuePerChannel: info.perChannel < 2,
      },
      params: { gamma, beta, runningMean, runningVar },
      steps: [step],
      tolerance: options.tolerance ?? NODE_TEST_TOLERANCE,
    };
  });
}
