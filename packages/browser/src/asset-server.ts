import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/** A file held in memory (the bundled page, the vectors). */
export interface ServedFile {
  readonly body: string | Uint8Array;
  readonly type: string;
}

/** A running server; `url` has no trailing slash. */
export interface AssetServer {
  readonly url: string;
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** The content type of a file name, by its extension. */
export function contentType(name: string): string {
  return TYPES[extname(name)] ?? 'application/octet-stream';
}

/**
 * The headers of every response. COOP same-origin and COEP require-corp make the page
 * cross-origin isolated, which browsers require before they give it SharedArrayBuffer (shared
 * WebAssembly memory, wasm threads); CORP lets the isolated page load each file.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function send(response: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  response.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': type });
  response.end(body);
}

/**
 * Serves `files` (by exact path) and `directories` (URL prefix ending in `/` -> directory) on
 * 127.0.0.1 at a free port, GET only, with `ISOLATION_HEADERS`. Paths that climb out of a
 * directory are refused.
 */
export async function startAssetServer(files: ReadonlyMap<string, ServedFile>, directories: ReadonlyMap<string, string>): Promise<AssetServer> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (request.method !== 'GET') return send(response, 405, 'text/plain', 'GET only');
    const file = files.get(path);
    if (file) return send(response, 200, file.type, file.body);
    for (const [prefix, dir] of directories) {
      if (!path.startsWith(prefix)) continue;
      const target = normalize(join(dir, path.slice(prefix.length)));
      if (!target.startsWith(normalize(dir) + sep)) return send(response, 403, 'text/plain', 'outside the served directory');
      readFile(target).then(
        (body) => send(response, 200, contentType(target), body),
        () => send(response, 404, 'text/plain', `not found: ${path}`),
      );
      return;
    }
    send(response, 404, 'text/plain', `not found: ${path}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
