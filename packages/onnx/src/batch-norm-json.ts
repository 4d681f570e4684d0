import type { Layout } from '@bnkit/core';
import type { BnNodeStatistics, InputProducer, StatisticSource } from './batch-norm-nodes.js';

/** A BN node as plain JSON (`bnkit inspect --json`): arrays as number arrays, statistics not known before run time and absent fields as null. */
export interface BnNodeJson {
  name: string;
  /** Position in the graph's node list (a topological order). */
  index: number;
  /** Position among the BN nodes. */
  order: number;
  channels: number;
  layout: Layout | null;
  eps: number;
  momentum: number | null;
  trainingMode: boolean;
  producer: InputProducer;
  sources: { gamma: StatisticSource; beta: StatisticSource; runningMean: StatisticSource; runningVar: StatisticSource };
  gamma: number[] | null;
  beta: number[] | null;
  runningMean: number[] | null;
  runningVar: number[] | null;
}

const list = (values: ArrayLike<number> | undefined): number[] | null => (values === undefined ? null : Array.from(values));

/** The JSON form of `listBatchNormNodes`'s result. */
export function batchNormNodesToJson(nodes: readonly BnNodeStatistics[]): BnNodeJson[] {
  return nodes.map((n) => ({
    name: n.name,
    index: n.index,
    order: n.order,
    channels: n.channels,
    layout: n.layout ?? null,
    eps: n.eps,
    momentum: n.momentum ?? null,
    trainingMode: n.trainingMode,
    producer: n.producer,
    sources: n.sources,
    gamma: list(n.gamma),
    beta: list(n.beta),
    runningMean: list(n.runningMean),
    runningVar: list(n.runningVar),
  }));
}
