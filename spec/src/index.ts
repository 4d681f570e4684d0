export * from './browser.js';
export { caseFilePath, listVectorFiles, loadVectorFile, loadVectors, VECTORS_DIR } from './load-vectors.js';
export { renderVectors, writeVectors } from './write-vectors.js';
