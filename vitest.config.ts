import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // A budget, not a measure: browser and multi-process cases take several times longer on a busy two-core box.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests open real sockets and measure memory; two cores, so two workers.
    maxWorkers: 2,
    reporters: ['default', './tests/tools/summary-reporter.ts'],
  },
});
