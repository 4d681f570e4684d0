import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTfjsBackend } from '../src/index.js';
import { randomProblem } from './helpers.js';

// Its own file, so that tfjs's cpu backend is new here and its first tensor write is this test's.
describe('the tfjs-node banner', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is not printed when the cpu backend first runs in Node', async () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    const backend = createTfjsBackend('cpu');
    await backend.init();
    await backend.trainForward(randomProblem('NCHW', 3));
    // tfjs prints the banner only under IS_NODE; it holds here, so the banner was really due.
    expect(tf.env().getBool('IS_NODE')).toBe(true);
    const printed = [...warn.mock.calls, ...log.mock.calls].map((call) => call.join(' '));
    expect(printed.filter((line) => /tfjs-node/.test(line))).toEqual([]);
  });
});
