import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@bnkit/source'] },
  ssr: { resolve: { conditions: ['@bnkit/source'] } },
  test: { include: ['test/**/*.test.ts'] },
});
