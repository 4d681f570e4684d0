export { DEFAULT_PARALLEL_THRESHOLD, createCpuBackend, type CpuBackend, type CpuBackendOptions } from './cpu-backend.js';
export { cpuExpectations } from './expectations.js';
export { createJsKernels } from './js-kernels.js';
export type {
  AffineParams,
  AffineRequest,
  GradInputParams,
  GradInputRequest,
  GradSums,
  GradSumsRequest,
  KernelRange,
  Kernels,
  MomentsAccumulator,
  MomentsRequest,
} from './kernels.js';
export { BackendFloat32Array } from './output-arrays.js';
export { geometryOf, type Geometry } from './geometry.js';
export { WasmArena } from './wasm-arena.js';
export type { KernelExports } from './wasm-module.js';
export { cpuDescriptor } from './descriptor.js';
