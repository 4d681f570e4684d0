import { VECTORS_DIR } from './load-vectors.js';
import { writeVectors } from './write-vectors.js';

/* Entry point of `npm run generate`: rewrites spec/vectors from the catalog with the fixed seed. */
const written = writeVectors(VECTORS_DIR);
console.log(`wrote ${written.length} golden vectors to ${VECTORS_DIR}`);
