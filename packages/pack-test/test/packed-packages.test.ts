import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScratchProject } from './scratch-project.js';
import { exportTargets, packWorkspace, publicPackageNames, type PackedPackage } from './workspace-packages.js';

/** The packages the scratch project installs: the user program's, and the tfjs adapter for its optional peers. */
const INSTALLED = ['@bnkit/core', '@bnkit/cpu', '@bnkit/layer', '@bnkit/onnx', '@bnkit/onnxruntime', '@bnkit/spec', '@bnkit/tfjs'];
/** What the README tells npm users to set: onnxruntime-node's install script then downloads nothing (no CUDA files). */
const ORT_SKIP = { ONNXRUNTIME_NODE_INSTALL: 'skip' };
/**
 * What a user names besides: onnxruntime-node (an optional peer of @bnkit/onnxruntime, as its
 * README says to install it), and for the consumer the workspace's TypeScript and Node types.
 */
const OTHERS = ['onnxruntime-node@1.30.0', 'typescript@5.9.3', '@types/node@^20.19.0'];

let tarballDir: string;
let packed: PackedPackage[];
let project: ScratchProject;

beforeAll(async () => {
  tarballDir = await mkdtemp(join(tmpdir(), 'bnkit-tarballs-'));
  packed = await packWorkspace(tarballDir);
  // npm 11.19 blocks dependency install scripts unless package.json allows them; allowing
  // onnxruntime-node's runs it as npm 10 does, so the install shows the variable at work.
  project = await ScratchProject.create({ allowScripts: { 'onnxruntime-node': true } });
  const tarballs = INSTALLED.map((name) => {
    const found = packed.find((p) => p.name === name);
    if (!found) throw new Error(`${name} was not packed`);
    return found.tarball;
  });
  await project.npmInstall([...tarballs, ...OTHERS], ORT_SKIP);
});

afterAll(async () => {
  await project?.remove();
  if (tarballDir) await rm(tarballDir, { recursive: true, force: true });
});

describe('every package, packed with pnpm pack', () => {
  it('packs every public workspace package', async () => {
    const names = await publicPackageNames();
    expect(names).toEqual(expect.arrayContaining([...INSTALLED, '@bnkit/cli', '@bnkit/bench']));
    expect(packed.map((p) => p.name).sort()).toEqual(names);
  });

  it('names real versions of its sibling packages, never workspace: ranges', () => {
    for (const { name, manifest } of packed) {
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const) {
        for (const [dependency, range] of Object.entries(manifest[field] ?? {})) {
          expect(range, `${name} ${field}.${dependency}`).not.toMatch(/^workspace:/);
          if (dependency.startsWith('@bnkit/')) expect(range, `${name} ${field}.${dependency}`).toBe(packed.find((p) => p.name === dependency)?.manifest.version);
        }
      }
    }
  });

  it('holds every file its exports map points at', () => {
    for (const { name, manifest, files } of packed) {
      const targets = exportTargets(manifest.exports);
      expect(targets.length, name).toBeGreaterThan(0);
      for (const target of targets) expect(files, `${name} exports ${target}`).toContain(target.replace(/^\.\//, ''));
    }
  });

  it('marks as optional the peers only some users need', () => {
    const meta = (name: string) => packed.find((p) => p.name === name)?.manifest.peerDependenciesMeta ?? {};
    expect(meta('@bnkit/spec').vitest?.optional).toBe(true);
    for (const engine of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu']) {
      expect(meta('@bnkit/tfjs')[engine]?.optional, engine).toBe(true);
    }
  });
});

describe('the tarballs installed with npm in a project outside the workspace', () => {
  it('install no optional peer the user did not name, and the required ones', () => {
    const installed = (name: string) => existsSync(join(project.dir, 'node_modules', name, 'package.json'));
    expect(installed('vitest')).toBe(false);
    expect(installed('@tensorflow/tfjs-backend-wasm')).toBe(false);
    expect(installed('@tensorflow/tfjs-backend-webgpu')).toBe(false);
    expect(installed('@tensorflow/tfjs')).toBe(true);
  });

  it("skip onnxruntime-node's download of CUDA files with ONNXRUNTIME_NODE_INSTALL=skip", async () => {
    const script = join('node_modules', 'onnxruntime-node', 'script', 'install.js');
    await project.exec(process.execPath, [script], ORT_SKIP);
    const binaries = join(project.dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64');
    if (process.platform === 'linux' && process.arch === 'x64') {
      expect(existsSync(join(binaries, 'libonnxruntime_providers_cuda.so'))).toBe(false);
      expect(existsSync(join(binaries, 'onnxruntime_binding.node'))).toBe(true);
    }
  });

  it('run a user program: cpu through the registry, the layer, an ONNX export run by onnxruntime-node, number[] requests, the conformance suite', async () => {
    await project.addFixture('user-program.mjs');
    const { stdout } = await project.exec(process.execPath, ['user-program.mjs']);
    const result = JSON.parse(stdout) as UserProgramResult;
    expect(result.backends).toEqual(expect.arrayContaining(['cpu', 'onnxruntime', 'reference']));
    // First batch, worked by hand: channel 0 = [1, 2, 3, 4] (mean 2.5, biased variance 1.25),
    // channel 1 = [10, 10, 10, 14] (mean 11, biased variance 3); eps 1e-5, gamma 1, beta 0.
    expect(result.train[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25 + 1e-5), 6);
    expect(result.train[7]).toBeCloseTo(3 / Math.sqrt(3 + 1e-5), 6);
    // Second batch: channel 0 = [0, 2, 4, 6] (mean 3, unbiased variance 20/3), channel 1 =
    // [0, 0, 0, 8] (mean 2, unbiased 16). PyTorch's rule with momentum 0.1 from mean 0, var 1.
    const runningMean = [0.9 * 0.1 * 2.5 + 0.1 * 3, 0.9 * 0.1 * 11 + 0.1 * 2];
    const runningVar = [0.9 * (0.9 + 0.1 * (5 / 3)) + 0.1 * (20 / 3), 0.9 * (0.9 + 0.1 * 4) + 0.1 * 16];
    result.runningMean.forEach((v, c) => expect(v).toBeCloseTo(runningMean[c] as number, 6));
    result.runningVar.forEach((v, c) => expect(v).toBeCloseTo(runningVar[c] as number, 6));
    expect(result.numBatchesTracked).toBe(2);
    // dy = 1 at the first value of channel 0 of the second batch (x = 0, xhat = -3/sqrt(5 + eps)):
    // dgamma = xhat, and dx_0 = (1/sigma) * (1 - 1/4 - xhat^2/4).
    const sigma = Math.sqrt(5 + 1e-5);
    expect(result.gammaGrad[0]).toBeCloseTo(-3 / sigma, 6);
    expect(result.dx[0]).toBeCloseTo((1 - 0.25 - 9 / (4 * (5 + 1e-5))) / sigma, 6);
    // Evaluation: (x - running mean) / sqrt(running var + eps), x = [0.5, 1, -1, 3, 2, 2] in NC.
    const x = [0.5, 1, -1, 3, 2, 2];
    const expected = x.map((v, i) => (v - (runningMean[i % 2] as number)) / Math.sqrt((runningVar[i % 2] as number) + 1e-5));
    expected.forEach((v, i) => {
      expect(result.evaluation[i]).toBeCloseTo(v, 5);
      expect(result.onnxruntime[i]).toBeCloseTo(v, 5);
      expect(result.readBack.y[i]).toBeCloseTo(v, 5);
    });
    expect(result.readBack.training).toBe(false);
    // number[] x, gamma and beta left out: channel 0 = [1, 3], channel 1 = [2, 6] (biased variances 1 and 4).
    const plain = [-1 / Math.sqrt(1 + 1e-5), -2 / Math.sqrt(4 + 1e-5), 1 / Math.sqrt(1 + 1e-5), 2 / Math.sqrt(4 + 1e-5)];
    for (const backend of ['cpu', 'onnxruntime']) plain.forEach((v, i) => expect(result.plain[backend]?.[i], backend).toBeCloseTo(v, 5));
    expect(result.conformance.ok).toBe(true);
    expect(result.conformance.counts.passed).toBeGreaterThan(0);
  });

  it('type-check in a consumer compiled with the DOM library and skipLibCheck off', async () => {
    await project.addFixture('consumer.ts');
    await project.addFixture('tsconfig.consumer.json', 'tsconfig.json');
    const { stdout } = await project.exec(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
    expect(stdout).toBe('');
  });
});

interface UserProgramResult {
  backends: string[];
  train: number[];
  dx: number[];
  gammaGrad: number[];
  runningMean: number[];
  runningVar: number[];
  numBatchesTracked: number;
  evaluation: number[];
  onnxruntime: number[];
  readBack: { training: boolean; y: number[] };
  plain: Record<string, number[]>;
  conformance: { ok: boolean; counts: Record<string, number> };
}
