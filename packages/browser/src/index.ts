export { benchInBrowser, BROWSER_COPY_BASELINE, type BrowserBench, type BrowserBenchOptions, type BrowserBenchRow } from './browser-bench.js';
export { runConformanceInBrowser, runFailed, type BrowserConformance, type BrowserConformanceOptions } from './browser-conformance.js';
export { CHROMIUM_FLAGS, openBrowserSession, type BrowserInfo, type BrowserSession, type BrowserSessionOptions } from './browser-session.js';
export { CHROMIUM_INSTALL_HINT, CHROMIUM_NAMES, ChromiumNotFoundError, findChromium } from './chromium-path.js';
export { browserBundleProblem, buildPage, type PageBundle } from './page-bundle.js';
export type { PageBackend, PageConformanceRun, PageInfo } from './page/protocol.js';
