import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadVectors } from '@bnkit/spec';
import { assetDirectories } from './asset-directories.js';
import { startAssetServer, type AssetServer, type ServedFile } from './asset-server.js';
import { findChromium } from './chromium-path.js';
import { buildPage, PACKAGE_ROOT } from './page-bundle.js';
import { PROGRESS_FUNCTION, type PageApi, type PageInfo } from './page/protocol.js';

/**
 * The flags Chromium is started with, besides the fresh `--user-data-dir`: headless, no sandbox
 * (it needs privileges containers lack), nothing fetched in the background, and WebGPU offered
 * where Chromium would otherwise keep it behind a flag on Linux.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
];

/** The browser a run happened in. */
export interface BrowserInfo {
  /** `Chromium` for a Chromium executable, else the product name the browser gives (e.g. `Chrome`). */
  readonly name: string;
  /** e.g. `156.0.8078.114`. */
  readonly version: string;
  readonly userAgent: string;
  readonly executablePath: string;
  readonly flags: readonly string[];
  /** Whether the page was cross-origin isolated (shared memory available). */
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
  /** The WebGPU adapter the page gets (`vendor architecture`), or why there is none. */
  readonly webgpu: string;
}

/** Options of `openBrowserSession`. */
export interface BrowserSessionOptions {
  /** The Chromium to drive; default `findChromium()`. */
  readonly executablePath?: string;
  /** Called as the page reports results: backend, results done, results in all. */
  readonly onProgress?: (backend: string, done: number, total: number) => void;
}

/** A headless Chromium with the bnkit page loaded. Close it when done. */
export interface BrowserSession {
  readonly browser: BrowserInfo;
  readonly page: PageInfo;
  /** Installed backend packages the page could not bundle, with why. */
  readonly unbundled: Readonly<Record<string, string>>;
  /** Calls the page's API (see `page/protocol.ts`). */
  call<K extends keyof PageApi>(method: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>>;
  close(): Promise<void>;
}

async function openPage(context: BrowserContext, url: string, onProgress: BrowserSessionOptions['onProgress']): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.exposeFunction(PROGRESS_FUNCTION, (backend: string, done: number, total: number) => onProgress?.(backend, done, total));
  await page.goto(`${url}/`);
  try {
    await page.waitForFunction(() => (globalThis as Record<string, unknown>)['__bnkit'] !== undefined, undefined, { timeout: 60_000 });
  } catch (error) {
    throw new Error(`the bnkit page did not start: ${errors[0] ?? (error instanceof Error ? error.message : String(error))}`);
  }
  return page;
}

/**
 * Bundles the page, serves it (and the golden vectors, read here in Node, as `/cases.json`) from
 * 127.0.0.1 with cross-origin isolation, and opens it in a headless Chromium started with
 * `CHROMIUM_FLAGS` and a fresh profile directory (removed on close).
 * @throws ChromiumNotFoundError when no Chromium is installed (the message says how to get one);
 *   Error when the page does not bundle or start.
 */
export async function openBrowserSession(options: BrowserSessionOptions = {}): Promise<BrowserSession> {
  const executablePath = options.executablePath ?? findChromium();
  const bundle = await buildPage();
  const files = new Map<string, ServedFile>(bundle.files);
  files.set('/cases.json', { body: JSON.stringify(loadVectors()), type: 'application/json' });
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const server: AssetServer = await startAssetServer(files, assetDirectories(PACKAGE_ROOT));
    cleanups.push(() => server.close());
    const profile = await mkdtemp(join(tmpdir(), 'bnkit-chromium-'));
    cleanups.push(() => rm(profile, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: [...CHROMIUM_FLAGS] });
    cleanups.push(() => context.close());
    const page = await openPage(context, server.url, options.onProgress);
    const call: BrowserSession['call'] = (method, ...args) =>
      page.evaluate(
        ([name, callArgs]) => {
          const api = (globalThis as Record<string, unknown>)['__bnkit'] as Record<string, (...a: unknown[]) => Promise<unknown>>;
          return (api[name] as (...a: unknown[]) => Promise<unknown>)(...callArgs);
        },
        [method, args] as [string, unknown[]],
      ) as never;
    const info = (await call('info')) as PageInfo;
    const cdp = await context.newCDPSession(page);
    const version = (await cdp.send('Browser.getVersion')) as { product: string; userAgent: string };
    const [product = version.product, number = ''] = version.product.split('/');
    return {
      browser: {
        // Chromium reports itself to CDP as "Chrome"; name the build that was started.
        name: /chromium/i.test(basename(executablePath)) ? 'Chromium' : product,
        version: number,
        userAgent: version.userAgent,
        executablePath,
        flags: CHROMIUM_FLAGS,
        crossOriginIsolated: info.crossOriginIsolated,
        hardwareConcurrency: info.hardwareConcurrency,
        webgpu: info.webgpu,
      },
      page: info,
      unbundled: bundle.unbundled,
      call,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
