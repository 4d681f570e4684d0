import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'spec'],
    reporters: ['default', './scripts/count-reporter.ts'],
  },
});
