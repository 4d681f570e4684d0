/** The WebGPU entry point of a browser, as far as checking for an adapter needs it. */
interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/**
 * Why WebGPU cannot run here, or undefined when the environment exposes a WebGPU adapter:
 * Node and browsers without WebGPU have no `navigator.gpu`; a browser with it may still have no
 * adapter (blocklisted or headless without a GPU), which `requestAdapter()` answers with null.
 */
export async function webgpuUnavailableReason(): Promise<string | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (gpu === undefined) return 'no WebGPU here: navigator.gpu is undefined (Node, or a browser without WebGPU)';
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? undefined : 'no WebGPU adapter: navigator.gpu.requestAdapter() returned null';
  } catch (error) {
    return `no WebGPU adapter: navigator.gpu.requestAdapter() failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
