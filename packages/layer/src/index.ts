/** A stateful BatchNorm layer over any bnkit backend. */
export const PACKAGE_NAME = '@bnkit/layer';
