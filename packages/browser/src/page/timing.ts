/**
 * Times `call` in the page: calls for `warmUpMs` (at least two), then `repeats` samples, each the
 * mean time of as many calls as fit in `minTimeMs` (at least one). Returns every sample's per-call time in ms;
 * the runner reports their median, minimum and maximum. The same scheme as `@bnkit/bench`'s
 * `timeCall`, whose package imports Node modules and cannot be bundled into a page.
 */
export async function timeSamples(call: () => unknown, minTimeMs: number, repeats: number, warmUpMs: number): Promise<number[]> {
  const warmUpStart = performance.now();
  await call();
  do await call();
  while (performance.now() - warmUpStart < warmUpMs);
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      await call();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < minTimeMs);
    samples.push(elapsed / calls);
  }
  return samples;
}
