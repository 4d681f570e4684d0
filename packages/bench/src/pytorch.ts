import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BnBackendError, type Layout, type Operation } from '@bnkit/core';
import type { Timing, TimingOptions } from './timing.js';

/** The row name of PyTorch's measurements. */
export const PYTORCH = 'pytorch';

// The script sits in the package's python/ folder, one level above both src/ and dist/.
const SCRIPT = fileURLToPath(new URL('../python/torch_batch_norm.py', import.meta.url));

/**
 * The Python interpreters tried when none is named: `python3` on the PATH, then the system's
 * (where a distribution's `python3-torch` lives when a version manager shadows it on the PATH).
 */
export const DEFAULT_PYTHONS: readonly string[] = ['python3', '/usr/bin/python3'];

// Importing torch takes a few seconds; a start slower than this is treated as a failure.
const START_TIMEOUT_MS = 120_000;

/** What one PyTorch measurement is asked to do. */
export interface PytorchRequest {
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly operation: Operation;
  readonly eps: number;
  readonly momentum: number;
}

/**
 * A running Python process with torch, timing one request at a time (it waits on its stdin in
 * between, so it never competes with what the bench times meanwhile).
 */
export interface PytorchSession {
  /** torch's version, e.g. `1.13.1`. */
  readonly version: string;
  /** The interpreter that runs it. */
  readonly python: string;
  /** Threads torch computes with (`torch.set_num_threads`). */
  readonly threads: number;
  /**
   * `OMP_WAIT_POLICY` as the process inherited it, or `default` when unset: GNU OpenMP's threads
   * then spin for a while before they sleep, which is fastest on an idle machine and can be ten
   * times slower on small shapes when other processes hold the cores.
   */
  readonly ompWaitPolicy: string;
  /** Times one operation like the bench times a backend; rejects with the reason when PyTorch failed. */
  measure(request: PytorchRequest, timing: TimingOptions): Promise<Timing>;
  /** Ends the process. */
  close(): Promise<void>;
}

/** The result of looking for PyTorch: a session, or why there is none. */
export type PytorchStart = { readonly status: 'ready'; readonly session: PytorchSession } | { readonly status: 'skipped'; readonly reason: string };

interface Reply {
  readonly ready?: boolean;
  readonly torch?: string;
  readonly threads?: number;
  readonly reason?: string;
  readonly minMs?: number;
  readonly medianMs?: number;
  readonly maxMs?: number;
  readonly samples?: number[];
  readonly callsPerSample?: number;
  readonly windowMs?: number;
  readonly error?: string;
}

class LineChannel {
  private readonly lines: Interface;
  private readonly waiting: ((line: string | undefined) => void)[] = [];
  private readonly queued: string[] = [];
  private ended = false;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout });
    this.lines.on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.queued.push(line);
    });
    this.lines.on('close', () => {
      this.ended = true;
      for (const next of this.waiting.splice(0)) next(undefined);
    });
  }

  /** The next line the child writes, or undefined once its output ended. */
  next(): Promise<string | undefined> {
    const line = this.queued.shift();
    if (line !== undefined || this.ended) return Promise.resolve(line);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

function parseReply(line: string | undefined, stderr: () => string): Reply {
  if (line === undefined) throw new Error(`the process ended${stderr() ? `: ${stderr()}` : ''}`);
  try {
    return JSON.parse(line) as Reply;
  } catch {
    throw new Error(`an unreadable answer: ${line.slice(0, 200)}`);
  }
}

async function startOne(python: string, threads: number): Promise<PytorchStart> {
  let child: ChildProcessWithoutNullStreams;
  const spawned = new Promise<ChildProcessWithoutNullStreams>((resolve, reject) => {
    child = spawn(python, [SCRIPT, String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
  try {
    child = await spawned;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { status: 'skipped', reason: code === 'ENOENT' ? `${python} not found` : `${python} did not start: ${(error as Error).message}` };
  }
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-2000);
  });
  // A write to a process that died fails the pending read with the reason; the pipe's own error adds nothing.
  child.stdin.on('error', () => undefined);
  // The line that names the error: Python's traceback ends with it, Node's is followed by its version.
  const stderr = (): string => {
    const lines = errors.trim().split('\n');
    return [...lines].reverse().find((line) => /Error\b/.test(line))?.trim() ?? lines.at(-1) ?? '';
  };
  const channel = new LineChannel(child);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), START_TIMEOUT_MS);
  });
  let hello: Reply;
  try {
    const line = await Promise.race([channel.next(), timeout]);
    hello = parseReply(line, stderr);
  } catch (error) {
    child.kill();
    return { status: 'skipped', reason: `${python} with torch did not start: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
  if (hello.ready !== true) {
    child.kill();
    const noTorch = /No module named 'torch'/.test(hello.reason ?? '');
    return { status: 'skipped', reason: noTorch ? `${python} has no torch` : `${python} cannot import torch: ${hello.reason ?? 'no reason given'}` };
  }
  // One request at a time: each waits for the previous answer.
  let queue: Promise<unknown> = Promise.resolve();
  const session: PytorchSession = {
    version: hello.torch ?? 'unknown',
    python,
    threads: hello.threads ?? threads,
    ompWaitPolicy: process.env['OMP_WAIT_POLICY'] ?? 'default',
    measure(request, timing) {
      const result = queue.then(async () => {
        child.stdin.write(`${JSON.stringify({ ...request, ...timing })}\n`);
        const reply = parseReply(await channel.next(), stderr);
        const { minMs, medianMs, maxMs, samples, callsPerSample, windowMs } = reply;
        if (reply.error !== undefined || minMs === undefined || medianMs === undefined || maxMs === undefined || !samples?.length) {
          throw new BnBackendError(PYTORCH, 'a measurement', reply.error ?? `an incomplete answer: ${JSON.stringify(reply)}`);
        }
        return { minMs, medianMs, maxMs, samples, callsPerSample: callsPerSample ?? 1, windowMs: windowMs ?? Number.NaN };
      });
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.stdin.end();
      await exited;
    },
  };
  return { status: 'ready', session };
}

/**
 * Starts PyTorch's timing process with `threads` threads. Tries `pythons` in order (by default
 * `DEFAULT_PYTHONS`) and keeps the first whose torch imports. Never rejects: when none works the
 * result is `skipped` with every interpreter's reason and how to install torch. PyTorch is never
 * required; it only adds a row to compare against.
 */
export async function startPytorch(threads: number, pythons: readonly string[] = DEFAULT_PYTHONS): Promise<PytorchStart> {
  const reasons: string[] = [];
  for (const python of new Set(pythons)) {
    const started = await startOne(python, threads);
    if (started.status === 'ready') return started;
    reasons.push(started.reason);
  }
  return { status: 'skipped', reason: `${reasons.join('; ')} (install it with apt-get install python3-torch or pip install torch)` };
}
