import { describeConformance } from '@bnkit/spec/vitest';
import { createTfjsBackend, tfjsExpectations } from '../src/index.js';

describeConformance('tfjs-cpu', () => createTfjsBackend('cpu'), tfjsExpectations['tfjs-cpu']);
describeConformance('tfjs-wasm', () => createTfjsBackend('wasm'), tfjsExpectations['tfjs-wasm']);

// The autodiff backward recomputes the statistics from x; the vectors' saved statistics are those of x, so it must pass too.
describeConformance('tfjs-cpu with autodiff backward', () => createTfjsBackend('cpu', { backward: 'autodiff' }), tfjsExpectations['tfjs-cpu']);
describeConformance('tfjs-wasm with autodiff backward', () => createTfjsBackend('wasm', { backward: 'autodiff' }), tfjsExpectations['tfjs-wasm']);
