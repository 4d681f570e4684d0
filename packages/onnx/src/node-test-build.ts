import {
  BnValueError,
  CONVENTIONS,
  DEFAULT_ONNX_OPSET,
  ONNX_OPSETS,
  channelsFirstTwin,
  describeShape,
  describeValue,
  isChannelsLast,
  toChannelsFirstPermutation,
  type GoldenCase,
} from '@bnkit/core';
import { encodeModel } from './model-codec.js';
import { NODE_TEST_NAMES, type NodeTestData, type NodeTestDataSet, type NodeTestKind } from './node-test-data.js';
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './types.js';

/** Options of `goldenCaseToNodeTest`. */
export interface NodeTestOptions {
  /** Which operation to write; default: inference when the case has inference expectations, else trainForward. */
  kind?: NodeTestKind;
  /** Default-domain opset; default `DEFAULT_ONNX_OPSET` of core. Inference: any of `ONNX_OPSETS` (9, 14, 15); training mode: those from 14 (which added training_mode). */
  opset?: number;
  /** Element type of every tensor; default float32, as in the ONNX project's tests. */
  dataType?: 'float32' | 'float64';
}

/** The first opset whose BatchNormalization has `training_mode`. */
const TRAINING_MODE_OPSET = 14;

/** A stable node-test directory name for a case id: `test_bnkit_` and the id with non-alphanumerics as `_`. */
export function nodeTestName(caseId: string, kind: NodeTestKind = 'inference'): string {
  const base = `test_bnkit_${caseId.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '')}`;
  return kind === 'trainForward' ? `${base}_training_mode` : base;
}

function defaultKind(c: GoldenCase): NodeTestKind {
  return c.steps.some((s) => s.expected.inference) ? 'inference' : 'trainForward';
}

/**
 * Checks that a case maps exactly onto ONNX BatchNormalization.
 * @throws BnValueError naming the option that does not map.
 */
function checkMapsOntoOnnx(c: GoldenCase, kind: NodeTestKind, opset: number): void {
  const allowed = kind === 'inference' ? ONNX_OPSETS : ONNX_OPSETS.filter((o) => o >= TRAINING_MODE_OPSET);
  if (!allowed.includes(opset)) throw new BnValueError('opset', `one of ${allowed.join(', ')} for ${kind}`, describeValue(opset));
  if (!c.options.trackRunningStats) {
    throw new BnValueError(`case ${c.id}: options.trackRunningStats`, 'true (ONNX BatchNormalization always takes running statistics)', 'false');
  }
  if (kind === 'trainForward') {
    const convention = CONVENTIONS[c.options.convention];
    if (convention.momentumMeaning !== 'weight-on-old-value' || convention.runningVariance !== 'biased' || c.options.momentum === null) {
      throw new BnValueError(
        `case ${c.id}: options.convention`,
        'onnx or keras for a training-mode test (momentum weighs the old value and the running variance is biased, as in ONNX)',
        `${c.options.convention} with momentum ${describeValue(c.options.momentum)}`,
      );
    }
  }
}

/** The BN model of a node test: the five inputs as graph inputs, and Transposes around the node for a channels-last case. */
function nodeTestModel(c: GoldenCase, kind: NodeTestKind, opset: number, dataType: 'float32' | 'float64'): Uint8Array {
  const info = describeShape(c.shape, c.layout, `case ${c.id}: shape`);
  const [x, ...stats] = NODE_TEST_NAMES.inputs;
  const training = kind === 'trainForward';
  const outputs = training ? [...NODE_TEST_NAMES.outputs] : [NODE_TEST_NAMES.outputs[0]];
  const channelsLast = isChannelsLast(c.layout);
  const bnX = channelsLast ? `${x}_${channelsFirstTwin(c.layout)}` : x;
  const bnY = channelsLast ? `y_${channelsFirstTwin(c.layout)}` : 'y';
  const attributes: Record<string, OnnxAttribute> = { epsilon: { float: c.options.eps } };
  if (training) {
    attributes['momentum'] = { float: c.options.momentum as number };
    attributes['training_mode'] = { int: 1 };
  }
  const nodes: OnnxNode[] = [{ opType: 'BatchNormalization', inputs: [bnX, ...stats], outputs: [bnY, ...outputs.slice(1)], attributes }];
  if (channelsLast) {
    const perm = toChannelsFirstPermutation(c.layout);
    nodes.unshift({ opType: 'Transpose', inputs: [x], outputs: [bnX], attributes: { perm: { ints: perm } } });
    nodes.push({ opType: 'Transpose', inputs: [bnY], outputs: ['y'], attributes: { perm: { ints: perm.map((_, i) => perm.indexOf(i)) } } });
  }
  return encodeModel(
    {
      name: nodeTestName(c.id, kind),
      nodes,
      inputs: [{ name: x, dataType, shape: c.shape }, ...stats.map((name) => ({ name, dataType, shape: [info.c] }))],
      outputs: [{ name: 'y', dataType, shape: c.shape }, ...outputs.slice(1).map((name) => ({ name, dataType, shape: [info.c] }))],
    },
    { opset },
  );
}

/**
 * Turns a golden case into the content of an ONNX node-test directory, one data set per step
 * that can be checked. Inference: each step with an inference expectation whose running statistics
 * before the step are known (the case's params for step 0, the previous step's expected running
 * statistics after it). Training mode (`training_mode=1`, opset 14/15): each step with a training
 * expectation, outputs Y, running_mean and running_var. Only cases whose convention maps exactly
 * onto ONNX's update (running = momentum * running + (1 - momentum) * batch, biased variance) are
 * written as training-mode tests: the `onnx` and `keras` conventions; `pytorch` (momentum on the new
 * batch, unbiased running variance, cumulative average) is refused. `affine: false` is written
 * as scale 1 and B 0. Expected values are the case's float64 ones, rounded to `dataType`.
 * @throws BnValueError for an opset that cannot hold the kind, a case without running statistics,
 *   a training case in the pytorch convention, or a case with no step to write; BnShapeError for
 *   a shape that does not fit the layout.
 */
export function goldenCaseToNodeTest(c: GoldenCase, options: NodeTestOptions = {}): NodeTestData {
  const kind = options.kind ?? defaultKind(c);
  const opset = options.opset ?? DEFAULT_ONNX_OPSET;
  const dataType = options.dataType ?? 'float32';
  checkMapsOntoOnnx(c, kind, opset);
  const info = describeShape(c.shape, c.layout, `case ${c.id}: shape`);
  const tensor = (name: string, dims: readonly number[], values: readonly number[]): OnnxTensor => ({ name, dataType, dims, values });
  const affine = c.options.affine;
  const gamma = affine && c.params.gamma ? c.params.gamma : new Array<number>(info.c).fill(1);
  const beta = affine && c.params.beta ? c.params.beta : new Array<number>(info.c).fill(0);
  let runningMean = c.params.runningMean;
  let runningVar = c.params.runningVar;
  const dataSets: NodeTestDataSet[] = [];
  for (const step of c.steps) {
    const inputs = (mean: readonly number[], variance: readonly number[]) =>
      [step.x, gamma, beta, mean, variance].map((values, i) => tensor(NODE_TEST_NAMES.inputs[i] as string, i === 0 ? c.shape : [info.c], values));
    const train = step.expected.trainForward;
    if (kind === 'inference' && step.expected.inference && runningMean && runningVar) {
      dataSets.push({ inputs: inputs(runningMean, runningVar), outputs: [tensor('y', c.shape, step.expected.inference.y)] });
    }
    if (kind === 'trainForward' && train?.runningMean && train.runningVar && runningMean && runningVar) {
      dataSets.push({
        inputs: inputs(runningMean, runningVar),
        outputs: [tensor('y', c.shape, train.y), tensor('output_mean', [info.c], train.runningMean), tensor('output_var', [info.c], train.runningVar)],
      });
    }
    runningMean = train?.runningMean;
    runningVar = train?.runningVar;
  }
  if (dataSets.length === 0) {
    throw new BnValueError(`case ${c.id}: steps`, `a step with ${kind} expectations and known running statistics`, 'none');
  }
  return { model: nodeTestModel(c, kind, opset, dataType), dataSets };
}
