import { defineConfig } from 'vitest/config';

// `npm run test:electron`: launches the real desktop app with Playwright's Electron support. Needs the Electron
// binary and a display; not part of `npm test` (whose config only includes tests/**/*.test.ts).
export default defineConfig({
  test: {
    include: ['tests/electron/**/*.spec.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each test starts Electron instances; one file at a time keeps ports and windows apart.
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default', './tests/tools/summary-reporter.ts'],
  },
});
