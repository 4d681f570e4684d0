import { BackendLifecycle, createReferenceBackend, type Backend } from '@bnkit/core';

/**
 * The float64 reference under another name, with a dispose contract of its own (its errors name
 * `name`), changed by `change`, which receives the renamed backend to call through.
 */
export function namedReference(name: string, change: (base: Backend) => Partial<Backend> = () => ({})): Backend {
  const reference = createReferenceBackend();
  const lifecycle = new BackendLifecycle(name);
  const base: Backend = {
    ...reference,
    name,
    async init() {
      lifecycle.initialised();
    },
    async dispose() {
      lifecycle.disposed();
    },
    async inference(input) {
      lifecycle.assertUsable('inference');
      return reference.inference(input);
    },
    async trainForward(input) {
      lifecycle.assertUsable('trainForward');
      return reference.trainForward(input);
    },
    async backward(input) {
      lifecycle.assertUsable('backward');
      return reference.backward(input);
    },
  };
  return { ...base, ...change(base) };
}
