import { registerBackend, type BackendDescriptor, type Environment } from '@bnkit/core';
import type { TfjsKind } from './engine.js';
import { tfjsExpectations } from './expectations.js';

/** What differs between the tfjs backends' registry entries. */
interface TfjsEntry {
  /** The tfjs backend, as `tf.setBackend` names it; the registry name is `tfjs-<kind>`. */
  readonly kind: TfjsKind;
  readonly environments: readonly Environment[];
  readonly priority: number;
}

function tfjsDescriptor({ kind, environments, priority }: TfjsEntry): BackendDescriptor {
  return {
    name: `tfjs-${kind}`,
    packageName: '@bnkit/tfjs',
    precision: 'float32',
    role: 'backend',
    environments,
    priority,
    expectations: tfjsExpectations[`tfjs-${kind}`],
    async create() {
      // The engine (and, for wasm, @tensorflow/tfjs-backend-wasm) loads in the backend's init.
      const { createTfjsBackend } = await import('./backend.js');
      return createTfjsBackend(kind);
    },
  };
}

/**
 * The registry entries of the TensorFlow.js backends: in browsers `tfjs-webgpu` and `tfjs-webgl`
 * (the GPU, where the browser gives WebGPU or WebGL), then `tfjs-wasm` (tfjs's WebAssembly
 * backend) before `tfjs-cpu` (its plain JavaScript one, several times slower). All compute in
 * float32; WebGL does where float32 textures can be rendered to (`tfjsWebglPrecision` says), else
 * in float16 textures. Registered when this module loads; a missing engine package, or a browser
 * without WebGL or a WebGPU adapter, makes the backend unavailable with the reason when it is opened.
 */
export const tfjsDescriptors: readonly BackendDescriptor[] = [
  tfjsDescriptor({ kind: 'webgpu', environments: ['browser'], priority: 60 }),
  tfjsDescriptor({ kind: 'webgl', environments: ['browser'], priority: 50 }),
  tfjsDescriptor({ kind: 'wasm', environments: ['node', 'browser'], priority: 40 }),
  tfjsDescriptor({ kind: 'cpu', environments: ['node', 'browser'], priority: 20 }),
];

for (const descriptor of tfjsDescriptors) registerBackend(descriptor);
