import type { BnNodeJson, DecodedModel, OnnxDecodedValueInfo } from '@bnkit/onnx';
import { formatQuantity } from './format-number.js';
import { formatTable } from './text-table.js';

/** A graph input or output as an inspection lists it. */
export interface ValueJson {
  name: string;
  dataType: string | null;
  shape: (number | string)[] | null;
}

/** What `bnkit inspect` reports about a model; also its `--json` document. */
export interface Inspection {
  file: string;
  irVersion: number;
  opset: number;
  producerName: string;
  graphName: string;
  inputs: ValueJson[];
  outputs: ValueJson[];
  nodes: { name: string; opType: string; domain: string }[];
  initializers: { name: string; dataType: string; dims: number[] }[];
  /** The BatchNormalization nodes with their statistics, in `@bnkit/onnx`'s JSON form. */
  batchNorms: BnNodeJson[];
}

/** Names of the element types bnkit lists without decoding (float16, external data, ...). */
const OPAQUE_TYPES: Readonly<Record<number, string>> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 16: 'bfloat16' };

function valueJson(value: OnnxDecodedValueInfo): ValueJson {
  return { name: value.name, dataType: value.dataType ?? null, shape: value.shape ? [...value.shape] : null };
}

/** Builds the inspection of a model from its decoded form and its BN nodes. */
export function inspection(file: string, model: DecodedModel, batchNorms: BnNodeJson[]): Inspection {
  return {
    file,
    irVersion: model.irVersion,
    opset: model.opset,
    producerName: model.producerName,
    graphName: model.graph.name,
    inputs: model.graph.inputs.map(valueJson),
    outputs: model.graph.outputs.map(valueJson),
    nodes: model.graph.nodes.map((n) => ({ name: n.name, opType: n.opType, domain: n.domain })),
    initializers: [
      ...model.graph.initializers.map((t) => ({ name: t.name, dataType: t.dataType, dims: [...t.dims] })),
      ...model.graph.opaqueInitializers.map((t) => ({ name: t.name, dataType: OPAQUE_TYPES[t.onnxDataType] ?? `element type ${t.onnxDataType}`, dims: [...t.dims] })),
    ],
    batchNorms,
  };
}

function valueText(v: ValueJson): string {
  return `${v.name}: ${v.dataType ?? 'unknown type'} [${v.shape ? v.shape.map((d) => (d === '' ? '?' : d)).join(', ') : 'unknown shape'}]`;
}

function range(values: readonly number[] | null): string {
  if (values === null) return 'run time';
  if (values.length === 0) return '-';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? formatQuantity(lo, 4) : `${formatQuantity(lo, 4)} .. ${formatQuantity(hi, 4)}`;
}

/** Where a node's statistics come from and their element type, e.g. `initializer float32`; mixed sources are listed per statistic. */
function statisticsSource(bn: BnNodeJson): string {
  const sources = [bn.sources.gamma, bn.sources.beta, bn.sources.runningMean, bn.sources.runningVar];
  const label = (s: (typeof sources)[number]) => `${s.kind}${s.file ? ` (${s.file})` : ''} ${s.dataType}`;
  const labels = [...new Set(sources.map(label))];
  return labels.length === 1 ? (labels[0] as string) : `scale/B: ${label(bn.sources.gamma)}; mean/var: ${label(bn.sources.runningMean)}`;
}

/** The text form of an inspection: header, inputs and outputs, node counts, then one row per BN node (value ranges). */
export function formatInspection(report: Inspection): string {
  const counts = new Map<string, number>();
  for (const node of report.nodes) counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
  const lines = [
    `${report.file}: ONNX IR ${report.irVersion}, opset ${report.opset}, producer ${report.producerName || '(none)'}, graph ${report.graphName || '(unnamed)'}`,
    `inputs:  ${report.inputs.map(valueText).join('; ') || '(none)'}`,
    `outputs: ${report.outputs.map(valueText).join('; ') || '(none)'}`,
    `nodes:   ${report.nodes.length} (${[...counts].map(([op, n]) => `${op} ${n}`).join(', ') || 'none'}), initializers: ${report.initializers.length}`,
    '',
  ];
  if (report.batchNorms.length === 0) return [...lines, 'No BatchNormalization node.'].join('\n');
  const rows = report.batchNorms.map((bn) => [
    bn.name || `#${bn.index}`,
    String(bn.index),
    bn.producer.kind === 'node' ? bn.producer.opType : bn.producer.kind,
    statisticsSource(bn),
    String(bn.channels || '?'),
    formatQuantity(bn.eps, 3),
    bn.momentum === null ? '-' : formatQuantity(bn.momentum, 3),
    bn.trainingMode ? 'yes' : 'no',
    bn.layout ?? '?',
    range(bn.gamma),
    range(bn.beta),
    range(bn.runningMean),
    range(bn.runningVar),
  ]);
  const table = formatTable(
    [
      { header: 'BatchNormalization' },
      { header: 'position', align: 'right' },
      { header: 'input from' },
      { header: 'statistics' },
      { header: 'C', align: 'right' },
      { header: 'eps', align: 'right' },
      { header: 'momentum', align: 'right' },
      { header: 'training' },
      { header: 'layout' },
      { header: 'gamma' },
      { header: 'beta' },
      { header: 'running mean' },
      { header: 'running var' },
    ],
    rows,
  );
  return [
    ...lines,
    table,
    '',
    'position: index in the graph\'s node list (a topological order). Statistics are shown as min .. max ("run time": supplied',
    'as graph inputs or computed by other nodes); add --json FILE (or --json - for standard output) for every value and the',
    'source of each statistic.',
  ].join('\n');
}
