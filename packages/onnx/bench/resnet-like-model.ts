import { encodeModel, type OnnxNode, type OnnxTensor } from '../src/index.js';

/**
 * A model shaped like a ResNet trunk, for timing: `blocks` Conv(3x3, C -> C) -> BN -> Relu blocks,
 * float32 weights filled with a cheap deterministic pattern.
 */
export function resnetLikeModel(blocks: number, channels: number): Uint8Array {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const filled = (name: string, dims: number[], base: number): OnnxTensor => {
    const count = dims.reduce((a, b) => a * b, 1);
    return { name, dataType: 'float32', dims, values: Float32Array.from({ length: count }, (_, i) => base + ((i * 7919) % 1000) / 1000) };
  };
  let input = 'X';
  for (let b = 0; b < blocks; b++) {
    const p = `block${b}`;
    nodes.push(
      { opType: 'Conv', name: `${p}.conv`, inputs: [input, `${p}.W`], outputs: [`${p}.c`], attributes: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } } },
      { opType: 'BatchNormalization', name: `${p}.bn`, inputs: [`${p}.c`, `${p}.s`, `${p}.b`, `${p}.m`, `${p}.v`], outputs: [`${p}.n`], attributes: { epsilon: { float: 1e-5 } } },
      { opType: 'Relu', name: `${p}.relu`, inputs: [`${p}.n`], outputs: [`${p}.r`] },
    );
    initializers.push(filled(`${p}.W`, [channels, channels, 3, 3], -0.5), filled(`${p}.s`, [channels], 0.5), filled(`${p}.b`, [channels], -0.5), filled(`${p}.m`, [channels], -0.5), filled(`${p}.v`, [channels], 0.5));
    input = `${p}.r`;
  }
  return encodeModel(
    {
      name: 'resnet_like',
      nodes,
      inputs: [{ name: 'X', dataType: 'float32', shape: ['N', channels, 'H', 'W'] }],
      outputs: [{ name: input, dataType: 'float32', shape: ['N', channels, 'H', 'W'] }],
      initializers,
    },
    { opset: 15 },
  );
}
