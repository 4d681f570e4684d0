import { afterEach, describe, expect, it } from 'vitest';
import {
  BACKEND_SPECIFICATION_VERSION,
  BnBackendError,
  closeBackend,
  createReferenceBackend,
  getBackend,
  listBackends,
  openBackend,
  registerBackend,
  resolveBackend,
  unregisterBackend,
  type Backend,
  type BackendDescriptor,
} from '../src/index.js';

function fakeBackend(name: string, init: () => Promise<void> = async () => {}): Backend {
  return { ...createReferenceBackend(), name, init };
}

function descriptor(name: string, create: () => Backend | Promise<Backend>, priority = 0): BackendDescriptor {
  return {
    name,
    packageName: '@bnkit/test',
    precision: 'float64',
    role: 'backend',
    environments: ['node'],
    priority,
    expectations: { backend: name, expectedFailures: [], toleranceOverrides: [] },
    create,
  };
}

const added: string[] = [];
function add(entry: BackendDescriptor): void {
  registerBackend(entry);
  added.push(entry.name);
}

afterEach(async () => {
  for (const name of added.splice(0)) await unregisterBackend(name);
});

describe('registry', () => {
  it('holds the reference backend from the start, as the yardstick', async () => {
    expect(listBackends()).toContain('reference');
    expect(listBackends({ role: 'backend' })).not.toContain('reference');
    const backend = await getBackend('reference');
    expect(backend.specificationVersion).toBe(BACKEND_SPECIFICATION_VERSION);
  });

  it('refuses a descriptor with a missing field, a mismatched expectation or a conflicting duplicate', () => {
    expect(() => registerBackend({ ...descriptor('broken', () => fakeBackend('broken')), create: undefined } as unknown as BackendDescriptor)).toThrow(/descriptor\.create/);
    expect(() => registerBackend({ ...descriptor('other', () => fakeBackend('other')), expectations: { backend: 'x', expectedFailures: [], toleranceOverrides: [] } })).toThrow(BnBackendError);
    add(descriptor('twin', () => fakeBackend('twin')));
    expect(() => registerBackend(descriptor('twin', () => fakeBackend('twin')))).toThrow(/already registered/);
  });

  it('reports a created object that breaks the contract as unavailable, with the reason', async () => {
    add(descriptor('old', () => ({ ...fakeBackend('old'), specificationVersion: 'v0' }) as unknown as Backend));
    const opened = await openBackend('old');
    expect(opened.status).toBe('unavailable');
    expect(opened.status === 'unavailable' && opened.reason).toMatch(/specificationVersion/);
  });

  it('creates and initialises a backend once, however many callers ask, and again after close', async () => {
    let creates = 0;
    let inits = 0;
    add(
      descriptor('counted', () => {
        creates += 1;
        return fakeBackend('counted', async () => {
          inits += 1;
        });
      }),
    );
    await Promise.all([getBackend('counted'), getBackend('counted'), resolveBackend(['counted'])]);
    expect([creates, inits]).toEqual([1, 1]);
    await closeBackend('counted');
    await closeBackend('counted');
    await getBackend('counted');
    expect([creates, inits]).toEqual([1, 2]);
  });

  it('disposes once on close, and the closed backend refuses operations until init', async () => {
    let disposes = 0;
    const backend = createReferenceBackend();
    const dispose = backend.dispose.bind(backend);
    add(descriptor('disposable', () => ({ ...backend, name: 'disposable', dispose: async () => { disposes += 1; await dispose(); } })));
    const opened = await getBackend('disposable');
    await closeBackend('disposable');
    await closeBackend('disposable');
    expect(disposes).toBe(1);
    const input = { x: new Float32Array([1, 2]), shape: [2, 1], layout: 'NC' as const, runningMean: new Float32Array([0]), runningVar: new Float32Array([1]), gamma: new Float32Array([1]), beta: new Float32Array([0]) };
    await expect(opened.inference(input)).rejects.toThrow(BnBackendError);
    await opened.init();
    await expect(opened.inference(input)).resolves.toBeDefined();
  });

  it('resolves by priority and lists every failure when none initialises', async () => {
    add(descriptor('failing', () => Promise.reject(new Error('engine missing')), 10));
    add(descriptor('working', () => fakeBackend('working'), 5));
    expect((await resolveBackend()).name).toBe('working');
    const error = await resolveBackend(['failing', 'absent']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BnBackendError);
    expect((error as Error).message).toContain('failing: engine missing');
    expect((error as Error).message).toContain('absent: not registered');
    await expect(getBackend('nope')).rejects.toThrow(/registered backends/);
  });
});
