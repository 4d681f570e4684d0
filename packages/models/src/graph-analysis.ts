import { BnValueError, describeValue } from '@bnkit/core';
import type { ModelProto } from '@bnkit/onnx';

/** One node of the main graph, in the order the graph lists it (ONNX requires topological order). */
export interface GraphNode {
  index: number;
  name: string;
  opType: string;
  domain: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Whether the node holds a subgraph (If, Loop, Scan), which may read outer names implicitly. */
  hasSubgraph: boolean;
}

/** A BatchNormalization node with its position among the graph's BN nodes and its dependency level. */
export interface BatchNormSite {
  /** The node's index in the graph's node list. */
  index: number;
  /** Its position among the BN nodes, in topological order (0-based). */
  order: number;
  name: string;
  /** A label for messages and reports: the name, or `#index` when unnamed. */
  label: string;
  x: string;
  scale: string;
  bias: string;
  mean: string;
  variance: string;
  y: string;
  /**
   * 0 when no other BN node lies upstream of X; otherwise 1 + the largest level of the BN nodes
   * upstream. Nodes of one level never feed each other, so their inputs can be captured in one pass.
   */
  level: number;
}

/** The main graph read for scheduling: nodes, producers, the graph inputs to feed and the BN sites. */
export interface GraphAnalysis {
  nodes: readonly GraphNode[];
  /** The node index producing each node output. */
  producer: ReadonlyMap<string, number>;
  /** Initializer names (constants available without feeding). */
  initializers: ReadonlySet<string>;
  /** Graph inputs that are not initializers: what a run must feed. */
  graphInputs: readonly string[];
  graphOutputs: readonly string[];
  batchNorms: readonly BatchNormSite[];
  /**
   * For each value name, the largest level of the BN nodes whose output Y lies upstream of it
   * (itself included), -1 when none.
   */
  upstreamLevel: ReadonlyMap<string, number>;
  /** The number of distinct BN levels (0 when the model has no BN node). */
  levels: number;
}

function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/**
 * Reads the main graph of a model for recalibration and capture: the BN nodes in topological
 * order with their levels, and which BN outputs lie upstream of each value.
 * @throws BnValueError when a BN node lacks one of its five inputs.
 */
export function analyseGraph(model: ModelProto): GraphAnalysis {
  const graph = model.graph;
  if (!graph) throw new BnValueError('model', 'a ModelProto with a graph', 'no graph');
  const nodes: GraphNode[] = (graph.node ?? []).map((n, index) => ({
    index,
    name: n.name ?? '',
    opType: n.opType ?? '',
    domain: n.domain ?? '',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    hasSubgraph: (n.attribute ?? []).some((a) => a.g != null || (a.graphs ?? []).length > 0),
  }));
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const graphInputs = (graph.input ?? []).map((v) => v.name ?? '').filter((name) => !initializers.has(name));
  const producer = new Map<string, number>();
  for (const node of nodes) for (const out of node.outputs) if (out !== '') producer.set(out, node.index);
  const upstreamLevel = new Map<string, number>();
  const levelOf = (name: string): number => upstreamLevel.get(name) ?? -1;
  const batchNorms: BatchNormSite[] = [];
  for (const node of nodes) {
    const inherited = Math.max(-1, ...node.inputs.filter((i) => i !== '').map(levelOf));
    if (node.opType === 'BatchNormalization' && isDefaultDomain(node.domain)) {
      const [x, scale, bias, mean, variance] = node.inputs;
      const y = node.outputs[0];
      const label = node.name || `#${node.index}`;
      if (!x || !scale || !bias || !mean || !variance || !y) {
        throw new BnValueError(`node ${describeValue(label)}`, 'a BatchNormalization node with inputs X, scale, B, input_mean, input_var and output Y', describeValue([...node.inputs]));
      }
      const level = levelOf(x) + 1;
      batchNorms.push({ index: node.index, order: batchNorms.length, name: node.name, label, x, scale, bias, mean, variance, y, level });
      // Only Y carries the normalisation; training-mode extra outputs are not read downstream in inference.
      for (const out of node.outputs) if (out !== '') upstreamLevel.set(out, out === y ? level : inherited);
      continue;
    }
    for (const out of node.outputs) if (out !== '') upstreamLevel.set(out, inherited);
  }
  const levels = batchNorms.length === 0 ? 0 : Math.max(...batchNorms.map((b) => b.level)) + 1;
  return { nodes, producer, initializers, graphInputs, graphOutputs: (graph.output ?? []).map((v) => v.name ?? ''), batchNorms, upstreamLevel, levels };
}

/** The nodes a run needs and the available values they read. */
export interface ComputePlan {
  /** In graph order. */
  nodes: GraphNode[];
  /** The values of `available` the nodes (or the targets themselves) read. */
  reads: string[];
}

/**
 * The nodes needed to compute `targets` from the values in `available` (plus initializers),
 * in graph order. For the BN nodes in `ownStatistics` only X, scale and B are followed: their
 * mean and variance are supplied by the run. A node holding a subgraph keeps every node before
 * it, since its body may read any outer value.
 * @throws BnValueError when a target depends on a graph input that is not available.
 */
export function planCompute(
  analysis: GraphAnalysis,
  targets: Iterable<string>,
  available: ReadonlySet<string>,
  ownStatistics: ReadonlySet<number> = new Set(),
): ComputePlan {
  const needed = new Set<number>();
  const reads = new Set<string>();
  const stack = [...targets];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (name === '' || seen.has(name) || analysis.initializers.has(name)) continue;
    seen.add(name);
    if (available.has(name)) {
      reads.add(name);
      continue;
    }
    const index = analysis.producer.get(name);
    if (index === undefined) {
      throw new BnValueError('calibration data', 'data for every graph input the BN nodes depend on', `none for ${describeValue(name)}`);
    }
    if (needed.has(index)) continue;
    needed.add(index);
    const node = analysis.nodes[index] as GraphNode;
    stack.push(...(ownStatistics.has(index) ? node.inputs.slice(0, 3) : node.inputs));
    if (node.hasSubgraph) for (let i = 0; i < index; i++) if (!needed.has(i)) stack.push(...(analysis.nodes[i] as GraphNode).outputs);
  }
  return { nodes: [...needed].sort((a, b) => a - b).map((i) => analysis.nodes[i] as GraphNode), reads: [...reads] };
}

/**
 * The values to hand from one eval-mode pass to the next: walking back from the inputs X of
 * every BN node of level `level + 1` or more, it stops at the first values whose upstream BN
 * levels are all below `level`. Those values are final once the nodes below `level` hold their
 * new statistics, which is the case during pass `level`, so the pass can output them and later
 * passes can start from them instead of from the graph inputs.
 */
export function frontierAfterPass(analysis: GraphAnalysis, level: number): Set<string> {
  // A body may read any outer value: with a subgraph in the model every pass restarts from the graph inputs.
  if (analysis.nodes.some((n) => n.hasSubgraph)) return new Set(analysis.graphInputs);
  const frontier = new Set<string>();
  const seen = new Set<string>();
  const stack = analysis.batchNorms.filter((b) => b.level > level).map((b) => b.x);
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (name === '' || seen.has(name) || analysis.initializers.has(name)) continue;
    seen.add(name);
    const index = analysis.producer.get(name);
    if (index === undefined || (analysis.upstreamLevel.get(name) ?? -1) < level) {
      frontier.add(name);
      continue;
    }
    const node = analysis.nodes[index] as GraphNode;
    const site = analysis.batchNorms.find((b) => b.index === index);
    // A BN node below the next passes normalises with its new statistics, supplied by the run.
    stack.push(...(site ? node.inputs.slice(0, 3) : node.inputs));
  }
  return frontier;
}
