import { bench, describe } from 'vitest';
import { decodeModel, exportBatchNormModel, foldBatchNorm, listBatchNormNodes, replaceBatchNormStatistics } from '../src/index.js';
import { resnetLikeModel } from './resnet-like-model.js';

const BLOCKS = 16;
const CHANNELS = 128;
const model = resnetLikeModel(BLOCKS, CHANNELS);
const ones = new Float32Array(CHANNELS).fill(1);
const everyNode = Array.from({ length: BLOCKS }, (_, b) => ({ node: `block${b}.bn`, gamma: ones, runningVar: ones }));

describe(`a ${BLOCKS}-block Conv/BN/Relu model, C = ${CHANNELS} (${(model.length / 1e6).toFixed(1)} MB)`, () => {
  bench('decodeModel', () => {
    decodeModel(model);
  });
  bench('listBatchNormNodes', () => {
    listBatchNormNodes(model);
  });
  bench('replaceBatchNormStatistics, one node', () => {
    replaceBatchNormStatistics(model, [everyNode[0] as (typeof everyNode)[number]]);
  });
  bench(`replaceBatchNormStatistics, all ${BLOCKS} nodes`, () => {
    replaceBatchNormStatistics(model, everyNode);
  });
  bench('foldBatchNorm', () => {
    foldBatchNorm(model);
  });
});

describe('export', () => {
  const c = 512;
  const stats = { gamma: new Float32Array(c).fill(1), beta: new Float32Array(c), runningMean: new Float32Array(c), runningVar: new Float32Array(c).fill(1), eps: 1e-5 };
  bench(`exportBatchNormModel, C = ${c}, NHWC`, () => {
    exportBatchNormModel(stats, { layout: 'NHWC' });
  });
});
