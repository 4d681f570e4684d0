import { describeValue } from '@bnkit/core';
import { OnnxFormatError } from './errors.js';
import type { DecodedModel, DecodedNode } from './types.js';

/** A value name as the graph sees it: where it comes from and, for initializers, its dims. */
interface Source {
  kind: 'input' | 'initializer' | 'node';
  /** Dims of an initializer. */
  dims?: readonly number[];
  /** Declared shape of a graph input. */
  shape?: readonly (number | string)[];
}

function collectInitializers(model: DecodedModel): Map<string, Source> {
  const sources = new Map<string, Source>();
  for (const t of model.graph.initializers) sources.set(t.name, { kind: 'initializer', dims: t.dims });
  for (const t of model.graph.opaqueInitializers) sources.set(t.name, { kind: 'initializer', dims: t.dims });
  return sources;
}

function nodeLabel(node: DecodedNode, index: number): string {
  return `node #${index} ${node.opType}${node.name ? ` ${describeValue(node.name)}` : ''}`;
}

/** Checks of one BatchNormalization node that hold in every opset bnkit writes (7 and later). */
function batchNormProblems(node: DecodedNode, label: string, opset: number, sources: Map<string, Source>): string[] {
  const problems: string[] = [];
  if (node.inputs.length !== 5 || node.inputs.some((name) => name === '')) {
    problems.push(`${label}: expected 5 inputs (X, scale, B, input_mean, input_var), got ${describeValue([...node.inputs])}`);
  }
  const training = node.attributes['training_mode'];
  if (training !== undefined) {
    if (opset < 14) problems.push(`${label}: attribute training_mode exists from opset 14, model opset is ${opset}`);
    if (!('int' in training) || (training.int !== 0 && training.int !== 1)) {
      problems.push(`${label}: training_mode must be the int 0 or 1, got ${describeValue(training)}`);
    }
  }
  if ('spatial' in node.attributes && opset >= 9) {
    problems.push(`${label}: attribute spatial was removed in opset 9, model opset is ${opset}`);
  }
  for (const key of ['epsilon', 'momentum'] as const) {
    const value = node.attributes[key];
    if (value !== undefined && !('float' in value)) problems.push(`${label}: ${key} must be a float attribute, got ${describeValue(value)}`);
  }
  const epsilon = node.attributes['epsilon'];
  if (epsilon && 'float' in epsilon && !(epsilon.float >= 0)) problems.push(`${label}: epsilon must be >= 0, got ${epsilon.float}`);
  const maxOutputs = opset >= 14 ? (training && 'int' in training && training.int === 1 ? 3 : 1) : 5;
  const outputCount = node.outputs.filter((o) => o !== '').length;
  if (node.outputs.length < 1 || node.outputs[0] === '' || outputCount > maxOutputs) {
    problems.push(`${label}: expected Y and at most ${maxOutputs} outputs in opset ${opset}, got ${describeValue([...node.outputs])}`);
  }
  let channels: number | undefined;
  for (const name of node.inputs.slice(1)) {
    const dims = sources.get(name)?.dims;
    if (dims === undefined) continue;
    if (dims.length !== 1) {
      problems.push(`${label}: initializer ${describeValue(name)} must have dims [C], got ${describeValue([...dims])}`);
      continue;
    }
    if (channels === undefined) channels = dims[0];
    else if (dims[0] !== channels) {
      problems.push(`${label}: initializer ${describeValue(name)} has ${dims[0]} values, the other statistics ${channels}`);
    }
  }
  const xChannels = sources.get(node.inputs[0] ?? '')?.shape?.[1];
  if (channels !== undefined && typeof xChannels === 'number' && xChannels > 0 && xChannels !== channels) {
    problems.push(`${label}: X is declared with ${xChannels} channels (dim 1), the statistics have ${channels} values`);
  }
  return problems;
}

/**
 * Every structural fault of a model, as messages (empty when it is sound): a default-domain opset
 * import present; graph inputs, initializers and node outputs named once each; every node input
 * produced by a graph input, an initializer or an earlier node (empty names stand for omitted
 * optional inputs); every graph output declared once and produced; and for each BatchNormalization
 * node the input and output counts of its opset, float epsilon/momentum, training_mode only from
 * opset 14, no spatial from opset 9, and statistics initializers of dims [C] with one C, which
 * is dim 1 of X when X is a graph input declared with a fixed C.
 * Subgraphs (If/Loop bodies) are not inspected.
 */
export function findModelProblems(model: DecodedModel): string[] {
  const problems: string[] = [];
  if (!model.opsetImports.some((o) => o.domain === '' || o.domain === 'ai.onnx')) {
    problems.push('model: no opset import for the default ONNX domain');
  }
  if (model.graph.outputs.length === 0) problems.push('graph: declares no outputs');
  const sources = collectInitializers(model);
  for (const input of model.graph.inputs) {
    // Before IR 4 every initializer was also listed as a graph input, so that pairing is legal.
    if (sources.get(input.name)?.kind === 'input') problems.push(`graph input ${describeValue(input.name)} is declared twice`);
    if (!sources.has(input.name)) sources.set(input.name, input.shape ? { kind: 'input', shape: input.shape } : { kind: 'input' });
  }
  model.graph.nodes.forEach((node, index) => {
    const label = nodeLabel(node, index);
    node.inputs.forEach((name, slot) => {
      if (name !== '' && !sources.has(name)) {
        problems.push(`${label}: input ${slot} ${describeValue(name)} is produced by no graph input, initializer or earlier node`);
      }
    });
    if (node.opType === 'BatchNormalization' && (node.domain === '' || node.domain === 'ai.onnx')) {
      problems.push(...batchNormProblems(node, label, model.opset, sources));
    }
    for (const name of node.outputs) {
      if (name === '') continue;
      if (sources.has(name)) problems.push(`${label}: output ${describeValue(name)} is already produced elsewhere`);
      sources.set(name, { kind: 'node' });
    }
  });
  const declared = new Set<string>();
  for (const output of model.graph.outputs) {
    if (declared.has(output.name)) problems.push(`graph output ${describeValue(output.name)} is declared twice`);
    declared.add(output.name);
    if (!sources.has(output.name)) problems.push(`graph output ${describeValue(output.name)} is produced by nothing`);
  }
  return problems;
}

/**
 * Structurally validates a decoded model (see `findModelProblems`).
 * @throws OnnxFormatError listing every fault found.
 */
export function validateModel(model: DecodedModel): void {
  const problems = findModelProblems(model);
  if (problems.length > 0) {
    throw new OnnxFormatError('model', 'a structurally valid ONNX model', problems.join('; '));
  }
}
