import { defineConfig } from 'vitest/config';

// Unit tests: pure and in-process, run in parallel. The real-stack tests (pcscd + vpcd, socat ptys,
// PostgreSQL, Chromium, processes killed with SIGKILL) are in vitest.stack.config.ts: they own fixed
// system resources and run one file at a time. `npm test` runs both.
export default defineConfig({
  test: {
    include: ['{apdu,src,drivers,bench,firmware-images}/**/*.test.ts'],
    exclude: ['**/*.stack.test.ts', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
