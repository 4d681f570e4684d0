import type { GoldenCase } from '@bnkit/core';
import { loadVectors } from './load-vectors.js';

/** The cases `runConformance` runs when given none: in Node, the committed vectors read from disk. */
export function defaultCases(): GoldenCase[] {
  return loadVectors();
}
