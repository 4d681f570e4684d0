import type { Backend, Feature, GoldenCase, Operation } from '@bnkit/core';

/** The features a case needs beyond the plain case, from its options. */
export function requiredFeatures(golden: GoldenCase): Feature[] {
  const features: Feature[] = [];
  if (golden.options.momentum === null) features.push('cumulative-average');
  if (!golden.options.affine) features.push('affine-off');
  if (!golden.options.trackRunningStats) features.push('untracked-running-stats');
  return features;
}

/**
 * What the backend lacks to run `operation` of `golden`, in words (`layout NDHWC`), or
 * undefined when it declares everything needed: the operation, the layout, the convention, the
 * features and float32 input (vectors hold float32 inputs).
 */
export function missingCapability(backend: Backend, golden: GoldenCase, operation: Operation): string | undefined {
  const caps = backend.capabilities;
  const missing: string[] = [];
  if (!caps.operations.includes(operation)) missing.push(`operation ${operation}`);
  if (!caps.layouts.includes(golden.layout)) missing.push(`layout ${golden.layout}`);
  if (!caps.conventions.includes(golden.options.convention)) missing.push(`convention ${golden.options.convention}`);
  if (!caps.dtypes.includes('float32')) missing.push('dtype float32');
  for (const feature of requiredFeatures(golden)) if (!caps.features.includes(feature)) missing.push(`feature ${feature}`);
  return missing.length > 0 ? missing.join(', ') : undefined;
}
