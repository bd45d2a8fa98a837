import { defineConfig } from 'vitest/config';

// `npm run screenshots`: the README's pictures, made from the real window. Not part of `npm test`.
export default defineConfig({
  test: {
    include: ['tests/tools/readme-screenshots.shot.ts'],
    testTimeout: 120_000,
    hookTimeout: 30_000,
  },
});
