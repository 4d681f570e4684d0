export { checkOutputPath, isSameFile, resolveOutputTarget, type OutputTarget } from './output-target.js';
export { writeFileAtomic, type WriteFileAtomicOptions } from './write-file-atomic.js';
export { removeStaleTemporaries, temporaryPath, trackTemporary } from './temporary-files.js';
