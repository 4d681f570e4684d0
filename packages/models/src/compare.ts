import { listBackends, openBackends, referenceInference, type Backend, type FloatArray, type InferenceInput, type Layout } from '@bnkit/core';
import { createCaptureWriter } from './capture-files.js';
import { captureFromModel, type CaptureFromModelOptions, type CapturedArray, type CapturedNodeInfo, type CaptureSource } from './capture-source.js';
import { ErrorAccumulator, type ErrorStatistics } from './error-statistics.js';

/** The name of the row holding what ONNX Runtime computed inside the model. */
export const MODEL_ROW = 'onnxruntime-node (in the model)';

/** One engine's result at one BN node, against the float64 reference. */
export interface EngineRow {
  engine: string;
  /** `model`: ONNX Runtime's own output inside the model; `backend`: a bnkit backend recomputing the node. */
  kind: 'model' | 'backend';
  status: 'compared' | 'unsupported' | 'unavailable' | 'error';
  /** Why it was not compared. */
  reason?: string;
  statistics: ErrorStatistics | null;
}

/** One BN node's comparison: the node as captured, then one row per engine. */
export interface NodeComparison extends Pick<CapturedNodeInfo, 'order' | 'index' | 'name' | 'label' | 'producer' | 'channels'> {
  /** The dims of X in the first batch. */
  shape: readonly number[];
  /** Why the node was not recomputed, when it was not. */
  skipped?: string;
  rows: EngineRow[];
}

/** The node where an engine's largest error in float32 units in the last place lies. */
export interface WorstNode {
  engine: string;
  order: number;
  label: string;
  maxUlp: number;
  maxAbs: number;
}

/** How far one model output moves when ONNX Runtime's optimisations (BN fused into Conv) are on. */
export interface FusedOutput {
  output: string;
  /** Fused against unfused. */
  statistics: ErrorStatistics;
}

/** The result of `compareBatchNormNodes`. */
export interface ComparisonReport {
  origin: CaptureSource['origin'];
  batches: number;
  /** Every row's engine, ONNX Runtime's first. */
  engines: string[];
  nodes: NodeComparison[];
  /** Per engine, the node with its largest ULP distance (ties: the largest absolute error, then the first). */
  worst: WorstNode[];
  /** The compared node with the largest ULP distance over every engine, or null when none was compared. */
  worstOverall: WorstNode | null;
  fused: FusedOutput[];
}

/** Options of `compareCapture`. */
export interface CompareCaptureOptions {
  /**
   * Registered bnkit backends to recompute each node with (opened through core's registry; the
   * caller loads the backend packages before and closes them with `closeAllBackends` after).
   * Default: every registered backend of role `backend` that runs in Node. Yardsticks are left
   * out: the float64 reference computes the expected values.
   */
  backends?: readonly string[];
  /** A folder to save the capture in, for `loadCapture` to replay. */
  save?: string;
  /** Called after each batch. */
  onProgress?: (done: number, total: number) => void;
}

/** Options of `compareBatchNormNodes`. */
export type CompareOptions = CaptureFromModelOptions & CompareCaptureOptions;

const CHANNELS_FIRST: Readonly<Record<number, Layout>> = { 2: 'NC', 3: 'NCL', 4: 'NCHW', 5: 'NCDHW' };

interface Engine {
  name: string;
  backend?: Backend;
  unavailable?: string;
}

function inferenceInput(node: CapturedNodeInfo, x: CapturedArray, layout: Layout, convention: InferenceInput['options'], asFloat32: boolean): InferenceInput {
  const cast = (a: FloatArray | undefined): FloatArray | undefined => (a && asFloat32 && a instanceof Float64Array ? Float32Array.from(a) : a);
  return {
    x: asFloat32 && x.data instanceof Float64Array ? Float32Array.from(x.data) : x.data,
    shape: x.dims,
    layout,
    ...(convention ? { options: convention } : {}),
    gamma: cast(node.gamma) as FloatArray,
    beta: cast(node.beta) as FloatArray,
    runningMean: cast(node.mean) as FloatArray,
    runningVar: cast(node.variance) as FloatArray,
  };
}

/** Why a backend cannot run a node's inference, or undefined when it can. */
function unsupported(backend: Backend, layout: Layout, x: CapturedArray): string | undefined {
  const caps = backend.capabilities;
  if (!caps.operations.includes('inference')) return 'no inference';
  if (!caps.layouts.includes(layout)) return `no ${layout} layout`;
  if (!caps.dtypes.includes('float32') && x.data instanceof Float32Array) return 'no float32 input';
  return undefined;
}

/** The node with an engine's largest ULP distance (ties: larger absolute error, then the earlier node). */
function worstOf(engine: string, nodes: readonly NodeComparison[]): WorstNode | null {
  let worst: WorstNode | null = null;
  for (const node of nodes) {
    const s = node.rows.find((r) => r.engine === engine)?.statistics;
    if (!s) continue;
    if (!worst || s.maxUlp > worst.maxUlp || (s.maxUlp === worst.maxUlp && s.maxAbs > worst.maxAbs)) {
      worst = { engine, order: node.order, label: node.label, maxUlp: s.maxUlp, maxAbs: s.maxAbs };
    }
  }
  return worst;
}

async function openEngines(names: readonly string[] | undefined): Promise<Engine[]> {
  const chosen = (names ?? listBackends({ environment: 'node', role: 'backend' })).filter((name) => !listBackends({ role: 'yardstick' }).includes(name));
  const opened = await openBackends(chosen);
  return opened.map((slot) => (slot.status === 'ready' ? { name: slot.name, backend: slot.backend } : { name: slot.name, unavailable: slot.reason }));
}

/**
 * Compares captured BN nodes: for each node and batch, the float64 reference (core's
 * `referenceInference`, on the captured X with the node's statistics and epsilon, channels-first
 * as ONNX's BatchNormalization reads X) gives the expected Y; ONNX Runtime's captured Y and each
 * backend's recomputed Y are measured against it (`ErrorStatistics` over every batch). The model
 * outputs of the fused run are measured against the unfused ones.
 * @throws the source's read errors; BnValueError for a `save` folder that is not empty.
 */
export async function compareCapture(source: CaptureSource, options: CompareCaptureOptions = {}): Promise<ComparisonReport> {
  const engines = await openEngines(options.backends);
  const writer = options.save !== undefined ? await createCaptureWriter(options.save, source) : undefined;
  const model = source.nodes.map(() => new ErrorAccumulator());
  const perBackend = source.nodes.map(() => engines.map(() => new ErrorAccumulator()));
  const failures = source.nodes.map(() => engines.map((): { status: EngineRow['status']; reason: string } | undefined => undefined));
  const shapes: (readonly number[])[] = source.nodes.map(() => []);
  const fused = new Map<string, ErrorAccumulator>();
  for (let b = 0; b < source.batches; b++) {
    const batch = await source.read(b);
    await writer?.writeBatch(b, batch);
    for (const node of source.nodes) {
      const captured = batch.nodes[node.order];
      if (!captured) continue;
      if (b === 0) shapes[node.order] = captured.x.dims;
      const layout = CHANNELS_FIRST[captured.x.dims.length];
      if (node.skipped !== undefined || layout === undefined) continue;
      const expected = referenceInference(inferenceInput(node, captured.x, layout, { convention: 'onnx', eps: node.eps }, false)).y;
      (model[node.order] as ErrorAccumulator).add(captured.y.data, expected);
      for (const [e, engine] of engines.entries()) {
        const failed = failures[node.order] as ({ status: EngineRow['status']; reason: string } | undefined)[];
        if (!engine.backend || failed[e]) continue;
        const why = unsupported(engine.backend, layout, captured.x);
        if (why) {
          failed[e] = { status: 'unsupported', reason: why };
          continue;
        }
        const caps = engine.backend.capabilities;
        const convention = caps.conventions.includes('onnx') ? 'onnx' : caps.conventions[0];
        try {
          const input = inferenceInput(node, captured.x, layout, { ...(convention ? { convention } : {}), eps: node.eps }, !caps.dtypes.includes('float64'));
          const { y } = await engine.backend.inference(input);
          (perBackend[node.order]?.[e] as ErrorAccumulator).add(y, expected);
        } catch (error) {
          failed[e] = { status: 'error', reason: error instanceof Error ? error.message : String(error) };
        }
      }
    }
    for (const [name, unfused] of Object.entries(batch.unfused)) {
      const moved = batch.fused[name];
      if (!moved) continue;
      if (!fused.has(name)) fused.set(name, new ErrorAccumulator());
      fused.get(name)?.add(moved.data, unfused.data);
    }
    options.onProgress?.(b + 1, source.batches);
  }
  await writer?.finish();
  const nodes: NodeComparison[] = source.nodes.map((node) => {
    const rank = shapes[node.order]?.length ?? 0;
    const skipped = node.skipped ?? (CHANNELS_FIRST[rank] === undefined ? `X of rank ${rank}: bnkit's layouts have rank 2 to 5` : undefined);
    const base = { order: node.order, index: node.index, name: node.name, label: node.label, producer: node.producer, channels: node.channels, shape: shapes[node.order] ?? [] };
    if (skipped !== undefined) {
      const reason = `not recomputed: ${skipped}`;
      const rows: EngineRow[] = [MODEL_ROW, ...engines.map((e) => e.name)].map((engine, i) => ({ engine, kind: i === 0 ? 'model' : 'backend', status: 'unsupported', reason, statistics: null }));
      return { ...base, skipped, rows };
    }
    const rows: EngineRow[] = [{ engine: MODEL_ROW, kind: 'model', status: 'compared', statistics: (model[node.order] as ErrorAccumulator).result() }];
    for (const [e, engine] of engines.entries()) {
      const failed = failures[node.order]?.[e];
      if (engine.unavailable !== undefined) rows.push({ engine: engine.name, kind: 'backend', status: 'unavailable', reason: engine.unavailable, statistics: null });
      else if (failed) rows.push({ engine: engine.name, kind: 'backend', status: failed.status, reason: failed.reason, statistics: null });
      else rows.push({ engine: engine.name, kind: 'backend', status: 'compared', statistics: (perBackend[node.order]?.[e] as ErrorAccumulator).result() });
    }
    return { ...base, rows };
  });
  const names = [MODEL_ROW, ...engines.map((e) => e.name)];
  const worst = names.map((engine) => worstOf(engine, nodes)).filter((w): w is WorstNode => w !== null);
  const worstOverall = worst.reduce<WorstNode | null>((a, w) => (!a || w.maxUlp > a.maxUlp || (w.maxUlp === a.maxUlp && w.maxAbs > a.maxAbs) ? w : a), null);
  return {
    origin: source.origin,
    batches: source.batches,
    engines: names,
    nodes,
    worst,
    worstOverall,
    fused: [...fused].map(([output, acc]) => ({ output, statistics: acc.result() })),
  };
}

/**
 * Compares every BN node of an ONNX model across backends: runs the model in ONNX Runtime with
 * graph optimisations off on `data` (or seeded random inputs of the declared shapes), capturing
 * each BN node's X and Y, and reports per node how far ONNX Runtime's Y and each bnkit backend's
 * recomputed Y are from the float64 reference; also how far the model's outputs move with
 * ONNX Runtime's optimisations on (BN fused into Conv). See `compareCapture`.
 * @throws the errors of `captureFromModel` and `compareCapture`.
 */
export async function compareBatchNormNodes(bytes: Uint8Array, options: CompareOptions = {}): Promise<ComparisonReport> {
  const source = await captureFromModel(bytes, options);
  try {
    return await compareCapture(source, options);
  } finally {
    await source.release();
  }
}
