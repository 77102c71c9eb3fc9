import { defineConfig } from 'tsup';

// One bundle per process entry point. Native modules and large runtime libraries stay external:
// they are loaded from node_modules at run time (the PC/SC addon only when a PC/SC reader is configured).
export default defineConfig({
  entry: {
    ykt: 'src/cli/ykt.ts',
    backend: 'src/backend/main.ts',
    'decode-worker': 'drivers/camera/decode-worker.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  splitting: true,
  shims: false,
  banner: { js: '#!/usr/bin/env node' },
  // Dependencies load from node_modules at run time; the PC/SC addon is optional and loaded lazily.
  external: ['smartcard', 'node-hid', 'serialport', 'better-sqlite3', 'pg', 'playwright-core', 'zxing-wasm'],
});
