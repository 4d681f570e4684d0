import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Where a benchmark ran, so a reader can judge its numbers. */
export interface BenchEnvironment {
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** Logical processors the process may use. */
  readonly cpus: number;
  /** The processor's name: `model name` of /proc/cpuinfo, else what `os.cpus()` reports. */
  readonly cpuModel: string;
  /** The 1-minute load average when the run started (0 where the platform has none). */
  readonly loadAverage: number;
  /** Total memory in GiB. */
  readonly memoryGiB: number;
}

function cpuinfoModel(): string | undefined {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim();
  } catch {
    // No /proc (macOS, Windows): os.cpus() names the processor there.
    return undefined;
  }
}

/** Describes the machine and runtime this process runs on. */
export function benchEnvironment(): BenchEnvironment {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: os.availableParallelism(),
    cpuModel: cpuinfoModel() ?? os.cpus()[0]?.model.trim() ?? 'unknown processor',
    loadAverage: os.loadavg()[0] ?? 0,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

/** One line naming the machine: `Intel(R) Xeon(R) Processor, 2 CPUs, 23 GiB, Node v20.20.2 linux x64`. */
export function environmentText(environment: BenchEnvironment): string {
  const { cpuModel, cpus, memoryGiB, node, platform, arch } = environment;
  return `${cpuModel}, ${cpus} CPUs, ${memoryGiB} GiB, Node ${node} ${platform} ${arch}`;
}
