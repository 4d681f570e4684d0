import { describeConformance } from '../src/vitest.js';

// The reference, as every registered backend is run: by name, opened and closed through core's registry.
describeConformance('reference');
