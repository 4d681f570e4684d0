import { BnShapeError, BnValueError, referenceInference, referenceTrainForward } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { SessionCache, createOnnxruntimeBackend, type Releasable } from '../src/index.js';
import { expectClose } from '@bnkit/spec/test';

class FakeSession implements Releasable {
  released = 0;
  constructor(readonly key: string) {}
  async release(): Promise<void> {
    this.released++;
  }
}

function fakeCache(bound: number) {
  const built: FakeSession[] = [];
  const cache = new SessionCache<FakeSession>(bound);
  const use = (key: string, during?: Promise<void>) =>
    cache.use(
      key,
      async () => {
        const session = new FakeSession(key);
        built.push(session);
        return session;
      },
      async (session) => {
        await during;
        return session;
      },
    );
  return { cache, built, use };
}

describe('SessionCache', () => {
  it('builds once per key and evicts the least recently used, releasing it', async () => {
    const { cache, built, use } = fakeCache(2);
    await use('a');
    await use('b');
    await use('a');
    await use('c');
    expect(built.map((s) => s.key)).toEqual(['a', 'b', 'c']);
    expect(cache.size).toBe(2);
    await Promise.resolve();
    expect(built.map((s) => s.released)).toEqual([0, 1, 0]);
    await use('a');
    expect(built).toHaveLength(3);
  });

  it('releases an evicted session only after the call running on it ends', async () => {
    const { built, use } = fakeCache(1);
    let finish!: () => void;
    const running = use('a', new Promise<void>((resolve) => (finish = resolve)));
    await use('b');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(built[0]?.released).toBe(0);
    finish();
    await running;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(built[0]?.released).toBe(1);
  });

  it('does not keep a session whose build failed', async () => {
    const cache = new SessionCache<FakeSession>(2);
    await expect(cache.use('a', () => Promise.reject(new Error('no')), async () => 1)).rejects.toThrow('no');
    expect(cache.size).toBe(0);
    await expect(cache.use('a', async () => new FakeSession('a'), async () => 2)).resolves.toBe(2);
  });

  it('clear releases every session once', async () => {
    const { cache, built, use } = fakeCache(3);
    await use('a');
    await use('b');
    await cache.clear();
    expect(cache.size).toBe(0);
    expect(built.map((s) => s.released)).toEqual([1, 1]);
  });

  it('refuses a bound that is not an integer >= 1', () => {
    expect(() => new SessionCache(0)).toThrow(BnValueError);
    expect(() => new SessionCache(2.5)).toThrow(BnValueError);
  });
});

describe('onnxruntime backend session cache', () => {
  // 1000 engine calls with session builds: the timeout is generous for a loaded shared machine; this is not a speed check.
  it('stays at its bound over 1000 calls on 50 shapes, with correct results, and dispose empties it', async () => {
    const bound = 8;
    const backend = createOnnxruntimeBackend({ cacheSize: bound });
    const gamma = Float32Array.from([1.5, -0.5]);
    const beta = Float32Array.from([0.25, 1]);
    const runningMean = Float32Array.from([0.1, -0.2]);
    const runningVar = Float32Array.from([0.9, 2]);
    for (let call = 0; call < 1000; call++) {
      // 50 shapes [n, 2] in an order that revisits recent ones, so both hits and evictions happen.
      const n = 1 + ((call * 7 + Math.floor(call / 3)) % 50);
      const x = Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(i + call));
      const input = { x, shape: [n, 2], layout: 'NC' as const, gamma, beta, runningMean, runningVar };
      const { y } = await backend.inference(input);
      if (call % 97 === 0) expectClose(y, referenceInference(input).y, 2e-6, 2e-6, `y of call ${call}`);
      expect(backend.cachedSessions).toBeLessThanOrEqual(bound);
    }
    expect(backend.cachedSessions).toBe(bound);
    await backend.dispose();
    expect(backend.cachedSessions).toBe(0);
  }, 60_000);

  it('serves concurrent calls on more shapes than its bound without releasing a session in use', async () => {
    const backend = createOnnxruntimeBackend({ cacheSize: 2 });
    const calls = Array.from({ length: 30 }, (_, call) => {
      const n = 2 + (call % 10);
      const x = Float64Array.from({ length: n * 3 }, (_, i) => Math.cos(i * 0.7 + call));
      const input = { x, shape: [n, 3], layout: 'NC' as const, gamma: Float64Array.from([1, 2, 3]), beta: Float64Array.from([0, 1, 2]), runningMean: new Float64Array(3), runningVar: new Float64Array(3).fill(1) };
      return backend.trainForward(input).then((out) => expectClose(out.y, referenceTrainForward(input).y, 1e-12, 1e-9, `y of call ${call}`));
    });
    await Promise.all(calls);
    expect(backend.cachedSessions).toBeLessThanOrEqual(2);
    await backend.dispose();
  });

  it('validates with core before touching the engine, and checks its own options', async () => {
    const backend = createOnnxruntimeBackend();
    await expect(backend.inference({ x: new Float32Array(5), shape: [2, 3], layout: 'NC', gamma: new Float32Array(3), beta: new Float32Array(3), runningMean: new Float32Array(3), runningVar: new Float32Array(3) })).rejects.toBeInstanceOf(BnShapeError);
    expect(() => createOnnxruntimeBackend({ cacheSize: 0 })).toThrow(BnValueError);
    expect(() => createOnnxruntimeBackend({ intraOpNumThreads: 0 })).toThrow(BnValueError);
  });

  it('writes into the caller out buffers', async () => {
    const backend = createOnnxruntimeBackend();
    const x = Float32Array.from({ length: 12 }, (_, i) => i * 0.5);
    const out = new Float64Array(12);
    const input = { x, shape: [4, 3], layout: 'NC' as const, gamma: new Float32Array(3).fill(1), beta: new Float32Array(3), runningMean: new Float32Array(3), runningVar: new Float32Array(3).fill(1), out: { y: out } };
    const { y } = await backend.trainForward(input);
    expect(y).toBe(out);
    expectClose(out, referenceInference({ ...input, options: { trackRunningStats: false } }).y, 2e-6, 2e-6, 'y');
    await expect(backend.inference({ ...input, out: { y: new Float32Array(3) } })).rejects.toBeInstanceOf(BnShapeError);
    await backend.dispose();
  });
});
