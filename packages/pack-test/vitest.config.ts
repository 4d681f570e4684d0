import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    include: ['test/**/*.test.ts'],
    // The tarballs are packed from dist/; this brings every package's build up to date first.
    globalSetup: ['test/build-packages.ts'],
    // Packing, an npm install (from npm's cache where it holds the registry's files) and tsc.
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
