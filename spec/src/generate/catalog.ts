import type { Layout } from '@bnkit/core';
import type { CaseRecipe } from './recipe.js';

/*
 * The committed golden cases. Ids read <layout>/<what varies>/<detail> and never change once
 * committed; a case that must change gets a new id. Shapes use odd sizes (3, 5, 7, 13) so that
 * no dimension is a multiple of a vector width.
 */

const LAYOUT_SHAPES: Readonly<Record<Layout, number[]>> = {
  NC: [9, 5],
  NCL: [3, 4, 7],
  NCHW: [2, 3, 5, 7],
  NCDHW: [2, 3, 3, 4, 5],
  NLC: [3, 7, 4],
  NHWC: [2, 5, 7, 3],
  NDHWC: [2, 3, 4, 5, 3],
};

const layouts: CaseRecipe[] = (Object.keys(LAYOUT_SHAPES) as Layout[]).map((layout) => ({
  id: `${layout.toLowerCase()}/pytorch/basic`,
  group: 'layouts',
  description: `Layout ${layout} under the pytorch defaults: inference, training forward and backward.`,
  layout,
  shape: LAYOUT_SHAPES[layout],
  options: { convention: 'pytorch' },
}));

const conventions: CaseRecipe[] = [
  { id: 'nchw/pytorch/defaults', layout: 'NCHW', shape: [2, 4, 3, 5], options: { convention: 'pytorch' } },
  { id: 'nchw/keras/defaults', layout: 'NCHW', shape: [2, 4, 3, 5], options: { convention: 'keras' } },
  { id: 'nchw/onnx/defaults', layout: 'NCHW', shape: [2, 4, 3, 5], options: { convention: 'onnx' } },
  { id: 'nhwc/keras/defaults', layout: 'NHWC', shape: [2, 3, 5, 4], options: { convention: 'keras' } },
  { id: 'nhwc/onnx/defaults', layout: 'NHWC', shape: [2, 3, 5, 4], options: { convention: 'onnx' } },
].map((recipe) => ({
  ...recipe,
  group: 'conventions',
  description: `The ${recipe.options.convention} convention with its default eps and momentum (momentum's meaning and the running variance's bias differ).`,
  steps: 2,
})) as CaseRecipe[];

const eps: CaseRecipe[] = [
  { id: 'nchw/eps-1e-5/basic', options: { convention: 'pytorch', eps: 1e-5 } },
  { id: 'nchw/eps-1e-3/basic', options: { convention: 'pytorch', eps: 1e-3 } },
  { id: 'nchw/eps-0.1/basic', options: { convention: 'pytorch', eps: 0.1 } },
  { id: 'nhwc/eps-0.1/keras', layout: 'NHWC', shape: [2, 3, 5, 3], options: { convention: 'keras', eps: 0.1 } },
  { id: 'nchw/eps-0.1/small-variance', options: { convention: 'onnx', eps: 0.1 }, values: { scale: 0.05 } },
].map((recipe) => ({
  layout: 'NCHW',
  shape: [2, 3, 4, 5],
  ...recipe,
  group: 'eps',
  description: `eps = ${recipe.options.eps} under ${recipe.options.convention}${recipe.values ? ', with a variance small next to eps' : ''}.`,
})) as CaseRecipe[];

const momentum: CaseRecipe[] = [
  { id: 'nchw/momentum-0.1/pytorch', options: { convention: 'pytorch', momentum: 0.1 } },
  { id: 'nchw/momentum-0.5/pytorch', options: { convention: 'pytorch', momentum: 0.5 } },
  { id: 'nchw/momentum-0.99/pytorch', options: { convention: 'pytorch', momentum: 0.99 } },
  { id: 'nhwc/momentum-0.99/keras', layout: 'NHWC', shape: [2, 3, 4, 3], options: { convention: 'keras', momentum: 0.99 } },
  { id: 'nhwc/momentum-0.5/keras', layout: 'NHWC', shape: [2, 3, 4, 3], options: { convention: 'keras', momentum: 0.5 } },
  { id: 'nchw/momentum-0.1/onnx', options: { convention: 'onnx', momentum: 0.1 } },
  { id: 'nchw/momentum-0.99/onnx', options: { convention: 'onnx', momentum: 0.99 } },
].map((recipe) => ({
  layout: 'NCHW',
  shape: [2, 3, 4, 3],
  ...recipe,
  group: 'momentum',
  description: `momentum = ${recipe.options.momentum} in the ${recipe.options.convention} meaning, two steps.`,
  steps: 2,
})) as CaseRecipe[];

const cumulative: CaseRecipe[] = [
  {
    id: 'nchw/momentum-null/from-0',
    group: 'momentum',
    description: 'momentum = null (pytorch cumulative average) from numBatchesTracked = 0: the first batch replaces the running statistics.',
    layout: 'NCHW',
    shape: [2, 3, 4, 3],
    options: { convention: 'pytorch', momentum: null },
    steps: 2,
  },
  {
    id: 'nc/momentum-null/from-5',
    group: 'momentum',
    description: 'momentum = null from numBatchesTracked = 5: the new batch weighs 1/6.',
    layout: 'NC',
    shape: [7, 4],
    options: { convention: 'pytorch', momentum: null },
    numBatchesTracked: 5,
  },
];

const numerics: CaseRecipe[] = [
  { id: 'nchw/eps-1e-5/offset-1e4', layout: 'NCHW', shape: [4, 3, 8, 8], options: { convention: 'pytorch', eps: 1e-5 }, values: { offset: 1e4, scale: 0.1 } },
  { id: 'nhwc/eps-1e-3/offset-1e4', layout: 'NHWC', shape: [4, 8, 8, 3], options: { convention: 'keras', eps: 1e-3 }, values: { offset: 1e4, scale: 0.1 } },
  { id: 'nc/eps-1e-5/offset-1e4', layout: 'NC', shape: [64, 4], options: { convention: 'onnx', eps: 1e-5 }, values: { offset: 1e4, scale: 0.1 } },
  { id: 'nchw/eps-1e-5/scale-1e-4', layout: 'NCHW', shape: [2, 3, 5, 7], options: { convention: 'pytorch', eps: 1e-5 }, values: { scale: 1e-4 } },
  { id: 'nhwc/eps-1e-3/scale-1e-4', layout: 'NHWC', shape: [2, 5, 7, 3], options: { convention: 'keras', eps: 1e-3 }, values: { scale: 1e-4 } },
  { id: 'nchw/eps-1e-5/constant-channel', layout: 'NCHW', shape: [2, 3, 5, 7], options: { convention: 'pytorch', eps: 1e-5 }, values: { constantChannel: 1 } },
  { id: 'nhwc/eps-1e-3/constant-channel', layout: 'NHWC', shape: [2, 5, 7, 3], options: { convention: 'keras', eps: 1e-3 }, values: { constantChannel: 0 } },
].map((recipe) => ({
  ...recipe,
  group: 'numerics',
  description: recipe.values.offset
    ? 'x = 1e4 + 0.1 * noise: an accumulator in float32 (or E[x^2] - E[x]^2) loses the variance.'
    : recipe.values.scale
      ? 'x = 1e-4 * noise: a variance far below eps.'
      : 'One channel holds a single repeated value: zero variance, invStd = 1/sqrt(eps).',
})) as CaseRecipe[];

const edge: CaseRecipe[] = [
  { id: 'nc/affine-off/basic', layout: 'NC', shape: [6, 5], options: { convention: 'pytorch', affine: false }, description: 'affine = false: no gamma or beta, no dgamma or dbeta.' },
  { id: 'nhwc/affine-off/keras', layout: 'NHWC', shape: [2, 3, 5, 3], options: { convention: 'keras', affine: false }, description: 'affine = false under keras (center and scale off).' },
  { id: 'nchw/untracked/basic', layout: 'NCHW', shape: [2, 3, 5, 3], options: { convention: 'pytorch', trackRunningStats: false }, description: 'trackRunningStats = false: inference normalises with the batch statistics; no running statistics.' },
  { id: 'nlc/untracked/affine-off', layout: 'NLC', shape: [3, 5, 4], options: { convention: 'pytorch', trackRunningStats: false, affine: false }, description: 'trackRunningStats = false and affine = false together.' },
  { id: 'nchw/batch-1/spatial', layout: 'NCHW', shape: [1, 3, 4, 5], options: { convention: 'pytorch' }, description: 'A batch of one sample: statistics over the spatial dims only.' },
  { id: 'nhwc/batch-1/spatial', layout: 'NHWC', shape: [1, 4, 5, 3], options: { convention: 'keras' }, description: 'A batch of one sample, channels last.' },
  { id: 'ncl/batch-1/spatial', layout: 'NCL', shape: [1, 2, 9], options: { convention: 'onnx' }, description: 'A batch of one sequence.' },
  { id: 'nc/batch-2/basic', layout: 'NC', shape: [2, 5], options: { convention: 'pytorch' }, description: 'N = 2 with no spatial dims: two values per channel, unbiased running variance doubles the batch variance.' },
  { id: 'nc/batch-2/keras', layout: 'NC', shape: [2, 3], options: { convention: 'keras' }, description: 'N = 2 under keras (biased running variance).' },
].map((recipe) => ({ ...recipe, group: 'edge' })) as CaseRecipe[];

const sizes: CaseRecipe[] = [
  { id: 'nc/c-1/basic', layout: 'NC', shape: [8, 1], options: { convention: 'pytorch' }, description: 'C = 1.' },
  { id: 'nchw/c-1/basic', layout: 'NCHW', shape: [3, 1, 5, 7], options: { convention: 'onnx' }, description: 'C = 1 with spatial dims.' },
  { id: 'nc/c-512/basic', layout: 'NC', shape: [4, 512], options: { convention: 'pytorch' }, description: 'C = 512, few values per channel.' },
  { id: 'nhwc/c-512/basic', layout: 'NHWC', shape: [1, 2, 3, 512], options: { convention: 'keras' }, description: 'C = 512 channels last.' },
  { id: 'nchw/odd/7x13', layout: 'NCHW', shape: [1, 7, 13, 7], options: { convention: 'pytorch' }, description: 'Odd dims 7 and 13, which no vector width divides.' },
  { id: 'nhwc/odd/13x7', layout: 'NHWC', shape: [1, 13, 7, 7], options: { convention: 'keras' }, description: 'Odd dims 13 and 7 channels last, C = 7.' },
  { id: 'ncl/odd/13', layout: 'NCL', shape: [3, 13, 7], options: { convention: 'onnx' }, description: 'C = 13, L = 7.' },
  { id: 'ndhwc/odd/7', layout: 'NDHWC', shape: [1, 3, 7, 5, 7], options: { convention: 'pytorch' }, description: 'C = 7 in a 3-d volume, channels last.' },
].map((recipe) => ({ ...recipe, group: 'sizes' })) as CaseRecipe[];

const runningStats: CaseRecipe[] = [
  { id: 'nchw/running-stats/pytorch-3-steps', layout: 'NCHW', shape: [2, 3, 4, 5], options: { convention: 'pytorch' }, steps: 3 },
  { id: 'nhwc/running-stats/keras-4-steps', layout: 'NHWC', shape: [2, 4, 5, 3], options: { convention: 'keras', momentum: 0.9 }, steps: 4 },
  { id: 'nchw/running-stats/onnx-3-steps', layout: 'NCHW', shape: [2, 3, 4, 5], options: { convention: 'onnx' }, steps: 3 },
  { id: 'nc/running-stats/cumulative-3-steps', layout: 'NC', shape: [6, 4], options: { convention: 'pytorch', momentum: null }, steps: 3 },
  { id: 'ncl/running-stats/cumulative-from-7', layout: 'NCL', shape: [2, 3, 5], options: { convention: 'pytorch', momentum: null }, steps: 3, numBatchesTracked: 7 },
].map((recipe) => ({
  ...recipe,
  group: 'running-stats',
  description: `${recipe.steps} training steps in a row under ${recipe.options.convention}${recipe.options.momentum === null ? ' (cumulative average)' : ''}; each starts from the previous step's expected running statistics.`,
})) as CaseRecipe[];

/*
 * Cases small enough to check with pencil and paper; spec/test/vectors.test.ts redoes their
 * arithmetic. The ONNX example is the BatchNormalization operator's documented example
 * (x = [[[[-1, 0, 1]], [[2, 3, 4]]]], scale [1, 1.5], B [0, 1], mean [0, 3], var [1, 1.5]).
 */
const hand: CaseRecipe[] = [
  {
    id: 'nc/hand/four-values',
    description: 'One channel, x = [1, 2, 3, 4]: mean 2.5, biased variance 1.25.',
    layout: 'NC',
    shape: [4, 1],
    options: { convention: 'pytorch' },
    explicit: { params: { gamma: [1], beta: [0], runningMean: [0], runningVar: [1], numBatchesTracked: 0 }, steps: [{ x: [1, 2, 3, 4], dy: [1, 0, 0, 0] }] },
  },
  {
    id: 'nchw/hand/onnx-example',
    description: "The ONNX BatchNormalization operator's documented example (inference), also trained.",
    layout: 'NCHW',
    shape: [1, 2, 1, 3],
    options: { convention: 'onnx' },
    explicit: {
      params: { gamma: [1, 1.5], beta: [0, 1], runningMean: [0, 3], runningVar: [1, 1.5] },
      steps: [{ x: [-1, 0, 1, 2, 3, 4], dy: [1, 1, 1, 0, 0, 1] }],
    },
  },
  {
    id: 'nc/hand/two-channels-keras',
    description: 'N = 2, C = 2 under keras: channel 0 holds [1, 3], channel 1 holds [10, 30].',
    layout: 'NC',
    shape: [2, 2],
    options: { convention: 'keras' },
    explicit: {
      params: { gamma: [2, 0.5], beta: [1, -1], runningMean: [0, 10], runningVar: [1, 4] },
      steps: [{ x: [1, 10, 3, 30], dy: [1, 2, -1, 0] }],
    },
  },
].map((recipe) => ({ ...recipe, group: 'hand' })) as CaseRecipe[];

/*
 * Where float32 ends (spec/README.md derives the bounds): BN is well defined in float32 while every
 * squared deviation (x - mean)^2 is a finite float32, |x - mean| < 2^64 (about 1.8e19), and the
 * variance is a normal float32, at least 2^-126 (about 1.2e-38). The two float32-range cases sit
 * just inside those bounds; the 1e30 case lies beyond the upper one (its variance, 1e60, has no
 * float32), where y is still well defined and a backend with float64 statistics gets it right;
 * the eps-1e-50 case holds an eps that rounds to 0 in float32 on a zero-variance channel.
 */
const float32Range: CaseRecipe[] = [
  {
    id: 'nc/eps-1e-50/zero-variance',
    description:
      'One repeated value with eps 1e-50 (0 in float32): invStd = 1e25 and y = beta = 0.5 exactly, in training and in inference (x equals the running mean, whose variance is 0).',
    layout: 'NC',
    shape: [4, 1],
    options: { convention: 'pytorch', eps: 1e-50 },
    explicit: {
      params: { gamma: [1.5], beta: [0.5], runningMean: [2], runningVar: [0], numBatchesTracked: 0 },
      steps: [
        { x: [2, 2, 2, 2], dy: [1, -2, 0.25, 0.5] },
        { x: [2, 2, 2, 2], dy: [-1, 0.5, 2, 1] },
      ],
    },
  },
  {
    id: 'nchw/scale-1e30/untracked',
    description:
      'x = 1e30 * noise, finite float32 values whose variance (1e60) no float32 holds: y is well defined, and a backend that squares or sums in float32 overflows (y = beta everywhere, or NaN).',
    layout: 'NCHW',
    shape: [2, 3, 4, 5],
    options: { convention: 'pytorch', trackRunningStats: false },
    values: { scale: 1e30 },
  },
  {
    id: 'nchw/scale-3.2e18/largest-float32',
    description: 'x = 3.2e18 * noise: the largest |x - mean| is 1.63e19, 0.88 of 2^64, where (x - mean)^2 and the variance are still finite float32 values.',
    layout: 'NCHW',
    shape: [2, 3, 4, 5],
    options: { convention: 'pytorch' },
    values: { scale: 3.2e18 },
    steps: 2,
  },
  {
    id: 'nhwc/scale-2.5e-19/smallest-float32',
    description: 'x = 2.5e-19 * noise with eps 0: the smallest variance is about twice 2^-126, the smallest normal float32; a variance computed where it underflows changes invStd.',
    layout: 'NHWC',
    shape: [2, 4, 5, 3],
    options: { convention: 'pytorch', eps: 0 },
    values: { scale: 2.5e-19 },
    steps: 2,
  },
].map((recipe) => ({ ...recipe, group: 'float32-range' })) as CaseRecipe[];

/** Every committed golden case, in the order the vectors directory lists them in reports. */
export const GOLDEN_CATALOG: readonly CaseRecipe[] = [
  ...layouts,
  ...conventions,
  ...eps,
  ...momentum,
  ...cumulative,
  ...numerics,
  ...edge,
  ...sizes,
  ...runningStats,
  ...hand,
  ...float32Range,
];
