import { defineConfig } from 'vitest/config';

// Real-stack tests: one file at a time, each in its own process (pcscd, vpcd's ports, the PC/SC socket
// and the PostgreSQL server are shared system resources).
export default defineConfig({
  test: {
    include: ['{apdu,src,drivers,bench,firmware-images}/**/*.stack.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
