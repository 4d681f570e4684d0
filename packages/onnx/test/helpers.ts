import * as ort from 'onnxruntime-node';

/** Runs a model in onnxruntime-node and returns every output's data. */
export async function runModel(
  bytes: Uint8Array,
  feeds: Record<string, { data: Float32Array | Float64Array; dims: readonly number[] }>,
): Promise<Record<string, Float32Array | Float64Array>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, { data, dims }] of Object.entries(feeds)) {
      inputs[name] = new ort.Tensor(data instanceof Float64Array ? 'float64' : 'float32', data, [...dims]);
    }
    const results = await session.run(inputs);
    const out: Record<string, Float32Array | Float64Array> = {};
    for (const [name, tensor] of Object.entries(results)) out[name] = tensor.data as Float32Array | Float64Array;
    return out;
  } finally {
    await session.release();
  }
}
