/** The part of `navigator.gpu` asked here; typed locally so the package needs no WebGPU type package. */
interface GpuProbe {
  requestAdapter(): Promise<unknown>;
}

/**
 * Why tfjs's WebGPU backend cannot run here, in the environment's own terms, or undefined when a
 * WebGPU adapter is available: no `navigator.gpu` (Node, or a browser without WebGPU), or
 * `requestAdapter()` answering null (WebGPU exposed, but no adapter, e.g. no usable GPU).
 */
export async function webgpuUnavailableReason(): Promise<string | undefined> {
  const nav = (globalThis as { navigator?: { gpu?: GpuProbe } }).navigator;
  if (nav === undefined) return 'no navigator: WebGPU exists only in browsers';
  if (nav.gpu === undefined) return 'navigator.gpu is undefined: this browser exposes no WebGPU';
  let adapter: unknown;
  try {
    adapter = await nav.gpu.requestAdapter();
  } catch (error) {
    return `navigator.gpu.requestAdapter() threw: ${error instanceof Error ? error.message : String(error)}`;
  }
  return adapter === null || adapter === undefined ? 'navigator.gpu.requestAdapter() returned null: no WebGPU adapter' : undefined;
}
