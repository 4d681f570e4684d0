export { readStateDictNpy, writeStateDictNpy } from './npy-state.js';
