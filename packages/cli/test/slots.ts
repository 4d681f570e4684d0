import { referenceBackend, referenceDescriptor, type Backend, type BackendDescriptor, type OpenedBackend } from '@bnkit/core';

/** A descriptor for a test backend: the reference's, renamed, as a shippable float32 backend unless it is `reference`. */
export function testDescriptor(name: string, overrides: Partial<BackendDescriptor> = {}): BackendDescriptor {
  if (name === 'reference') return referenceDescriptor;
  return {
    ...referenceDescriptor,
    name,
    packageName: `@bnkit/${name}`,
    precision: 'float32',
    role: 'backend',
    priority: 0,
    expectations: { backend: name, expectedFailures: [], toleranceOverrides: [] },
    ...overrides,
  };
}

/** A registry slot of a ready backend (the reference's math under `name` unless `backend` is given). */
export function readySlot(name: string, backend: Backend = { ...referenceBackend, name }): OpenedBackend {
  const descriptor = testDescriptor(name);
  return { name, status: 'ready', descriptor, backend, expectations: descriptor.expectations };
}

/** A registry slot of a backend that could not be opened, with the reason. */
export function unavailableSlot(name: string, reason: string): OpenedBackend {
  return { name, status: 'unavailable', descriptor: testDescriptor(name), reason };
}
