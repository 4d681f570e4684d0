/** Batch Normalization over onnxruntime-web (wasm, WebGPU). */
export const PACKAGE_NAME = '@bnkit/onnxruntime-web';
