import { afterEach, describe, expect, it } from 'vitest';
import {
  BACKEND_SPECIFICATION_VERSION,
  BnBackendError,
  getBackend,
  listBackends,
  referenceBackend,
  registerBackend,
  resolveBackend,
  unregisterBackend,
  type Backend,
} from '../src/index.js';

function fake(name: string, init: () => Promise<void> = async () => {}): Backend {
  return { ...referenceBackend, name, init };
}

const added: string[] = [];
function add(backend: Backend, priority?: number): void {
  registerBackend(backend, priority);
  added.push(backend.name);
}

afterEach(() => {
  for (const name of added.splice(0)) unregisterBackend(name);
});

describe('registry', () => {
  it('holds the reference backend from the start', async () => {
    expect(listBackends()).toContain('reference');
    const backend = await getBackend('reference');
    expect(backend.specificationVersion).toBe(BACKEND_SPECIFICATION_VERSION);
  });

  it('refuses an object that lacks a method, a wrong version, or a conflicting duplicate', () => {
    expect(() => registerBackend({ ...fake('broken'), backward: undefined } as unknown as Backend)).toThrow(/backend\.backward/);
    expect(() => registerBackend({ ...fake('old'), specificationVersion: 'v0' } as unknown as Backend)).toThrow(BnBackendError);
    add(fake('twin'));
    expect(() => registerBackend(fake('twin'))).toThrow(/already registered/);
  });

  it('initialises a backend once, however many callers ask', async () => {
    let inits = 0;
    add(
      fake('counted', async () => {
        inits += 1;
      }),
    );
    await Promise.all([getBackend('counted'), getBackend('counted'), resolveBackend(['counted'])]);
    expect(inits).toBe(1);
  });

  it('resolves by priority and lists every failure when none initialises', async () => {
    add(fake('failing', async () => Promise.reject(new Error('engine missing'))), 10);
    add(fake('working'), 5);
    expect((await resolveBackend()).name).toBe('working');
    const error = await resolveBackend(['failing', 'absent']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BnBackendError);
    expect((error as Error).message).toContain('failing: engine missing');
    expect((error as Error).message).toContain('absent: not registered');
    await expect(getBackend('nope')).rejects.toThrow(/registered backends/);
  });
});
