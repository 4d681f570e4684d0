// WebAssembly SIMD kernels of @bnkit/cpu, compiled by AssemblyScript at build time, one module
// per operation. Every pointer is a byte offset into the imported memory. A tensor argument
// points at element `first` of the flat tensor and the call covers `count` elements; element i
// belongs to channel (i / inner) % c (inner = 1 for channels-last rows). Per-channel arrays are
// f64[c]. Sums end in float64: float32 lanes add blocks of at most 32 values of one channel,
// each folded into float64 accumulators; moments take one pass around a shift estimated from
// each channel's first values, and a second only when that estimate was far off (moments.ts).
// The element-wise outputs y and dx run in float32 lanes on the mean split in two (see affine.ts
// and grad-input.ts). Every per-channel step of an operation runs here too (channels.ts).
export { moments } from './moments';
export { affine, inferenceConstants } from './affine';
export { gradSums } from './grad-sums';
export { gradInput } from './grad-input';
export { trainChannels, backwardChannels, trainConstants, backwardConstants } from './channels';
