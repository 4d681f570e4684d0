import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listBatchNormNodes } from '@bnkit/onnx';
import { recalibrateFile } from '../src/index.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/pytorch-resnet.py', import.meta.url));

/** The first Python on this machine that imports torch and numpy (Debian's python3-torch installs into /usr/bin/python3). */
function pythonWithTorch(): string | undefined {
  const candidates = [process.env.BNKIT_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  return candidates.find((python) => spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0);
}

const python = pythonWithTorch();
const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

interface UpdateBn {
  torch: string;
  statistics: Record<string, { mean: number[]; var: number[] }>;
}

describe('a model exported by PyTorch, against PyTorch itself', () => {
  if (python === undefined) {
    it.skip('skipped: no python3 that imports torch and numpy on this machine (Debian: apt-get install python3-torch)', () => {});
    return;
  }
  it('recalibrates in train mode to what torch.optim.swa_utils.update_bn computes on the same batches', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'bnkit-pytorch-'));
    folders.push(folder);
    execFileSync(python as string, [SCRIPT, folder], { stdio: 'pipe', timeout: 120_000 });
    const expected = JSON.parse(await readFile(join(folder, 'update-bn.json'), 'utf8')) as UpdateBn;
    const out = join(folder, 'recalibrated.onnx');
    await recalibrateFile({ model: join(folder, 'model.onnx'), data: join(folder, 'data'), out, mode: 'train' });
    const nodes = listBatchNormNodes(new Uint8Array(await readFile(out)));
    expect(nodes).toHaveLength(7);
    for (const node of nodes) {
      const torch = expected.statistics[node.sources.runningMean.tensor];
      expect(torch, node.name).toBeDefined();
      node.runningMean?.forEach((mean, c) => {
        const variance = torch?.var[c] as number;
        // Both are float32 statistics of the same float32 activations: agreement to a few float32 roundings.
        expect(Math.abs(mean - (torch?.mean[c] as number)) / Math.sqrt(variance), `${node.name} mean[${c}]`).toBeLessThan(1e-5);
        expect(Math.abs((node.runningVar?.[c] as number) - variance) / variance, `${node.name} var[${c}]`).toBeLessThan(1e-5);
      });
    }
  }, 180_000);
});
