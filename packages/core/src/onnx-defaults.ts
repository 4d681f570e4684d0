/** The default-domain opsets bnkit writes ONNX BatchNormalization models in (9: no training mode; 14: training mode; 15: separate scale/bias and statistics types). */
export const ONNX_OPSETS: readonly number[] = [9, 14, 15];

/** The opset bnkit writes and builds graphs in when the caller names none. */
export const DEFAULT_ONNX_OPSET = 15;
