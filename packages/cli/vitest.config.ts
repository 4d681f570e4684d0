import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@bnkit/source'] },
  ssr: { resolve: { conditions: ['@bnkit/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // The end-to-end tests run the built CLI; this builds it when dist/ is missing or older than src/.
    globalSetup: ['test/build-cli.ts'],
    testTimeout: 60_000,
  },
});
