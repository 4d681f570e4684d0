import { describeConformance } from '@bnkit/spec/vitest';
import { createOnnxruntimeWebBackend, onnxruntimeWebExpectations } from '../src/index.js';

describeConformance('onnxruntime-web', () => createOnnxruntimeWebBackend(), onnxruntimeWebExpectations);
