import * as tf from '@tensorflow/tfjs';

/**
 * Keeps tfjs's cpu backend from printing its "install tfjs-node" banner. The backend prints it
 * on its first tensor write when tfjs's `IS_NODE` flag is set, guarded by its own `firstUse`
 * field (tfjs-backend-cpu 4.x, `MathBackendCPU.write`); clearing that field on the initialised
 * backend is the narrowest switch: tfjs's other warnings stay on (`tf.enableProdMode()` would
 * silence them all, for every user of the process). tfjs-node is not an option here: it
 * downloads libtensorflow at install. `tf.findBackend` creates the cpu backend (without making it
 * active) when nothing has yet. A test checks that the banner stays away.
 */
export function quietCpuBanner(): void {
  const backend = tf.findBackend('cpu') as unknown as { firstUse?: unknown } | null;
  if (backend !== null && backend.firstUse === true) backend.firstUse = false;
}
