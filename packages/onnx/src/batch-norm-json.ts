import type { Layout } from '@bnkit/core';
import type { BnNodeStatistics } from './batch-norm-nodes.js';

/** A BN node as plain JSON (`bnkit inspect --json`): arrays as number arrays, absent fields as null. */
export interface BnNodeJson {
  name: string;
  index: number;
  channels: number;
  layout: Layout | null;
  eps: number;
  momentum: number | null;
  trainingMode: boolean;
  gamma: number[];
  beta: number[];
  runningMean: number[];
  runningVar: number[];
}

/** The JSON form of `listBatchNormNodes`'s result. */
export function batchNormNodesToJson(nodes: readonly BnNodeStatistics[]): BnNodeJson[] {
  return nodes.map((n) => ({
    name: n.name,
    index: n.index,
    channels: n.channels,
    layout: n.layout ?? null,
    eps: n.eps,
    momentum: n.momentum ?? null,
    trainingMode: n.trainingMode,
    gamma: Array.from(n.gamma),
    beta: Array.from(n.beta),
    runningMean: Array.from(n.runningMean),
    runningVar: Array.from(n.runningVar),
  }));
}
