import { CONVENTIONS } from '@bnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPytorch, type PytorchSession, type PytorchStart } from '../src/index.js';

const quick = { minTimeMs: 1, repeats: 2, slowCallMs: 250, warmUpMs: 0 };
const torchDefaults = { eps: CONVENTIONS.pytorch.defaultEps, momentum: CONVENTIONS.pytorch.defaultMomentum };

describe('startPytorch', () => {
  it('is skipped with the reason when the interpreter does not exist', async () => {
    const started = await startPytorch(2, ['/nonexistent/python3']);
    expect(started).toEqual({ status: 'skipped', reason: expect.stringMatching(/^\/nonexistent\/python3 not found \(install it with apt-get install python3-torch/) });
  });

  it('is skipped with the reason when the interpreter is not Python', async () => {
    const started = await startPytorch(2, [process.execPath]);
    expect(started.status).toBe('skipped');
    expect(started.status === 'skipped' && started.reason).toMatch(/did not start: the process ended: \w*Error/);
  });
});

// Runs where Python has torch (e.g. the distribution's python3-torch); reported skipped elsewhere.
describe('PyTorch measurements', () => {
  let started: PytorchStart;
  let session: PytorchSession | undefined;
  beforeAll(async () => {
    started = await startPytorch(2);
    session = started.status === 'ready' ? started.session : undefined;
  }, 120_000);
  afterAll(() => session?.close());

  it('times every operation on channels-first, channels-last and NC tensors with the threads asked for', async ({ skip }) => {
    if (!session) return skip(started.status === 'skipped' ? started.reason : 'no session');
    expect(session.threads).toBe(2);
    expect(session.version).toMatch(/^\d+\.\d+/);
    for (const [shape, layout] of [[[2, 3, 4, 4], 'NCHW'], [[2, 4, 4, 3], 'NHWC'], [[5, 3], 'NC'], [[2, 4, 3], 'NLC']] as const) {
      for (const operation of ['inference', 'trainForward', 'backward'] as const) {
        const timing = await session.measure({ shape, layout, operation, ...torchDefaults }, quick);
        expect(timing.samples).toHaveLength(2);
        expect(timing.minMs).toBeGreaterThan(0);
        expect([timing.minMs, timing.maxMs]).toEqual([Math.min(...timing.samples), Math.max(...timing.samples)]);
        expect(timing.medianMs).toBeCloseTo((timing.minMs + timing.maxMs) / 2, 12);
        expect(timing.windowMs).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('rejects with PyTorch\'s error and goes on answering', async ({ skip }) => {
    if (!session) return skip(started.status === 'skipped' ? started.reason : 'no session');
    await expect(session.measure({ shape: [2, 3], layout: 'NQ' as 'NC', operation: 'inference', ...torchDefaults }, quick)).rejects.toThrow(/unknown layout NQ/);
    const timing = await session.measure({ shape: [2, 3], layout: 'NC', operation: 'inference', ...torchDefaults }, quick);
    expect(timing.samples).toHaveLength(2);
  });
});
