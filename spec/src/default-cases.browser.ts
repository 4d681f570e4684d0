import { BnValueError, type GoldenCase } from '@bnkit/core';

/**
 * In a browser there are no vector files to read, so `runConformance` needs its cases as data.
 * @throws BnValueError always, naming `options.cases` and how to get them.
 */
export function defaultCases(): GoldenCase[] {
  throw new BnValueError(
    'options.cases',
    'the golden cases as data (a browser cannot read spec/vectors: read them in Node with loadVectors() and hand them to the page, e.g. as bundled JSON)',
    'none given',
  );
}
