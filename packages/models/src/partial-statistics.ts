import { BnValueError, describeValue } from '@bnkit/core';
import { createHash } from 'node:crypto';
import { analyseGraph } from './graph-analysis.js';
import type { RecalibrationStatistics, Shard, TrainSums } from './recalibrate.js';
import { BatchAverageStatistics } from './statistics-accumulators.js';
import { parseModelProto } from '@bnkit/onnx';

/** The format tag of a partial-statistics file. */
export const PARTIAL_FORMAT = 'bnkit-recalibration-partial';

/**
 * One shard's train-mode statistics: per BN node, the number of batches and the float64 sums of
 * the batch means and unbiased batch variances. Sums merge exactly by addition (up to the order
 * of float64 additions), which is why train mode shards; see `mergePartials`.
 */
export interface PartialStatistics {
  format: typeof PARTIAL_FORMAT;
  version: 1;
  mode: 'train';
  /** SHA-256 of the model bytes, so that shards of different models are not merged. */
  modelSha256: string;
  shard: Shard;
  /** Batches in the whole data set (every shard must agree). */
  totalBatches: number;
  /** Batches this shard used. */
  batches: number;
  nodes: TrainSums[];
}

/** The hex SHA-256 of model bytes. */
export function modelDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The partial file of a sharded train-mode run.
 * @throws BnValueError when the statistics are not a train-mode shard's.
 */
export function toPartial(model: Uint8Array, statistics: RecalibrationStatistics, shard: Shard): PartialStatistics {
  if (statistics.mode !== 'train' || !statistics.sums) throw new BnValueError('mode', "'train' (only train mode shards)", describeValue(statistics.mode));
  return { format: PARTIAL_FORMAT, version: 1, mode: 'train', modelSha256: modelDigest(model), shard, totalBatches: statistics.totalBatches, batches: statistics.batches, nodes: statistics.sums };
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/**
 * Checks a parsed partial file's structure.
 * @throws BnValueError naming `where` and the field at fault.
 */
export function checkPartial(value: unknown, where: string): PartialStatistics {
  const p = value as Partial<PartialStatistics> | null;
  if (!p || typeof p !== 'object' || p.format !== PARTIAL_FORMAT || p.version !== 1 || p.mode !== 'train') {
    throw new BnValueError(where, `a ${PARTIAL_FORMAT} file, version 1, mode train`, describeValue(p && typeof p === 'object' ? { format: p.format, version: p.version, mode: p.mode } : p));
  }
  if (typeof p.modelSha256 !== 'string' || !p.shard || !Number.isInteger(p.shard.index) || !Number.isInteger(p.shard.count) || !Number.isInteger(p.totalBatches) || !Array.isArray(p.nodes)) {
    throw new BnValueError(where, 'modelSha256, shard {index, count}, totalBatches and nodes', 'a field missing or of the wrong type');
  }
  p.nodes.forEach((n, i) => {
    if (!Number.isInteger(n.index) || !Number.isInteger(n.batches) || !isNumberArray(n.sumMean) || !isNumberArray(n.sumVariance) || n.sumMean.length !== n.sumVariance.length) {
      throw new BnValueError(`${where} nodes[${i}]`, 'index, batches, and sumMean / sumVariance of one length of finite numbers', describeValue(Object.keys(n)));
    }
  });
  return p as PartialStatistics;
}

/**
 * Merges the partial files of every shard of a train-mode run into the statistics one run over
 * all the batches gives: per node, the sums are added and divided by the total batch count.
 * @throws BnValueError when a partial belongs to another model, the shards are not exactly
 *   0..N-1 of one N, they disagree on the data set's size, or their nodes differ.
 */
export function mergePartials(model: Uint8Array, partials: readonly PartialStatistics[], names: readonly string[] = partials.map((_, i) => `partial ${i}`)): RecalibrationStatistics {
  const digest = modelDigest(model);
  const first = partials[0];
  if (!first) throw new BnValueError('--merge', 'at least one partial file', 'none');
  const seen = new Set<number>();
  partials.forEach((p, i) => {
    const where = names[i] ?? `partial ${i}`;
    if (p.modelSha256 !== digest) throw new BnValueError(where, `partial statistics of this model (sha256 ${digest.slice(0, 12)}…)`, `those of model ${p.modelSha256.slice(0, 12)}…`);
    if (p.shard.count !== first.shard.count || p.totalBatches !== first.totalBatches) {
      throw new BnValueError(where, `shard count ${first.shard.count} and ${first.totalBatches} batches in all, as ${names[0]} says`, `${p.shard.count} and ${p.totalBatches}`);
    }
    if (seen.has(p.shard.index)) throw new BnValueError(where, 'each shard once', `shard ${p.shard.index} again`);
    seen.add(p.shard.index);
  });
  const missing = Array.from({ length: first.shard.count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new BnValueError('--merge', `all ${first.shard.count} shards`, `shards ${missing.join(', ')} missing`);
  const analysis = analyseGraph(parseModelProto(model, 'model'));
  const nodes = analysis.batchNorms.map((site) => {
    const sums = new BatchAverageStatistics(0);
    partials.forEach((p, i) => {
      const n = p.nodes.find((x) => x.index === site.index);
      if (!n) throw new BnValueError(names[i] ?? `partial ${i}`, `statistics of BN node ${describeValue(site.label)}`, 'none');
      if (n.batches > 0) sums.merge({ batches: n.batches, sumMean: n.sumMean, sumVariance: n.sumVariance });
    });
    if (sums.batches !== first.totalBatches) throw new BnValueError('--merge', `${first.totalBatches} batches over all shards`, `${sums.batches}`);
    return { site, mean: sums.mean(), variance: sums.variance() };
  });
  return {
    mode: 'train',
    batches: first.totalBatches,
    totalBatches: first.totalBatches,
    passes: 1,
    nodeExecutions: 0,
    modelNodes: analysis.nodes.length,
    nodes,
  };
}
