import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BnValueError } from '../src/index.js';
import { checkOutputPath, isSameFile, temporaryPath, trackTemporary, writeFileAtomic } from '../src/node/index.js';

const sourceDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
let root: string;
let counter = 0;

/** A fresh, empty directory for one test. */
function freshDir(): string {
  const dir = join(root, `case-${counter++}`);
  mkdirSync(dir);
  return dir;
}

function temporaries(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.bnkit-tmp'));
}

async function refusal(promise: Promise<unknown>): Promise<BnValueError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BnValueError);
  return error as BnValueError;
}

function canMakeDevices(): boolean {
  const probe = join(tmpdir(), `bnkit-mknod-probe-${process.pid}`);
  try {
    execFileSync('mknod', [probe, 'c', '1', '3'], { stdio: 'ignore' });
    rmSync(probe);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bnkit-atomic-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('writeFileAtomic: what it refuses', () => {
  it.runIf(canMakeDevices())('refuses a character device (needs permission to mknod) and leaves it as it was', async () => {
    const dir = freshDir();
    const device = join(dir, 'null-device');
    execFileSync('mknod', [device, 'c', '1', '3']);
    const error = await refusal(writeFileAtomic(device, 'x', { argument: '--out' }));
    expect(error.argument).toBe('--out');
    expect(error.message).toContain('is a character device');
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    expect(temporaries(dir)).toEqual([]);
  });

  it('refuses /dev/null when only checked', async () => {
    const error = await refusal(checkOutputPath('/dev/null', '--json'));
    expect(error.message).toMatch(/^--json: .*"\/dev\/null" is a character device/);
  });

  it('refuses a FIFO and a directory, naming them', async () => {
    const dir = freshDir();
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect((await refusal(writeFileAtomic(fifo, 'x'))).message).toContain('is a FIFO');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expect((await refusal(writeFileAtomic(sub, 'x', { argument: 'out' }))).message).toContain('is a directory');
    expect(statSync(sub).isDirectory()).toBe(true);
    expect(temporaries(dir)).toEqual([]);
  });

  it('refuses a symbolic link to a device without touching the link', async () => {
    const dir = freshDir();
    const link = join(dir, 'out.onnx');
    symlinkSync('/dev/null', link);
    const error = await refusal(writeFileAtomic(link, 'x'));
    expect(error.message).toContain('through a symbolic link to "/dev/null"');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('names the path, not a temporary one, when the directory is missing', async () => {
    const dir = freshDir();
    const error = await refusal(writeFileAtomic(join(dir, 'missing', 'out.json'), 'x', { argument: '--json' }));
    expect(error.argument).toBe('--json');
    expect(error.message).toContain('does not exist');
    expect(error.message).not.toContain('bnkit-tmp');
  });

  it('refuses a loop of symbolic links', async () => {
    const dir = freshDir();
    symlinkSync('b', join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    expect((await refusal(writeFileAtomic(join(dir, 'a'), 'x'))).message).toContain('symbolic links');
  });
});

describe('writeFileAtomic: what it writes', () => {
  it('writes through a symbolic link to its file and keeps the link', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'real.json'), 'old');
    symlinkSync('real.json', join(dir, 'link.json'));
    await writeFileAtomic(join(dir, 'link.json'), 'new');
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'link.json'))).toBe('real.json');
    expect(readFileSync(join(dir, 'real.json'), 'utf8')).toBe('new');
  });

  it('creates the file a dangling link names, and keeps the link', async () => {
    const dir = freshDir();
    symlinkSync('later.json', join(dir, 'link.json'));
    await writeFileAtomic(join(dir, 'link.json'), 'content');
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'later.json'), 'utf8')).toBe('content');
  });

  it('keeps the permission bits of the file it replaces', async () => {
    const dir = freshDir();
    for (const mode of [0o600, 0o755, 0o640]) {
      const path = join(dir, `m${mode.toString(8)}`);
      writeFileSync(path, 'old');
      chmodSync(path, mode);
      await writeFileAtomic(path, 'new');
      expect(statSync(path).mode & 0o7777).toBe(mode);
      expect(readFileSync(path, 'utf8')).toBe('new');
    }
  });

  it('removes its temporary file and leaves the target when the write fails', async () => {
    const dir = freshDir();
    const path = join(dir, 'out.bin');
    writeFileSync(path, 'old');
    // Content the file system refuses fails after the temporary file was created.
    const error = await refusal(writeFileAtomic(path, 42 as unknown as string, { argument: 'out' }));
    expect(error.message).not.toContain('bnkit-tmp');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(temporaries(dir)).toEqual([]);
  });

  it('tells the same file under two names', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'a'), '');
    symlinkSync('a', join(dir, 'b'));
    expect(await isSameFile(join(dir, 'a'), join(dir, 'b'))).toBe(true);
    expect(await isSameFile(join(dir, 'a'), join(dir, 'missing'))).toBe(false);
  });
});

describe('writeFileAtomic: signals and killed writers', () => {
  let writer: string;

  beforeAll(async () => {
    // The writer, bundled from the sources, for child processes that are killed while writing.
    writer = join(root, 'writer.mjs');
    await build({ entryPoints: [join(sourceDir, 'node', 'index.ts')], bundle: true, platform: 'node', format: 'esm', outfile: writer, logLevel: 'silent' });
  });

  /**
   * Runs a child that writes 64 MiB to `target` and sends itself `signal` as soon as the
   * temporary file exists (the write then takes many more turns of the event loop).
   */
  function killedWriter(target: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
    const script = `
      import { readdirSync } from 'node:fs';
      import { writeFileAtomic } from ${JSON.stringify(writer)};
      const [target, dir, signal] = process.argv.slice(1);
      writeFileAtomic(target, new Uint8Array(64 * 1024 * 1024)).then(() => console.log('written'), (e) => console.log('failed ' + e.message));
      const poll = () => (readdirSync(dir).some((n) => n.endsWith('.bnkit-tmp')) ? process.kill(process.pid, signal) : setImmediate(poll));
      poll();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, target, dirname(target), signal]);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    return new Promise((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig, stdout })));
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`removes the temporary file on ${signal} and ends the process by the signal`, async () => {
      const dir = freshDir();
      const target = join(dir, 'model.onnx');
      writeFileSync(target, 'old');
      const run = await killedWriter(target, signal);
      expect(run).toMatchObject({ code: null, signal, stdout: '' });
      expect(temporaries(dir)).toEqual([]);
      expect(readFileSync(target, 'utf8')).toBe('old');
    });
  }

  it('removes what a SIGKILLed writer left on the next write of the same path, and only that', async () => {
    const dir = freshDir();
    const target = join(dir, 'model.onnx');
    const run = await killedWriter(target, 'SIGKILL');
    expect(run.signal).toBe('SIGKILL');
    const left = temporaries(dir);
    expect(left).toHaveLength(1);
    // One of a running process (the test runner's parent), and one of another target.
    const live = `.model.onnx.${process.ppid}.0123abcd.bnkit-tmp`;
    const other = `.other.onnx.999999999.0123abcd.bnkit-tmp`;
    writeFileSync(join(dir, live), '');
    writeFileSync(join(dir, other), '');
    await writeFileAtomic(target, 'new');
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(temporaries(dir).sort()).toEqual([live, other].sort());
  });

  it('removes a tracked temporary directory when a signal arrives', () => {
    const dir = freshDir();
    const temporary = temporaryPath(join(dir, 'node-test'));
    mkdirSync(join(temporary, 'test_data_set_0'), { recursive: true });
    writeFileSync(join(temporary, 'model.onnx'), 'partial');
    // A listener of the program's own keeps the delivered signal from ending the test process.
    const keep = (): void => undefined;
    process.on('SIGTERM', keep);
    const untrack = trackTemporary(temporary);
    try {
      process.emit('SIGTERM', 'SIGTERM');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      untrack();
      process.off('SIGTERM', keep);
    }
  });
});
