// Lint: typescript-eslint's recommended rules plus the layering rules of docs/architecture.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noDrivers = { regex: '(^|/)drivers/', message: 'only the runtime composition (src/cli, src/runtime) may load drivers/ — and only lazily' };
const noSrcButCore = { regex: '(^|/)src/(?!core/)', message: 'apdu/ may depend only on src/core' };
const noNative = { group: ['smartcard', 'node-hid', 'serialport', '@serialport/*', 'better-sqlite3'], message: 'native modules live in drivers/ (or the journal/backend store modules)' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.var/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['apdu/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noSrcButCore, noDrivers, { group: ['node:*'], message: 'apdu/ is pure: no Node imports' }, noNative] }] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/runtime/**', 'src/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noDrivers, { group: ['smartcard', 'node-hid', 'serialport', '@serialport/*'], message: 'device modules live in drivers/' }] }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
);
