import { BnValueError, describeValue } from '@bnkit/core';
import { listBatchNormNodes, parseModelProto, type BnNodeStatistics, type ExternalDataResolver, type ModelProto } from '@bnkit/onnx';
import { checkCalibrationData, type CalibrationData, type DeclaredInput } from './calibration-data.js';
import { analyseGraph, frontierAfterPass, planCompute, type BatchNormSite, type GraphAnalysis } from './graph-analysis.js';
import { inlineExternalData } from './inline-external-data.js';
import { createRunSession, loadOrt, type OrtTensor, type RunSessionOptions } from './ort-session.js';
import { batchStatisticNames, buildRunModel, ELEM_TYPE, type SuppliedStatistics } from './run-model.js';
import { BatchAverageStatistics, capturedFloats, inputMoments, PopulationStatistics } from './statistics-accumulators.js';

/**
 * `train`: each BN normalises with its batch's statistics during the pass, and its new running
 * mean and variance are the averages over batches of the batch mean and the unbiased batch
 * variance (`torch.optim.swa_utils.update_bn`, fvcore's precise BN).
 * `eval`: in topological order, each BN gets the population mean and biased variance of its
 * input over all the data, with every earlier BN already holding its new statistics (AdaBN).
 */
export type RecalibrationMode = 'train' | 'eval';

/** Which batches a shard takes: batch i belongs to shard i mod count (0-based index). */
export interface Shard {
  index: number;
  count: number;
}

/** Progress of a recalibration: `done` of `total` batches of pass `pass` (1-based) of `passes`. */
export interface RecalibrationProgress {
  pass: number;
  passes: number;
  done: number;
  total: number;
}

/** Options of `computeRecalibration` and `recalibrateModel`. */
export interface RecalibrateOptions {
  data: CalibrationData;
  /** Default `train`. */
  mode?: RecalibrationMode;
  /** Only this shard's batches (train mode only). */
  shard?: Shard;
  /** Reads external data files of the model. */
  externalData?: ExternalDataResolver;
  onProgress?: (progress: RecalibrationProgress) => void;
  session?: RunSessionOptions;
}

/** The new statistics of one BN node, in float64. */
export interface NodeRecalibration {
  site: BatchNormSite;
  mean: Float64Array;
  /** Train mode: the average unbiased batch variance; eval mode: the biased population variance. */
  variance: Float64Array;
}

/** Train mode's per-node sums, the content of a shard's partial file. */
export interface TrainSums {
  index: number;
  name: string;
  batches: number;
  sumMean: number[];
  sumVariance: number[];
}

/** What a recalibration computed, before anything is written. */
export interface RecalibrationStatistics {
  mode: RecalibrationMode;
  /** Batches used (the shard's, when sharded). */
  batches: number;
  /** Batches in the whole data set. */
  totalBatches: number;
  /** Runs of ONNX Runtime over the data (each over every batch used). */
  passes: number;
  /** Graph nodes executed per batch over all passes, and the model's node count, to compare with whole-model runs. */
  nodeExecutions: number;
  modelNodes: number;
  nodes: NodeRecalibration[];
  /** Train mode: the per-node sums a shard hands to `mergePartials`. */
  sums?: TrainSums[];
}

const ORT_ELEM_TYPES: Readonly<Record<string, number>> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11 };

/** The element type number of a BN node's statistics (float32 when nothing declares one). */
function statisticElemType(node: BnNodeStatistics | undefined): number {
  const type = node?.sources.runningMean.dataType;
  return type === 'float16' ? ELEM_TYPE.float16 : type === 'float64' ? ELEM_TYPE.double : ELEM_TYPE.float;
}

function checkShard(shard: Shard | undefined, mode: RecalibrationMode): void {
  if (shard === undefined) return;
  if (mode !== 'train') {
    throw new BnValueError('shard', 'train mode (eval mode needs every earlier node\'s statistics over all the data before it can start the next node)', `mode ${mode}`);
  }
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new BnValueError('shard', 'K/N with integers 0 <= K < N', `${describeValue(shard.index)}/${describeValue(shard.count)}`);
  }
}

/** A decoded model ready to run: the proto (external data inlined), its analysis, BN listing and declared inputs. */
interface Prepared {
  proto: ModelProto;
  analysis: GraphAnalysis;
  listed: Map<number, BnNodeStatistics>;
  declared: Map<string, DeclaredInput>;
}

function prepare(bytes: Uint8Array, externalData: ExternalDataResolver | undefined): Prepared {
  const listed = new Map(listBatchNormNodes(bytes, externalData ? { externalData } : {}).map((n) => [n.index, n]));
  const proto = inlineExternalData(parseModelProto(bytes, 'model'), externalData);
  const analysis = analyseGraph(proto);
  const declared = new Map<string, DeclaredInput>();
  for (const v of proto.graph?.input ?? []) {
    const tensorType = v.type?.tensorType;
    const dims = tensorType?.shape?.dim;
    declared.set(v.name ?? '', {
      name: v.name ?? '',
      elemType: tensorType?.elemType ?? 0,
      shape: dims ? dims.map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : '')) : undefined,
    });
  }
  return { proto, analysis, listed, declared };
}

async function toFeeds(batch: Record<string, { dataType: string; dims: readonly number[]; data: Float32Array | Float64Array | BigInt64Array }>, names: Iterable<string>): Promise<Record<string, OrtTensor>> {
  const ort = await loadOrt();
  const feeds: Record<string, OrtTensor> = {};
  for (const name of names) {
    const t = batch[name];
    if (t) feeds[name] = new ort.Tensor(t.dataType as 'float32', t.data as Float32Array, [...t.dims]);
  }
  return feeds;
}

/**
 * Computes new BN statistics of a model over calibration data (see `RecalibrationMode`), in
 * float64, running the model in ONNX Runtime with graph optimisations off. Every batch is checked
 * against the model's inputs before any work. Train mode costs one pass over the data; eval mode
 * one pass per BN level (a node's level is the length of the longest chain of BN nodes before
 * it), each pass running only the nodes between the tensors cached by the previous pass and the
 * inputs of that level's BN nodes.
 * @throws BnValueError for data that does not fit the model (naming the file), a bad shard or a
 *   shard in eval mode; OnnxFormatError for an invalid model; BnBackendError when ONNX Runtime
 *   cannot run it.
 */
export async function computeRecalibration(bytes: Uint8Array, options: RecalibrateOptions): Promise<RecalibrationStatistics> {
  const mode = options.mode ?? 'train';
  if (mode !== 'train' && mode !== 'eval') throw new BnValueError('mode', "'train' or 'eval'", describeValue(mode));
  checkShard(options.shard, mode);
  const prepared = prepare(bytes, options.externalData);
  const { analysis } = prepared;
  const sites = analysis.batchNorms;
  const everyBn = new Set(sites.map((s) => s.index));
  const fed = new Set(analysis.graphInputs);
  const needed = planCompute(analysis, sites.map((s) => s.y), fed, everyBn).reads;
  const inputs = needed.map((name) => prepared.declared.get(name) as DeclaredInput);
  await checkCalibrationData(options.data, inputs);
  const shard = options.shard;
  const used = Array.from({ length: options.data.batches }, (_, i) => i).filter((i) => !shard || i % shard.count === shard.index);
  const base = { mode, batches: used.length, totalBatches: options.data.batches, modelNodes: analysis.nodes.length };
  if (sites.length === 0) return { ...base, passes: 0, nodeExecutions: 0, nodes: [], ...(mode === 'train' ? { sums: [] } : {}) };
  if (mode === 'train') return { ...base, ...(await trainPass(prepared, inputs, used, options)) };
  return { ...base, ...(await evalPasses(prepared, inputs, used, options)) };
}

async function trainPass(prepared: Prepared, inputs: readonly DeclaredInput[], used: readonly number[], options: RecalibrateOptions) {
  const { analysis, proto, listed } = prepared;
  const sites = analysis.batchNorms;
  const plan = planCompute(analysis, sites.map((s) => s.y), new Set(analysis.graphInputs), new Set(sites.map((s) => s.index)));
  const batchStatistics = new Map(sites.map((site) => [site.index, { site, elemType: statisticElemType(listed.get(site.index)) }]));
  const outputs = sites.flatMap((site) => Object.values(batchStatisticNames(site)));
  const model = buildRunModel(proto, { nodes: plan.nodes, inputs: inputs.map((i) => ({ name: i.name, elemType: i.elemType })), outputs, batchStatistics });
  const session = await createRunSession(model, options.session);
  const sums = sites.map((site) => new BatchAverageStatistics(listed.get(site.index)?.channels ?? 0));
  try {
    for (const [done, b] of used.entries()) {
      const results = await session.run(await toFeeds(await options.data.read(b), plan.reads), outputs);
      sites.forEach((site, i) => {
        const names = batchStatisticNames(site);
        const mean = capturedFloats(results[names.mean] as OrtTensor, `batch mean of ${site.label}`);
        const variance = capturedFloats(results[names.variance] as OrtTensor, `batch variance of ${site.label}`);
        const size = Number((results[names.size] as OrtTensor).data[0]);
        (sums[i] as BatchAverageStatistics).add(mean, variance, size / mean.length);
      });
      options.onProgress?.({ pass: 1, passes: 1, done: done + 1, total: used.length });
    }
  } finally {
    await session.release();
  }
  return {
    passes: 1,
    nodeExecutions: plan.nodes.length,
    nodes: sites.map((site, i) => ({ site, mean: (sums[i] as BatchAverageStatistics).mean(), variance: (sums[i] as BatchAverageStatistics).variance() })),
    sums: sites.map((site, i) => {
      const s = sums[i] as BatchAverageStatistics;
      return { index: site.index, name: site.name, batches: s.batches, sumMean: Array.from(s.sumMean), sumVariance: Array.from(s.sumVariance) };
    }),
  };
}

async function evalPasses(prepared: Prepared, inputs: readonly DeclaredInput[], used: readonly number[], options: RecalibrateOptions) {
  const { analysis, proto, listed } = prepared;
  const graphInputs = new Set(inputs.map((i) => i.name));
  const results = new Map<number, NodeRecalibration>();
  const supplied = new Map<number, SuppliedStatistics>();
  // Values computed by earlier passes that later passes start from, per batch.
  let cache = new Map<string, OrtTensor[]>();
  let nodeExecutions = 0;
  for (let level = 0; level < analysis.levels; level++) {
    const sites = analysis.batchNorms.filter((s) => s.level === level);
    const next = [...frontierAfterPass(analysis, level)].filter((name) => !graphInputs.has(name));
    const available = new Set([...graphInputs, ...cache.keys()]);
    const wanted = [...new Set([...sites.map((s) => s.x), ...next])];
    const computed = wanted.filter((name) => !available.has(name));
    const plan = planCompute(analysis, wanted, available, new Set(supplied.keys()));
    nodeExecutions += plan.nodes.length;
    const runInputs = plan.reads.map((name) => ({ name, elemType: graphInputs.has(name) ? (prepared.declared.get(name)?.elemType ?? 1) : (ORT_ELEM_TYPES[cache.get(name)?.[0]?.type ?? 'float32'] ?? 1) }));
    const session = computed.length > 0 ? await createRunSession(buildRunModel(proto, { nodes: plan.nodes, inputs: runInputs, outputs: computed, statistics: supplied }), options.session) : undefined;
    const population = sites.map(() => new PopulationStatistics());
    const nextCache = new Map<string, OrtTensor[]>(next.map((name) => [name, []]));
    try {
      for (const [done, b] of used.entries()) {
        const needsData = plan.reads.some((name) => graphInputs.has(name));
        const feeds = needsData ? await toFeeds(await options.data.read(b), plan.reads.filter((n) => graphInputs.has(n))) : {};
        for (const name of plan.reads) if (!graphInputs.has(name)) feeds[name] = cache.get(name)?.[done] as OrtTensor;
        const outputs = session ? await session.run(feeds, computed) : {};
        const value = (name: string): OrtTensor => (outputs[name] ?? feeds[name]) as OrtTensor;
        sites.forEach((site, i) => (population[i] as PopulationStatistics).add(inputMoments(value(site.x), listed.get(site.index)?.channels ?? 0, `input of ${site.label}`)));
        for (const name of next) (nextCache.get(name) as OrtTensor[])[done] = value(name);
        options.onProgress?.({ pass: level + 1, passes: analysis.levels, done: done + 1, total: used.length });
      }
    } finally {
      await session?.release();
    }
    cache = nextCache;
    sites.forEach((site, i) => {
      const p = population[i] as PopulationStatistics;
      const node = { site, mean: p.mean(), variance: p.variance() };
      results.set(site.index, node);
      supplied.set(site.index, { mean: node.mean, variance: node.variance, elemType: statisticElemType(listed.get(site.index)) });
    });
  }
  return { passes: analysis.levels, nodeExecutions, nodes: analysis.batchNorms.map((s) => results.get(s.index) as NodeRecalibration) };
}
