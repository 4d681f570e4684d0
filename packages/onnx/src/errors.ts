import { BnValueError } from '@bnkit/core';

/**
 * Bytes that are not a well-formed ONNX model or tensor (truncated, garbage, wrong wire types),
 * or a model that fails structural validation. `argument` names the file or the part of the
 * model at fault.
 */
export class OnnxFormatError extends BnValueError {}
