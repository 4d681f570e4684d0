/** Runs the bnkit conformance suite and benchmarks in a real headless browser. */
export const PACKAGE_NAME = '@bnkit/browser';
