/** Whole ONNX models: recalibrate and compare every BN node. */
export const PACKAGE_NAME = '@bnkit/models';
