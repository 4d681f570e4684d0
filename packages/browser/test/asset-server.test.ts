import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAssetServer, type AssetServer } from '../src/asset-server.js';

describe('the asset server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bnkit-assets-'));
  writeFileSync(join(dir, 'kernel.wasm'), new Uint8Array([0, 97, 115, 109]));
  let server: AssetServer;
  beforeAll(async () => {
    server = await startAssetServer(new Map([['/', { body: '<p>page</p>', type: 'text/html' }]]), new Map([['/assets/', dir]]));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves files and directories on 127.0.0.1 with the cross-origin isolation headers', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(`${server.url}/`);
    expect(await page.text()).toBe('<p>page</p>');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const wasm = await fetch(`${server.url}/assets/kernel.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect([...new Uint8Array(await wasm.arrayBuffer())]).toEqual([0, 97, 115, 109]);
  });

  it('refuses what it does not hold', async () => {
    expect((await fetch(`${server.url}/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/..%2f..%2fetc%2fpasswd`)).status).toBe(403);
    expect((await fetch(`${server.url}/`, { method: 'POST' })).status).toBe(405);
  });
});
