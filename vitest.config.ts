import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests open real sockets and measure memory; two cores, so two workers.
    maxWorkers: 2,
    reporters: ['default', './tests/tools/summary-reporter.ts'],
  },
});
