import { BnValueError, describeValue } from '@bnkit/core';
import { isExternalTensor, readExternalBytes, type ExternalDataResolver, type ModelProto } from '@bnkit/onnx';

/**
 * Moves every external-data initializer of the main graph into `raw_data`, in place, so that
 * ONNX Runtime can run the model from bytes (it cannot resolve external files without a model
 * path). Returns `model`. Models over protobuf's 2 GB limit cannot be inlined.
 * @throws BnValueError naming the tensor when the model has external data and no resolver is given;
 *   the resolver's errors.
 */
export function inlineExternalData(model: ModelProto, resolve: ExternalDataResolver | undefined): ModelProto {
  for (const tensor of model.graph?.initializer ?? []) {
    const t = tensor as Parameters<typeof isExternalTensor>[0];
    if (!isExternalTensor(t)) continue;
    if (!resolve) throw new BnValueError(`initializer ${describeValue(t.name)}`, 'a way to read external data (the model read from a file)', 'none given');
    t.rawData = new Uint8Array(readExternalBytes(t, resolve));
    t.externalData = [];
    t.dataLocation = 0;
  }
  return model;
}
