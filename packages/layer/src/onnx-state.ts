import { BnValueError, convertMomentum, describeValue, type ConventionName } from '@bnkit/core';
import { batchNormValues, listBatchNormNodes, replaceBatchNormStatistics, type BnNodeStatistics } from '@bnkit/onnx';
import { BatchNorm, type BatchNormCreateConfig } from './batch-norm-layer.js';

/** How `batchNormFromOnnx` builds the layer: its backend and convention (the rest comes from the node). */
export type OnnxLayerConfig = Pick<BatchNormCreateConfig, 'backend'> & {
  /** The layer's convention; default `onnx`. The node's momentum is converted to its meaning. */
  convention?: ConventionName;
};

function findNode(model: Uint8Array, nodeName: string): BnNodeStatistics {
  const nodes = listBatchNormNodes(model);
  const node = nodes.find((candidate) => candidate.name === nodeName);
  if (!node) throw new BnValueError('nodeName', `the name of a BatchNormalization node (${nodes.map((n) => n.name).join(', ') || 'none in the model'})`, describeValue(nodeName));
  return node;
}

/**
 * Builds an evaluation-mode layer from one BatchNormalization node of an ONNX model: C, layout,
 * eps and momentum (converted from ONNX's weight on the old value to the layer's convention) from
 * the node, gamma, beta and the running statistics as stored (the variance inference divides by,
 * whatever its origin).
 * @throws BnValueError when the model has no BN node of that name; OnnxFormatError for a model it cannot read.
 */
export async function batchNormFromOnnx(model: Uint8Array, nodeName: string, config: OnnxLayerConfig = {}): Promise<BatchNorm> {
  const node = findNode(model, nodeName);
  const values = batchNormValues(node);
  const convention = config.convention ?? 'onnx';
  const layer = await BatchNorm.create({
    numFeatures: node.channels,
    ...(node.layout !== undefined && { layout: node.layout }),
    ...(config.backend !== undefined && { backend: config.backend }),
    options: {
      convention,
      eps: node.eps,
      ...(node.momentum !== undefined && { momentum: convertMomentum(node.momentum, 'onnx', convention) }),
    },
  });
  layer.weight?.set(values.gamma);
  layer.bias?.set(values.beta);
  layer.runningMean?.set(values.runningMean);
  layer.runningVar?.set(values.runningVar);
  return layer.eval();
}

/**
 * Writes a layer's gamma, beta, running statistics and eps into one BatchNormalization node of an
 * ONNX model, byte-preserving everywhere else (`replaceBatchNormStatistics`). The running variance
 * is written as the layer holds it: the variance its inference divides by.
 * @returns the new model bytes.
 * @throws BnValueError when the layer has no running statistics or the node does not exist; what
 *   `replaceBatchNormStatistics` throws for values the model's element type cannot hold.
 */
export function writeBatchNormToOnnx(layer: BatchNorm, model: Uint8Array, nodeName: string): Uint8Array {
  findNode(model, nodeName);
  if (!layer.runningMean || !layer.runningVar) throw new BnValueError('layer.options.trackRunningStats', 'true (an ONNX node stores running statistics)', 'false');
  return replaceBatchNormStatistics(model, [
    {
      node: nodeName,
      ...(layer.weight && layer.bias && { gamma: layer.weight, beta: layer.bias }),
      runningMean: layer.runningMean,
      runningVar: layer.runningVar,
      eps: layer.options.eps,
    },
  ]);
}
