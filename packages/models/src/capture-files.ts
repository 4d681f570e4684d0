import { BnValueError, describeValue, type FloatArray } from '@bnkit/core';
import { writeFileAtomic } from '@bnkit/core/node';
import { dump } from 'npyjs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBatchFile } from './calibration-folder.js';
import type { CapturedArray, CapturedBatch, CapturedNodeInfo, CaptureSource } from './capture-source.js';

/** The `format` field of a saved capture's manifest. */
export const CAPTURE_FORMAT = 'bnkit-bn-capture-v1';

const MANIFEST = 'manifest.json';

type SavedArray = { dataType: 'float32' | 'float64'; values: number[] } | null;

interface SavedNode extends Omit<CapturedNodeInfo, 'gamma' | 'beta' | 'mean' | 'variance'> {
  gamma: SavedArray;
  beta: SavedArray;
  mean: SavedArray;
  variance: SavedArray;
}

interface Manifest {
  format: typeof CAPTURE_FORMAT;
  batches: number;
  origin: CaptureSource['origin'];
  outputs: string[];
  nodes: SavedNode[];
}

function batchFolder(i: number): string {
  return `batch-${String(i).padStart(5, '0')}`;
}

function nodeFile(order: number, which: 'x' | 'y'): string {
  return `bn-${String(order).padStart(4, '0')}-${which}.npy`;
}

function outputFile(index: number, which: 'unfused' | 'fused'): string {
  return `output-${String(index).padStart(3, '0')}-${which}.npy`;
}

function saved(values: FloatArray | undefined): SavedArray {
  // JSON numbers are doubles: float32 and float64 values both survive the round trip exactly.
  return values ? { dataType: values instanceof Float64Array ? 'float64' : 'float32', values: [...values] } : null;
}

function restored(values: SavedArray): FloatArray | undefined {
  if (values === null) return undefined;
  return values.dataType === 'float64' ? Float64Array.from(values.values) : Float32Array.from(values.values);
}

async function writeNpy(path: string, array: CapturedArray): Promise<void> {
  await writeFileAtomic(path, new Uint8Array(dump(array.data, [...array.dims])));
}

/** Writes a capture's batches as they are read, then its manifest. */
export interface CaptureWriter {
  /** Writes batch `i`: each node's X and Y and each model output, as `.npy` files. */
  writeBatch(i: number, batch: CapturedBatch): Promise<void>;
  /** Writes the manifest (last, so a folder without one is an unfinished capture). */
  finish(): Promise<void>;
}

/**
 * Prepares `dir` (created when absent, refused when it holds files) to receive a capture that
 * `loadCapture` replays without the model (Polygraphy's habit): `manifest.json` with each node's
 * statistics and epsilon, and per batch a folder of `.npy` files.
 * @throws BnValueError naming `--save` when `dir` is not an empty or absent folder.
 */
export async function createCaptureWriter(dir: string, source: CaptureSource): Promise<CaptureWriter> {
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : error.code ?? 'unreadable'));
  if (typeof existing === 'string') throw new BnValueError('--save', 'an empty or absent folder', `${describeValue(dir)} (${existing})`);
  if (existing.length > 0) throw new BnValueError('--save', 'an empty or absent folder', `${describeValue(dir)} holds ${existing.length} entries`);
  await mkdir(dir, { recursive: true });
  let written: string[] | undefined;
  return {
    async writeBatch(i, batch) {
      const folder = join(dir, batchFolder(i));
      await mkdir(folder, { recursive: true });
      for (const [order, node] of batch.nodes.entries()) {
        await writeNpy(join(folder, nodeFile(order, 'x')), node.x);
        await writeNpy(join(folder, nodeFile(order, 'y')), node.y);
      }
      // Only float outputs are captured; their positions among them name the files.
      const names = source.outputs.filter((name) => batch.unfused[name] !== undefined);
      written ??= names;
      for (const [index, name] of names.entries()) {
        await writeNpy(join(folder, outputFile(index, 'unfused')), batch.unfused[name] as CapturedArray);
        const fused = batch.fused[name];
        if (fused) await writeNpy(join(folder, outputFile(index, 'fused')), fused);
      }
    },
    async finish() {
      const manifest: Manifest = {
        format: CAPTURE_FORMAT,
        batches: source.batches,
        origin: source.origin,
        outputs: written ?? [],
        nodes: source.nodes.map(({ gamma, beta, mean, variance, ...info }) => ({ ...info, gamma: saved(gamma), beta: saved(beta), mean: saved(mean), variance: saved(variance) })),
      };
      await writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest)}\n`);
    },
  };
}

async function readFloatNpy(path: string): Promise<CapturedArray> {
  const tensor = await readBatchFile(path);
  if (tensor.dataType === 'int64') throw new BnValueError(path, 'a float32 or float64 .npy array', 'int64');
  return { dims: tensor.dims, data: tensor.data as Float32Array | Float64Array };
}

function checkManifest(value: unknown, path: string): Manifest {
  const m = value as Partial<Manifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== CAPTURE_FORMAT) {
    throw new BnValueError(path, `a capture manifest of format ${CAPTURE_FORMAT}`, describeValue(m?.format));
  }
  if (!Number.isInteger(m.batches) || !Array.isArray(m.nodes) || !Array.isArray(m.outputs)) {
    throw new BnValueError(path, 'a manifest with batches, nodes and outputs', 'missing or malformed fields');
  }
  return m as Manifest;
}

/**
 * Replays a capture saved with `createCaptureWriter`: the same nodes, statistics and batches,
 * read from the folder, with no model and no ONNX Runtime.
 * @throws BnValueError naming the file when the manifest or a `.npy` file is missing or malformed.
 */
export async function loadCapture(dir: string): Promise<CaptureSource> {
  const path = join(dir, MANIFEST);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new BnValueError('--load', `a folder saved with --save (holding ${MANIFEST})`, `${describeValue(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const manifest = checkManifest(parsed, path);
  const nodes: CapturedNodeInfo[] = manifest.nodes.map(({ gamma, beta, mean, variance, ...info }) => {
    const node: CapturedNodeInfo = { ...info };
    const [g, b, m, v] = [restored(gamma), restored(beta), restored(mean), restored(variance)];
    if (g && b && m && v) Object.assign(node, { gamma: g, beta: b, mean: m, variance: v });
    return node;
  });
  return {
    nodes,
    outputs: manifest.outputs,
    batches: manifest.batches,
    origin: { kind: 'saved', from: dir },
    async read(i) {
      const folder = join(dir, batchFolder(i));
      const batch: CapturedBatch = { nodes: [], unfused: {}, fused: {} };
      for (const node of nodes) {
        batch.nodes.push({ x: await readFloatNpy(join(folder, nodeFile(node.order, 'x'))), y: await readFloatNpy(join(folder, nodeFile(node.order, 'y'))) });
      }
      for (const [index, name] of manifest.outputs.entries()) {
        batch.unfused[name] = await readFloatNpy(join(folder, outputFile(index, 'unfused')));
        batch.fused[name] = await readFloatNpy(join(folder, outputFile(index, 'fused')));
      }
      return batch;
    },
    release: () => Promise.resolve(),
  };
}
