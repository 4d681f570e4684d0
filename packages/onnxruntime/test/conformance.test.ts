import { describeConformance } from '@bnkit/spec/vitest';
import { createOnnxruntimeBackend, onnxruntimeExpectations } from '../src/index.js';

describeConformance('onnxruntime', () => createOnnxruntimeBackend(), onnxruntimeExpectations);
