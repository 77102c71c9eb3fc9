#!/usr/bin/env node
// `npm start` and `npm test` on a fresh machine: bring what is missing, then run.
//   start: npm dependencies (from the lock file) → build → `ykt demo` (the embedded default)
//   test:  Debian packages (apt-get, as root) → npm dependencies → the PC/SC addon built against
//          libpcsclite → build → unit tests → real-stack tests
// Only Node built-ins here: this runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const mode = process.argv[2];
const extra = process.argv.slice(3);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}
function must(cmd, args, opts) {
  const code = run(cmd, args, opts);
  if (code !== 0) {
    console.error(`bootstrap: \`${cmd} ${args.join(' ')}\` failed with exit code ${code}`);
    process.exit(code);
  }
}
const say = (m) => console.error(`bootstrap: ${m}`);

function newest(dir, acc = 0) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    acc = e.isDirectory() ? newest(p, acc) : Math.max(acc, statSync(p).mtimeMs);
  }
  return acc;
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000) {
    say('installing npm dependencies from package-lock.json (native modules build from source: a few minutes)');
    // `npm install`, not `npm ci`: see .ci/run (npm/cli#4828); it installs the locked versions.
    must('npm', ['install', '--no-audit', '--no-fund']);
  }
}

function ensureBuild() {
  const out = join(root, 'dist', 'ykt.js');
  const srcNewest = Math.max(...['src', 'apdu', 'drivers'].map((d) => newest(join(root, d))), statSync(join(root, 'tsup.config.ts')).mtimeMs);
  if (!existsSync(out) || statSync(out).mtimeMs < srcNewest) must('npx', ['tsup', '--silent']);
}

function missingPackages() {
  const wanted = readFileSync(join(root, '.ci', 'system-packages.txt'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  return wanted.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return !(r.status === 0 && r.stdout.includes('install ok installed'));
  });
}

function ensureSystemPackages() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    say(`missing Debian packages: ${missing.join(' ')}\n  install them with: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  must('apt-get', ['update', '-qq'], { env });
  must('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

function ensurePcscAddon() {
  const req = createRequire(join(root, 'package.json'));
  const load = () => {
    const r = spawnSync(process.execPath, ['-e', "require('smartcard')"], { cwd: root, encoding: 'utf8' });
    return r.status === 0;
  };
  if (load()) return;
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).optionalDependencies?.smartcard;
  let present = false;
  try {
    req.resolve('smartcard/package.json');
    present = true;
  } catch {
    /* an optional dependency that failed to build is removed by npm */
  }
  say(`building the PC/SC addon (smartcard@${version}) against libpcsclite`);
  if (present) must('npm', ['rebuild', 'smartcard']);
  else must('npm', ['install', '--no-save', '--no-audit', '--no-fund', `smartcard@${version}`]);
  if (!load()) {
    say('the smartcard addon still does not load after the rebuild');
    process.exit(1);
  }
}

if (mode === 'start') {
  ensureNodeModules();
  ensureBuild();
  process.exit(run(process.execPath, [join(root, 'dist', 'ykt.js'), ...(extra.length ? extra : ['demo'])]));
} else if (mode === 'test') {
  ensureSystemPackages();
  ensureNodeModules();
  ensurePcscAddon();
  ensureBuild();
  const unit = run('npx', ['vitest', 'run', ...extra]);
  const stack = run('npx', ['vitest', 'run', '-c', 'vitest.stack.config.ts', ...extra]);
  process.exit(unit || stack);
} else {
  say('usage: node .ci/bootstrap.mjs start|test');
  process.exit(2);
}
