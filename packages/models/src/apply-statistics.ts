import { listBatchNormNodes, parseModelProto, replaceBatchNormStatistics, type BnNodeStatistics, type ExternalDataResolver, type InputProducer, type StatisticSourceKind, type StatisticsUpdate } from '@bnkit/onnx';
import type { RecalibrationStatistics } from './recalibrate.js';

/** One BN node in a recalibration report. Arrays are per channel; old values are null when the model does not hold them. */
export interface NodeReport {
  name: string;
  /** The node's name, or `#index` when unnamed. */
  label: string;
  /** Position in the graph's node list (topological). */
  index: number;
  /** Position among the BN nodes. */
  order: number;
  /** Its BN level (eval mode's pass, 0-based). */
  level: number;
  channels: number;
  eps: number;
  producer: InputProducer | null;
  /** Where input_mean and input_var come from. */
  source: StatisticSourceKind | 'unknown';
  /** Whether the new statistics were written into the model. */
  written: boolean;
  /** Why not, when they were not. */
  reason?: string;
  oldMean: number[] | null;
  oldVariance: number[] | null;
  newMean: number[];
  newVariance: number[];
  /** (new mean − old mean) / √(old variance + eps): how far the mean moved, in old standard deviations. */
  meanShift: number[] | null;
  /** The largest |meanShift| over channels. */
  maxAbsShift: number | null;
  /** new variance / old variance, smallest and largest over channels. */
  varianceRatio: { min: number; max: number } | null;
}

/** What a recalibration did: the mode, the data used, the cost and one report per BN node. */
export interface RecalibrationReport {
  mode: RecalibrationStatistics['mode'];
  batches: number;
  totalBatches: number;
  passes: number;
  nodeExecutions: number;
  modelNodes: number;
  written: number;
  notWritten: number;
  nodes: NodeReport[];
}

function whyNotWritable(node: BnNodeStatistics, uses: ReadonlyMap<string, number>): string | undefined {
  const kinds = [node.sources.runningMean.kind, node.sources.runningVar.kind];
  if (kinds.includes('graph-input')) return 'statistics supplied at run time (graph inputs): feed these values instead';
  if (kinds.includes('computed')) return 'statistics computed at run time by other nodes';
  if (kinds.includes('constant-node')) return 'statistics held by Constant nodes (bnkit rewrites initializers only)';
  for (const tensor of [node.inputNames.mean, node.inputNames.variance]) {
    if ((uses.get(tensor) ?? 0) > 1) return `initializer ${JSON.stringify(tensor)} is also read by other nodes`;
  }
  return undefined;
}

const list = (values: ArrayLike<number> | undefined): number[] | null => (values === undefined ? null : Array.from(values));

/**
 * Writes new BN statistics into a model: input_mean and input_var of every node whose statistics
 * are initializers of its own are replaced byte-preservingly (`replaceBatchNormStatistics`:
 * nothing else in the model changes; values are rounded to the stored element type); the
 * others are reported with the reason they were not written. Returns the new bytes and the report.
 * @throws OnnxFormatError for an invalid model; the resolver's errors.
 */
export function applyRecalibration(bytes: Uint8Array, statistics: RecalibrationStatistics, externalData?: ExternalDataResolver): { bytes: Uint8Array; report: RecalibrationReport } {
  const listed = new Map(listBatchNormNodes(bytes, externalData ? { externalData } : {}).map((n) => [n.index, n]));
  const uses = new Map<string, number>();
  // Uses over every node (not only BN nodes) decide whether an initializer is the node's own.
  for (const node of parseModelProto(bytes, 'model').graph?.node ?? []) for (const name of node.input ?? []) uses.set(name, (uses.get(name) ?? 0) + 1);
  const updates: StatisticsUpdate[] = [];
  const nodes: NodeReport[] = statistics.nodes.map(({ site, mean, variance }) => {
    const node = listed.get(site.index);
    const reason = node ? whyNotWritable(node, uses) : 'not found in the model';
    // Found by index: unnamed nodes and shared names are written too.
    if (node && reason === undefined) updates.push({ node: node.name, index: node.index, runningMean: mean, runningVar: variance });
    const eps = node?.eps ?? 0;
    const oldMean = node?.runningMean;
    const oldVariance = node?.runningVar;
    const meanShift = oldMean && oldVariance ? Array.from(mean, (m, c) => (m - (oldMean[c] as number)) / Math.sqrt((oldVariance[c] as number) + eps)) : null;
    const ratios = oldVariance ? Array.from(variance, (v, c) => v / (oldVariance[c] as number)) : null;
    const report: NodeReport = {
      name: site.name,
      label: site.label,
      index: site.index,
      order: site.order,
      level: site.level,
      channels: mean.length,
      eps,
      producer: node?.producer ?? null,
      source: node?.sources.runningMean.kind ?? 'unknown',
      written: reason === undefined,
      oldMean: list(oldMean),
      oldVariance: list(oldVariance),
      newMean: Array.from(mean),
      newVariance: Array.from(variance),
      meanShift,
      maxAbsShift: meanShift ? Math.max(...meanShift.map(Math.abs)) : null,
      varianceRatio: ratios ? { min: Math.min(...ratios), max: Math.max(...ratios) } : null,
    };
    if (reason !== undefined) report.reason = reason;
    return report;
  });
  const out = updates.length > 0 ? replaceBatchNormStatistics(bytes, updates) : bytes;
  const written = nodes.filter((n) => n.written).length;
  return {
    bytes: out,
    report: {
      mode: statistics.mode,
      batches: statistics.batches,
      totalBatches: statistics.totalBatches,
      passes: statistics.passes,
      nodeExecutions: statistics.nodeExecutions,
      modelNodes: statistics.modelNodes,
      written,
      notWritten: nodes.length - written,
      nodes,
    },
  };
}
