import { parseModelProto, type ExternalDataResolver } from '@bnkit/onnx';
import { analyseGraph, planCompute, type BatchNormSite } from './graph-analysis.js';
import { inlineExternalData } from './inline-external-data.js';
import { createRunSession, type OrtTensor, type RunSessionOptions } from './ort-session.js';
import { buildRunModel } from './run-model.js';

/** The input X and output Y of one BN node in one run. */
export interface CapturedBatchNorm {
  site: BatchNormSite;
  x: OrtTensor;
  y: OrtTensor;
}

/** A model prepared to run with every BN node's input and output captured. */
export interface BatchNormCapture {
  /** The BN nodes, in topological order. */
  sites: readonly BatchNormSite[];
  /** The graph inputs a run must feed. */
  inputs: readonly string[];
  /** Runs the model on one set of feeds and returns each BN node's X and Y. */
  run(feeds: Record<string, OrtTensor>): Promise<CapturedBatchNorm[]>;
  /** Releases the ONNX Runtime session. */
  release(): Promise<void>;
}

/** Options of `createBatchNormCapture`. */
export interface CaptureOptions {
  externalData?: ExternalDataResolver;
  session?: RunSessionOptions;
}

/**
 * Prepares a model to run in ONNX Runtime with graph optimisations off (so no BN node is fused
 * away) and every BN node's X and Y added as graph outputs; nodes after the last BN node are left
 * out. The model's own statistics are used.
 * @throws OnnxFormatError for an invalid model; BnValueError when external data cannot be read;
 *   BnBackendError when ONNX Runtime cannot load the model.
 */
export async function createBatchNormCapture(bytes: Uint8Array, options: CaptureOptions = {}): Promise<BatchNormCapture> {
  const proto = inlineExternalData(parseModelProto(bytes, 'model'), options.externalData);
  const analysis = analyseGraph(proto);
  const sites = analysis.batchNorms;
  const plan = planCompute(analysis, sites.map((s) => s.y), new Set(analysis.graphInputs));
  const elemTypes = new Map((proto.graph?.input ?? []).map((v) => [v.name ?? '', v.type?.tensorType?.elemType ?? 1]));
  const outputs = [...new Set(sites.flatMap((s) => [s.x, s.y]))];
  const computed = outputs.filter((name) => !plan.reads.includes(name));
  const model = buildRunModel(proto, { nodes: plan.nodes, inputs: plan.reads.map((name) => ({ name, elemType: elemTypes.get(name) ?? 1 })), outputs: computed });
  const session = await createRunSession(model, options.session);
  return {
    sites,
    inputs: plan.reads,
    async run(feeds) {
      const results = await session.run(feeds, computed);
      const value = (name: string): OrtTensor => (results[name] ?? feeds[name]) as OrtTensor;
      return sites.map((site) => ({ site, x: value(site.x), y: value(site.y) }));
    },
    release: () => session.release(),
  };
}
