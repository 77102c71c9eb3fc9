/**
 * `ykt hotlist import FILE` — put a hotlist into the terminal's download store, from a signed artefact
 * or from a list of ids (which is hashed and signed first, publisher side). Progress on stderr.
 * See docs/downloads.md.
 *
 * Exit codes: 0 applied (or already in force, or written with --no-apply); 1 refused (forged, rolled
 * back, expired, wrong base, invalid ids — the message says which rule); 2 usage; 3 config; 7 the
 * store is unusable (corrupt database).
 */
import { readConfigSections } from '../../runtime/config';
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, errorMessage } from '../../core/errors';
import { ed25519KeyId, ed25519PublicKey } from '../../core/ed25519';
import { parseDownloadsConfig, trustFromConfig, type DownloadsConfig } from '../../downloads/config';
import { isEnvelope, parseEnvelope, sha256Hex } from '../../downloads/envelope';
import { ArtefactRefused, DownloadStoreError } from '../../downloads/errors';
import { buildArtefact, parsePrivateKeyText } from '../../downloads/publisher';
import { ArtefactRegistry, ARTEFACT_KINDS, DAY } from '../../downloads/registry';
import { ArtefactStore, type ApplyStage } from '../../downloads/store';
import { hotlistKeyHalves, isHotlistIdKind, HOTLIST_ID_KINDS, type HotlistIdKind } from '../../hotlist/key';
import { differenceKeys, keyCount, sortUnique, type KeyArray } from '../../hotlist/keys';
import { decodeHotlistPayload, deltaHotlistPayload, fullHotlistPayload } from '../../hotlist/payload';
import { registerHotlistKind } from '../../hotlist/register';
import type { HotlistTable } from '../../hotlist/table';
import { EXIT, parseArgs, UsageError, type CliIo, type Command } from '../command';

const HELP = `usage: ykt hotlist import FILE [--config FILE] [--data-dir DIR] [--trust-key HEX[,HEX…]] [--json]
       ykt hotlist import IDS --sign-key KEYFILE --version N [--kind KIND] [--delta-from PREV.ykta]
                          [--out FILE.ykta] [--no-apply] [--skip-invalid] [--max-age-days D] [--expires-days D]
                          [--config FILE] [--data-dir DIR] [--trust-key HEX[,HEX…]] [--json]

FILE is a signed artefact (recognised by its "YKA1" magic): it is verified with the terminal's pinned
publisher keys and applied to the terminal's download store, under the same rules as a download: a
forged, unknown-key, rolled-back, expired or truncated artefact, or a delta on the wrong base, is
refused and nothing changes.

IDS is a list of lost or blocked cards: one "kind,id" per line (kind: ${HOTLIST_ID_KINDS.join(', ')}),
or one id per line with --kind. Blank lines and "#" comments are skipped; a "kind,id" header is allowed.
Ids are hashed into hotlist keys at once (no card number is kept or printed), signed with --sign-key as
hotlist version N (a full list, or a delta on PREV with --delta-from), written to --out, and applied to
the store unless --no-apply.

  --config FILE         terminal config (JSON with a "downloads" section)
  --data-dir DIR        the download store                              [downloads.dataDir]
  --trust-key HEX,…     extra trusted publisher public keys (64 hex)    [downloads.publisherKeys]
  --sign-key KEYFILE    publisher private key: 64 hex digits (the seed); never on a terminal
  --version N           version of the list being built (greater than the one in force)
  --kind KIND           kind of every id when lines carry only an id
  --delta-from FILE     previous full list (.ykta) to build a delta from (its version is the base)
  --out FILE            where to write the signed artefact (default: hotlist-vN.ykta here)
  --no-apply            only build and write the artefact
  --skip-invalid        skip malformed ids (counted) instead of refusing the whole file
  --max-age-days D      artefact's maximum age before terminals treat it as stale (default 2)
  --expires-days D      hard expiry of the artefact (default 30)
  --json                print the result as JSON

Progress goes to stderr; the result to stdout.
Exit codes: 0 applied / already in force / written; 1 refused; 2 usage; 3 config; 7 store unusable.`;

/** A progress bar on stderr: redrawn in place on a terminal, a line per 10% otherwise (logs, pipes). */
export function progressBar(io: CliIo, label: string): { update(done: number, total: number, note?: string): void; finish(note?: string): void } {
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  let lastStep = -1;
  const render = (f: number, note: string) => {
    const width = 30;
    const full = Math.round(f * width);
    return `${label.padEnd(22)} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%${note ? `  ${note}` : ''}`;
  };
  return {
    update(done, total, note = '') {
      const f = total > 0 ? Math.min(1, done / total) : 0;
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 80 && f < 1) return;
        lastDraw = now;
        process.stderr.write(`\r${render(f, note)}\x1b[K`);
      } else {
        const step = Math.floor(f * 10);
        if (step === lastStep || step === 10) return; // 100% is finish()'s line
        lastStep = step;
        io.err(render(step / 10, note));
      }
    },
    finish(note = '') {
      if (tty) process.stderr.write(`\r${render(1, note)}\x1b[K\n`);
      else io.err(render(1, note));
    },
  };
}

interface IdReadResult {
  keys: KeyArray;
  lines: number;
  ids: number;
  invalid: number;
}

/** Stream an id file, hashing each id as it is read (the ids never accumulate in memory). */
async function readIds(path: string, defaultKind: HotlistIdKind | undefined, skipInvalid: boolean, io: CliIo): Promise<IdReadResult> {
  const size = statSync(path).size;
  const bar = progressBar(io, 'reading ids');
  let buf = new Uint32Array(1 << 16);
  let n = 0;
  let lines = 0;
  let invalid = 0;
  let bytes = 0;
  let rest = '';
  const firstBad: string[] = [];
  const take = (raw: string) => {
    lines++;
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(/[,;\t]/).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (lines === 1 && cells[0]?.toLowerCase() === 'kind') return; // header
    let kind: string | undefined;
    let id: string | undefined;
    if (cells.length >= 2) [kind, id] = cells;
    else [kind, id] = [defaultKind, cells[0]];
    try {
      if (!kind) throw new RangeError('no kind: write "kind,id" or pass --kind');
      if (!isHotlistIdKind(kind)) throw new RangeError(`unknown kind (expected one of ${HOTLIST_ID_KINDS.join(', ')})`);
      const h = hotlistKeyHalves(kind, id ?? '');
      if (2 * n + 2 > buf.length) {
        const bigger = new Uint32Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      buf[2 * n] = h.lo;
      buf[2 * n + 1] = h.hi;
      n++;
    } catch (e) {
      invalid++;
      // Line numbers and the rule broken, never the id itself (it is personal data).
      if (firstBad.length < 5) firstBad.push(`line ${lines}: ${errorMessage(e)}`);
    }
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    bytes += Buffer.byteLength(chunk as string);
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const p of parts) take(p);
    bar.update(bytes, size, `${lines.toLocaleString('en')} lines`);
  }
  if (rest !== '') take(rest);
  bar.finish(`${lines.toLocaleString('en')} lines, ${n.toLocaleString('en')} ids${invalid ? `, ${invalid} invalid` : ''}`);
  if (invalid && !skipInvalid) {
    throw new ArtefactRefused('payload-invalid', `${path}: ${invalid} malformed id line(s), nothing imported (use --skip-invalid to leave them out):\n  ${firstBad.join('\n  ')}`);
  }
  if (invalid) for (const b of firstBad) io.err(`skipped ${b}`);
  const sortBar = progressBar(io, 'sorting keys');
  sortBar.update(0, 1);
  const keys = sortUnique(buf.subarray(0, 2 * n));
  sortBar.finish(`${keyCount(keys).toLocaleString('en')} distinct keys`);
  return { keys, lines, ids: n, invalid };
}

function loadDownloadsConfig(options: Map<string, string>): DownloadsConfig {
  const section = (readConfigSections(options.get('config')).downloads ?? {}) as Record<string, unknown>;
  const extra = (options.get('trust-key') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((publicKey) => ({ publicKey, label: '--trust-key' }));
  return parseDownloadsConfig({
    ...section,
    ...(options.has('data-dir') ? { dataDir: options.get('data-dir') } : {}),
    publisherKeys: [...(((section.publisherKeys as unknown[]) ?? []) as object[]), ...extra],
  });
}

function openStore(cfg: DownloadsConfig, onStage?: (s: ApplyStage) => void): ArtefactStore {
  const registry = registerHotlistKind(new ArtefactRegistry(), { dir: join(cfg.dataDir, 'hotlist'), ...cfg.hotlist });
  return ArtefactStore.open({ dir: cfg.dataDir, registry, trust: trustFromConfig(cfg), clockSkewMs: cfg.clockSkewMs, maxAgeMs: cfg.maxAgeMs, onStage: onStage && ((s) => onStage(s)) });
}

const positiveNumber = (v: string | undefined, name: string, dflt: number): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name}: expected a number > 0, got "${v}"`);
  return n;
};

async function applyBytes(cfg: DownloadsConfig, bytes: Uint8Array, io: CliIo): Promise<{ outcome: string; version: number; base?: number; previous: number | null; entries: number | undefined; dataDir: string }> {
  const stages: ApplyStage[] = ['verified', 'prepared', 'committed'];
  trustFromConfig(cfg); // config errors before any progress output
  const bar = progressBar(io, 'verify and apply');
  bar.update(0, 3, 'checking signature and payload');
  const store = openStore(cfg, (s) => bar.update(stages.indexOf(s) + 1, 3, s === 'verified' ? 'writing' : s === 'prepared' ? 'switching version' : 'in force'));
  try {
    const r = await store.apply(bytes);
    bar.finish(r.outcome === 'applied' ? `v${r.version} in force` : `v${r.version} was already in force`);
    const t = store.get<HotlistTable>(ARTEFACT_KINDS.hotlist)?.value;
    return { outcome: r.outcome, version: r.version, ...(r.base !== undefined ? { base: r.base } : {}), previous: r.previous, entries: t?.size, dataDir: resolve(cfg.dataDir) };
  } finally {
    await store.close();
  }
}

export const hotlistImportCommand: Command = {
  path: ['hotlist', 'import'],
  summary: 'import a hotlist: a signed artefact, or a list of ids to hash and sign',
  help: HELP,
  async run(args, io) {
    const a = parseArgs(args, {
      flags: ['json', 'no-apply', 'skip-invalid'],
      options: ['config', 'data-dir', 'trust-key', 'sign-key', 'version', 'kind', 'delta-from', 'out', 'max-age-days', 'expires-days'],
    });
    if (a.positional.length !== 1) throw new UsageError('expected one FILE (a signed .ykta artefact or a list of ids)');
    const file = a.positional[0]!;
    let head: Uint8Array;
    try {
      // The first 4 bytes tell a signed artefact from a list of ids (which may be large: streamed later).
      const fd = openSync(file, 'r');
      head = new Uint8Array(4);
      readSync(fd, head, 0, 4, 0);
      closeSync(fd);
      if (isEnvelope(head)) head = new Uint8Array(readFileSync(file));
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${errorMessage(e)}`);
    }
    const print = (human: string, json: object) => io.out(a.flags.has('json') ? JSON.stringify(json) : human);
    try {
      if (isEnvelope(head)) {
        for (const o of ['sign-key', 'version', 'kind', 'delta-from', 'out', 'max-age-days', 'expires-days']) if (a.options.has(o)) throw new UsageError(`--${o} is for lists of ids; ${file} is already a signed artefact`);
        const kind = parseEnvelope(head).header.kind;
        if (kind !== ARTEFACT_KINDS.hotlist) throw new ArtefactRefused('kind-mismatch', `${file} is a "${kind}" artefact, not a hotlist`, kind);
        const cfg = loadDownloadsConfig(a.options);
        const r = await applyBytes(cfg, head, io);
        print(
          `hotlist v${r.version}${r.base !== undefined ? ` (delta on v${r.base})` : ''} ${r.outcome === 'applied' ? 'applied' : 'already in force'}: ${r.entries?.toLocaleString('en') ?? '?'} entries, store ${r.dataDir}`,
          { ...r, file },
        );
        return EXIT.OK;
      }

      // A list of ids: build (and sign) the artefact first.
      const keyFile = a.options.get('sign-key');
      const versionText = a.options.get('version');
      if (!keyFile || !versionText) throw new UsageError(`${file} is a list of ids: --sign-key and --version are needed to turn it into a signed hotlist`);
      if (!/^\d{1,15}$/.test(versionText) || Number(versionText) < 1) throw new UsageError(`--version: expected a whole number >= 1, got "${versionText}"`);
      const version = Number(versionText);
      const kindOpt = a.options.get('kind');
      if (kindOpt !== undefined && !isHotlistIdKind(kindOpt)) throw new UsageError(`--kind: expected one of ${HOTLIST_ID_KINDS.join(', ')}, got "${kindOpt}"`);
      let privateKey: Uint8Array;
      try {
        privateKey = parsePrivateKeyText(readFileSync(keyFile, 'utf8'));
      } catch (e) {
        throw new ConfigError('--sign-key', `${keyFile}: ${errorMessage(e)}`);
      }
      const cfg = a.flags.has('no-apply') ? undefined : loadDownloadsConfig(a.options);
      if (cfg) trustFromConfig(cfg); // a config error now, not after hashing millions of ids
      const ids = await readIds(file, kindOpt as HotlistIdKind | undefined, a.flags.has('skip-invalid'), io);

      let payload: Uint8Array;
      let base: number | undefined;
      let adds = keyCount(ids.keys);
      let removes = 0;
      const prevFile = a.options.get('delta-from');
      if (prevFile) {
        const prev = parseEnvelope(new Uint8Array(readFileSync(prevFile)));
        if (prev.header.kind !== ARTEFACT_KINDS.hotlist || prev.header.base !== undefined) throw new UsageError(`--delta-from: ${prevFile} is not a full hotlist artefact`);
        if (sha256Hex(prev.payload) !== prev.header.payloadSha256) throw new ArtefactRefused('payload-hash', `--delta-from: ${prevFile} is damaged (payload SHA-256 mismatch)`);
        const old = decodeHotlistPayload(prev.payload, Number.MAX_SAFE_INTEGER).adds;
        base = prev.header.version;
        if (version <= base) throw new UsageError(`--version ${version} must be greater than the base list's version ${base}`);
        payload = deltaHotlistPayload(old, ids.keys);
        adds = keyCount(differenceKeys(ids.keys, old));
        removes = keyCount(differenceKeys(old, ids.keys));
      } else payload = fullHotlistPayload(ids.keys);

      const now = Date.now();
      const signBar = progressBar(io, 'signing');
      signBar.update(0, 1);
      const bytes = buildArtefact(
        {
          kind: ARTEFACT_KINDS.hotlist,
          version,
          ...(base !== undefined ? { base } : {}),
          created: now,
          expires: now + positiveNumber(a.options.get('expires-days'), 'expires-days', 30) * DAY,
          maxAgeMs: Math.round(positiveNumber(a.options.get('max-age-days'), 'max-age-days', 2) * DAY),
          note: `ykt hotlist import: ${keyCount(ids.keys)} keys`,
          payload,
        },
        [{ privateKey }],
      );
      signBar.finish(`key ${ed25519KeyId(ed25519PublicKey(privateKey))}`);
      const out = a.options.get('out') ?? `hotlist-v${version}${base !== undefined ? `-from-v${base}` : ''}.ykta`;
      writeFileSync(out, bytes);
      const built = { file: resolve(out), version, ...(base !== undefined ? { base } : {}), entries: keyCount(ids.keys), ids: ids.ids, invalid: ids.invalid, adds, removes, bytes: bytes.length };
      if (!cfg) {
        print(`hotlist v${version}${base !== undefined ? ` (delta on v${base}: +${adds} −${removes})` : ''}: ${built.entries.toLocaleString('en')} entries from ${ids.ids.toLocaleString('en')} ids, written to ${built.file} (not applied)`, built);
        return EXIT.OK;
      }
      const r = await applyBytes(cfg, bytes, io);
      print(
        `hotlist v${version}${base !== undefined ? ` (delta on v${base}: +${adds} −${removes})` : ''}: ${built.entries.toLocaleString('en')} entries from ${ids.ids.toLocaleString('en')} ids, written to ${built.file}, ${r.outcome === 'applied' ? 'applied' : 'already in force'} in ${r.dataDir}`,
        { ...built, applied: r },
      );
      return EXIT.OK;
    } catch (e) {
      if (e instanceof ArtefactRefused) {
        io.err(`ykt hotlist import: refused (${e.reason}): ${e.message}`);
        return EXIT.NEGATIVE;
      }
      if (e instanceof DownloadStoreError) {
        io.err(`ykt hotlist import: ${e.message}`);
        return EXIT.OUT_OF_SERVICE;
      }
      throw e;
    }
  },
};
