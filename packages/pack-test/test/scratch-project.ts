import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** What a command printed. */
export interface Output {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A fresh npm project under the OS temp directory, outside the workspace (so nothing resolves
 * through the workspace's node_modules), removed by `remove`.
 */
export class ScratchProject {
  private constructor(readonly dir: string) {}

  /** Creates the project: a package.json of an ES module package, with `fields` added, and nothing else. */
  static async create(fields: Record<string, unknown> = {}): Promise<ScratchProject> {
    const dir = await mkdtemp(join(tmpdir(), 'bnkit-pack-'));
    const manifest = { name: 'bnkit-consumer', private: true, type: 'module', ...fields };
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return new ScratchProject(dir);
  }

  /**
   * `npm install` of `specs` (tarball paths or registry specs) with `env` added to the
   * environment. npm's cache serves the registry's files it already holds (`--prefer-offline`).
   */
  async npmInstall(specs: readonly string[], env: Record<string, string>): Promise<Output> {
    return this.exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs], env);
  }

  /** Copies a file of this package's fixtures/ into the project. */
  async addFixture(name: string, as = name): Promise<void> {
    await copyFile(join(FIXTURES, name), join(this.dir, as));
  }

  /** Runs `command` in the project; rejects with its output when it exits non-zero. */
  async exec(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<Output> {
    try {
      return await run(command, [...args], { cwd: this.dir, env: { ...userEnvironment(), ...env }, maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
      const failed = error as Error & Partial<Output>;
      throw new Error(`${command} ${args.join(' ')} failed in ${this.dir}: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
    }
  }

  /** Deletes the project. */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * This process's environment without what a package manager running the tests added
 * (`npm_config_*`, `npm_package_*`, ...), so the scratch project's commands behave as in a
 * user's shell.
 */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}
