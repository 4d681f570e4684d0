import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { LAYOUTS, referenceTrainForward } from '@bnkit/core';
import { createTfjsBackend } from '../src/index.js';
import { loadTfjsBackend, runOnTfjsBackend, type TfjsKind } from '../src/engine.js';
import { installedWasmDirectory } from '../src/wasm-paths.node.js';
import { toleranceRatio } from '@bnkit/spec/test';
import { randomProblem } from './helpers.js';

describe('the tfjs engine shared by both backends', () => {
  it('finds the wasm binaries in the installed package', () => {
    const dir = installedWasmDirectory();
    expect(dir).toBeDefined();
    expect(dir!.endsWith('/dist/') || dir!.endsWith('\\dist\\')).toBe(true);
    expect(dir).toContain('tfjs-backend-wasm');
  });

  it('gives right results when cpu and wasm calls are issued at once', async () => {
    const cpu = createTfjsBackend('cpu');
    const wasm = createTfjsBackend('wasm');
    await Promise.all([cpu.init(), wasm.init()]);
    const problems = LAYOUTS.map((layout, i) => randomProblem(layout, 40 + i));
    const calls = problems.flatMap((p) => [cpu, wasm].map(async (backend) => ({ p, out: await backend.trainForward(p) })));
    for (const { p, out } of await Promise.all(calls)) {
      expect(toleranceRatio(out.y, referenceTrainForward(p).y, 2e-5, 2e-5)).toBeLessThanOrEqual(1);
    }
  });

  it('runs each piece of work on its own backend, one at a time', async () => {
    await Promise.all([loadTfjsBackend('cpu'), loadTfjsBackend('wasm')]);
    const seen: string[] = [];
    const kinds = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 'wasm' : 'cpu') as TfjsKind);
    await Promise.all(kinds.map((kind) => runOnTfjsBackend(kind, () => seen.push(tf.getBackend()))));
    expect(seen).toEqual(kinds);
  });

  it('restores the backend that was active before a call', async () => {
    await tf.setBackend('cpu');
    const wasm = createTfjsBackend('wasm');
    await wasm.trainForward(randomProblem('NC', 50));
    expect(tf.getBackend()).toBe('cpu');
  });

  it('keeps serving calls after one of them failed', async () => {
    const cpu = createTfjsBackend('cpu');
    const p = randomProblem('NCL', 51);
    const failing = cpu.inference({ ...p, out: { y: new Float32Array(1) } });
    const next = cpu.trainForward(p);
    await expect(failing).rejects.toThrow(/out.y/);
    expect(toleranceRatio((await next).y, referenceTrainForward(p).y, 2e-5, 2e-5)).toBeLessThanOrEqual(1);
  });
});
