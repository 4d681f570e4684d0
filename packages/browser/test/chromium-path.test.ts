import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromiumNotFoundError, findChromium } from '../src/chromium-path.js';

describe('findChromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bnkit-find-chromium-'));
  const fake = join(dir, 'chromium-browser');
  writeFileSync(fake, '#!/bin/sh\n');
  chmodSync(fake, 0o755);
  const plain = join(dir, 'not-executable');
  writeFileSync(plain, '');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes CHROMIUM_PATH when it is executable', () => {
    expect(findChromium({ CHROMIUM_PATH: fake, PATH: '' })).toBe(fake);
  });

  it('finds a Chromium on PATH', () => {
    expect(findChromium({ PATH: `/nonexistent:${dir}` })).toBe(fake);
  });

  it('says how to get one when there is none', () => {
    expect(() => findChromium({ PATH: '/nonexistent' })).toThrow(ChromiumNotFoundError);
    expect(() => findChromium({ PATH: '/nonexistent' })).toThrow(/apt-get install chromium/);
    expect(() => findChromium({ CHROMIUM_PATH: plain, PATH: dir })).toThrow(/CHROMIUM_PATH=.*not an executable/);
  });
});
