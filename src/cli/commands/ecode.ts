/**
 * `ykt ecode …` — test issuing and command-line verification of e-codes (docs/ecode.md §9):
 * keygen, trust-list, issue (holder certificate + phone wallet), code (text / PNG / terminal QR),
 * revocations, verify (a readable verdict), show (decode without verifying).
 */
import { readFileSync } from 'node:fs';
import QRCode from 'qrcode';
import { fromHex, toHex } from '../../../apdu/hex';
import { ManualClock, type Clock } from '../../core/clock';
import { holderTokenFromCardId } from '../../core/holder-token';
import { maskTail } from '../../core/mask';
import { parseEcodeConfig } from '../../ecode/config';
import { issueCertificate, makeCode, newKeyPair } from '../../ecode/issue';
import { encodeRevocations, holderRevocationHash, serialRevocationHash, type RevocationEntry } from '../../ecode/revocations';
import { staticCodeText } from '../../ecode/scheme-static';
import { SqliteEcodeStore, ecodeStorePath } from '../../ecode/sqlite-store';
import { CARD_STATUS, SCOPE_NAMES, type CardStatusName } from '../../ecode/tables';
import { signTrustList } from '../../ecode/trust-list';
import { defaultSchemes, EcodeVerifier, type VerifyResult } from '../../ecode/verifier';
import { EXIT, parseArgs, UsageError, type CliIo, type Command } from '../command';
import { keyFileOf, list, parseHexOpt, parseIntOpt, parseWhen, readKeyFile, readWallet, TEST_WARNING, writeOut, type Wallet } from '../ecode/files';
import { holderTokenKeyOf } from '../ecode/holder-key';

const DAY = 86_400_000;

const keygen: Command = {
  path: ['ecode', 'keygen'],
  summary: 'create a TEST e-code root or issuer key (Ed25519)',
  help: `usage: ykt ecode keygen --role root|issuer --out FILE [--issuer NAME] [--public-out FILE] [--force]

Writes a key file (JSON, private key included: TEST material). --public-out also writes the public
half alone (what a terminal's config pins for a root).`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['force'], options: ['role', 'out', 'issuer', 'public-out'] });
    const role = a.options.get('role');
    if (role !== 'root' && role !== 'issuer') throw new UsageError('--role: expected root or issuer');
    const out = a.options.get('out');
    if (!out) throw new UsageError('--out FILE is required');
    const k = newKeyPair();
    writeOut(out, JSON.stringify(keyFileOf(k, role, a.options.get('issuer')), null, 2) + '\n', a.flags.has('force'));
    const pub = a.options.get('public-out');
    if (pub) writeOut(pub, JSON.stringify(keyFileOf(k, role, a.options.get('issuer'), false), null, 2) + '\n', a.flags.has('force'));
    io.out(`${role} key ${k.keyId} → ${out}${pub ? ` (public: ${pub})` : ''}`);
    io.out(`public key ${toHex(k.publicKey).toLowerCase()}`);
    return EXIT.OK;
  },
};

const trustList: Command = {
  path: ['ecode', 'trust-list'],
  summary: 'sign a TEST trust list of issuer keys with a root key',
  help: `usage: ykt ecode trust-list --root ROOT.json --issuer KEY.json[,KEY2.json…] --version N --out FILE
                           [--issued-at ISO] [--key-valid-days 730] [--scopes transit,medical] [--regions 41,4401] [--force]

Each issuer key is valid from one day before --issued-at for --key-valid-days. --scopes/--regions limit
what every listed key may issue (default: no limit). The output is the payload of kind "ecode-trust-list".`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['force'], options: ['root', 'issuer', 'version', 'out', 'issued-at', 'key-valid-days', 'scopes', 'regions'] });
    const rootFile = a.options.get('root');
    const out = a.options.get('out');
    const issuers = list(a.options.get('issuer'));
    if (!rootFile || !out || !issuers.length || !a.options.has('version')) throw new UsageError('--root, --issuer, --version and --out are required');
    const root = readKeyFile(rootFile, { needPrivate: true, role: 'root' });
    const issuedAtMs = parseWhen(a.options.get('issued-at'), '--issued-at');
    const days = parseIntOpt(a.options.get('key-valid-days'), '--key-valid-days', 730, 1);
    const scopes = list(a.options.get('scopes'));
    for (const s of scopes) if (!(SCOPE_NAMES as string[]).includes(s)) throw new UsageError(`--scopes: unknown scope "${s}" (known: ${SCOPE_NAMES.join(', ')})`);
    const regions = list(a.options.get('regions'));
    const keys = issuers.map((f) => {
      const k = readKeyFile(f, { role: 'issuer' });
      return {
        keyId: k.file.keyId.toLowerCase(),
        issuer: k.file.issuer ?? `issuer ${k.file.keyId}`,
        publicKey: k.file.publicKey.toLowerCase(),
        validFromMs: issuedAtMs - DAY,
        validToMs: issuedAtMs + days * DAY,
        ...(scopes.length ? { scopes } : {}),
        ...(regions.length ? { regions } : {}),
      };
    });
    const version = parseIntOpt(a.options.get('version'), '--version', 1, 1);
    writeOut(out, signTrustList(root.pair!.privateKey, { version, issuedAtMs, keys }), a.flags.has('force'));
    io.out(`trust list v${version} (${keys.length} issuer key${keys.length === 1 ? '' : 's'}: ${keys.map((k) => k.keyId).join(', ')}) signed by root ${root.file.keyId} → ${out}`);
    return EXIT.OK;
  },
};

async function cardIdFromFixture(name: string): Promise<Uint8Array> {
  const { openCard } = await import('../../runtime/card-source');
  const { runKernel } = await import('../../kernel/runner');
  const { readSsse } = await import('../../ssse/read');
  const { parseEf05 } = await import('../../ssse/parse');
  const card = await openCard({ card: name });
  try {
    const run = await runKernel(readSsse(), { card: card.transmit });
    if (!run.outcome.present) throw new UsageError(`card ${name} has no social security application`);
    return parseEf05(run.outcome.ef05).cardIdCode;
  } finally {
    await card.close();
  }
}

const issue: Command = {
  path: ['ecode', 'issue'],
  summary: 'issue a TEST holder certificate to a new phone (writes a wallet file)',
  help: `usage: ykt ecode issue --issuer KEY.json (--card-id HEX | --card FIXTURE) --out WALLET.json
                      [--holder-token-key HEX] [--region 410100] [--categories standard,elderly]
                      [--status active|reported-lost|suspended|cancelled] [--from ISO] [--valid-days 365] [--force]

The holder token is computed as the card gives it (卡码同权): HMAC over the card identification code
(SSSE EF05 tag 01, 16 bytes) with the holder-token key (--holder-token-key or $YKT_HOLDER_TOKEN_KEY).
--card reads EF05 from an emulated card of fixtures/cards through the SSSE read kernel. The wallet
holds what the phone app keeps: the certificate, the device private key and the code counter.`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['force'], options: ['issuer', 'card-id', 'card', 'out', 'holder-token-key', 'region', 'categories', 'status', 'from', 'valid-days'] });
    const issuerFile = a.options.get('issuer');
    const out = a.options.get('out');
    if (!issuerFile || !out) throw new UsageError('--issuer and --out are required');
    if (a.options.has('card-id') === a.options.has('card')) throw new UsageError('give exactly one of --card-id HEX or --card FIXTURE');
    const issuer = readKeyFile(issuerFile, { needPrivate: true, role: 'issuer' });
    const key = holderTokenKeyOf(a.options.get('holder-token-key'), true)!;
    const cid = a.options.has('card-id') ? parseHexOpt(a.options.get('card-id')!, '--card-id', 16) : await cardIdFromFixture(a.options.get('card')!);
    const region = a.options.get('region') ?? toHex(cid.subarray(0, 3));
    if (!/^\d{6}$/.test(region)) throw new UsageError(`--region: expected 6 digits (the card's region is ${toHex(cid.subarray(0, 3))})`);
    const status = (a.options.get('status') ?? 'active') as CardStatusName;
    if (!(status in CARD_STATUS)) throw new UsageError(`--status: expected one of ${Object.keys(CARD_STATUS).join(', ')}`);
    const from = parseWhen(a.options.get('from'), '--from');
    const days = parseIntOpt(a.options.get('valid-days'), '--valid-days', 365, 1);
    const device = newKeyPair();
    let cert: Uint8Array;
    try {
      cert = issueCertificate({ issuer: issuer.pair!, cardIdentificationCode: cid, holderTokenKey: key, region, cardStatus: status, categories: list(a.options.get('categories') ?? 'standard'), validFromMs: from, validToMs: from + days * DAY, devicePublicKey: device.publicKey });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const wallet: Wallet = {
      kind: 'ykt-ecode-wallet',
      certificate: toHex(cert).toLowerCase(),
      devicePrivateKey: toHex(device.privateKey).toLowerCase(),
      counter: 0,
      holderToken: holderTokenFromCardId(key, cid),
      serial: toHex(cert.subarray(9, 17)),
      region,
      validFrom: new Date(Math.floor(from / 1000) * 1000).toISOString(),
      validTo: new Date(Math.floor((from + days * DAY) / 1000) * 1000).toISOString(),
      warning: TEST_WARNING,
    };
    writeOut(out, JSON.stringify(wallet, null, 2) + '\n', a.flags.has('force'));
    io.out(`certificate ${wallet.serial} for holder ${maskTail(wallet.holderToken, 4)} (region ${region}, ${status}) valid ${wallet.validFrom} .. ${wallet.validTo}, issuer key ${issuer.file.keyId} → ${out}`);
    return EXIT.OK;
  },
};

const code: Command = {
  path: ['ecode', 'code'],
  summary: 'make a code from a wallet, as the phone displays it (text, PNG, terminal QR)',
  help: `usage: ykt ecode code --wallet WALLET.json [--scope transit] [--at ISO] [--challenge HEX8]
                     [--png FILE] [--qr] [--static --card-id HEX | --card FIXTURE]

Signs certificate ‖ time ‖ counter ‖ scope [‖ challenge] with the wallet's device key, increments the
wallet's counter, and prints the code text (QR alphanumeric, base45, prefix YKE1:). --png writes a QR
image (error correction M); --qr draws it in the terminal. --static prints the unsigned static card
code (YKS1:) of a card instead (no wallet needed).`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['qr', 'static', 'force'], options: ['wallet', 'scope', 'at', 'challenge', 'png', 'card-id', 'card'] });
    let text: string;
    if (a.flags.has('static')) {
      if (a.options.has('card-id') === a.options.has('card')) throw new UsageError('--static needs exactly one of --card-id HEX or --card FIXTURE');
      text = staticCodeText(a.options.has('card-id') ? parseHexOpt(a.options.get('card-id')!, '--card-id', 16) : await cardIdFromFixture(a.options.get('card')!));
    } else {
      const file = a.options.get('wallet');
      if (!file) throw new UsageError('--wallet FILE is required');
      const w = readWallet(file);
      const scope = a.options.get('scope') ?? 'transit';
      if (!(SCOPE_NAMES as string[]).includes(scope)) throw new UsageError(`--scope: expected one of ${SCOPE_NAMES.join(', ')}`);
      const counter = w.counter + 1;
      text = makeCode({ cert: fromHex(w.certificate), devicePrivateKey: fromHex(w.devicePrivateKey), timestampMs: parseWhen(a.options.get('at'), '--at'), counter, scope: scope as (typeof SCOPE_NAMES)[number], challenge: a.options.has('challenge') ? parseHexOpt(a.options.get('challenge')!, '--challenge', 4) : undefined });
      writeOut(file, JSON.stringify({ ...w, counter }, null, 2) + '\n', true);
    }
    io.out(text);
    const png = a.options.get('png');
    if (png) writeOut(png, await QRCode.toBuffer(text, { errorCorrectionLevel: 'M', margin: 4, scale: 6 }), a.flags.has('force'));
    if (a.flags.has('qr')) io.out(await QRCode.toString(text, { type: 'utf8', errorCorrectionLevel: 'M', margin: 2 }));
    return EXIT.OK;
  },
};

const revocations: Command = {
  path: ['ecode', 'revocations'],
  summary: 'build a TEST revocation list (full or increment)',
  help: `usage: ykt ecode revocations --version N [--base N] --out FILE [--serial HEX,…] [--holder TOKEN,…]
                            [--wallet FILE,…] [--revoke-holder] [--expires-days 365] [--issued-at ISO] [--force]

Entries are hashes (never the identifiers). --wallet revokes that wallet's certificate serial, or its
holder with --revoke-holder. Without --base the list is full (replaces everything); with --base it is
an increment on that version. The output is the payload of kind "ecode-revocations".`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['force', 'revoke-holder'], options: ['version', 'base', 'out', 'serial', 'holder', 'wallet', 'expires-days', 'issued-at'] });
    const out = a.options.get('out');
    if (!out || !a.options.has('version')) throw new UsageError('--version and --out are required');
    const issuedAtMs = parseWhen(a.options.get('issued-at'), '--issued-at');
    const exp = issuedAtMs + parseIntOpt(a.options.get('expires-days'), '--expires-days', 365, 1) * DAY;
    const add: RevocationEntry[] = [];
    for (const s of list(a.options.get('serial'))) add.push({ kind: 'serial', hash: serialRevocationHash(parseHexOpt(s, '--serial', 8)), expiresAtMs: exp });
    for (const t of list(a.options.get('holder'))) add.push({ kind: 'holder', hash: holderRevocationHash(t), expiresAtMs: exp });
    for (const f of list(a.options.get('wallet'))) {
      const w = readWallet(f);
      add.push(a.flags.has('revoke-holder') ? { kind: 'holder', hash: holderRevocationHash(w.holderToken), expiresAtMs: exp } : { kind: 'serial', hash: serialRevocationHash(fromHex(w.serial)), expiresAtMs: exp });
    }
    const version = parseIntOpt(a.options.get('version'), '--version', 1, 1);
    const base = a.options.has('base') ? parseIntOpt(a.options.get('base'), '--base', 1, 1) : null;
    if (base !== null && base >= version) throw new UsageError('--base must be lower than --version');
    writeOut(out, encodeRevocations({ version, baseVersion: base, issuedAtMs, add, remove: [] }), a.flags.has('force'));
    io.out(`revocation list v${version}${base !== null ? ` (increment on v${base})` : ' (full)'} with ${add.length} entr${add.length === 1 ? 'y' : 'ies'} → ${out}`);
    return EXIT.OK;
  },
};

function printVerdict(io: CliIo, r: VerifyResult, label?: string): void {
  const head = r.outcome === 'valid' ? 'VALID' : r.outcome === 'invalid' ? 'INVALID' : 'CANNOT DECIDE';
  io.out(`${label ? `${label}: ` : ''}${head} — ${r.message}${r.reason !== 'ok' ? ` (${r.reason})` : ''}`);
  const rows: [string, string | undefined][] = [
    ['detail', r.detail],
    ['scheme', r.scheme],
    ['holder', r.credential ? `${maskTail(r.credential.holderToken, 4)} (pseudonymous token)` : undefined],
    ['region', r.credential?.region ?? (r.info?.region as string | undefined)],
    ['categories', r.credential?.categories.join(', ') ?? (r.info?.categories as string | undefined)],
  ];
  for (const [k, v] of Object.entries(r.info ?? {})) if (k !== 'region' && k !== 'categories') rows.push([k, String(v)]);
  rows.push(['decision', `${r.decision.outcome} (${r.decision.reason})`], ['recorded', r.consumed ? 'yes (replay set)' : 'no']);
  for (const [k, v] of rows) if (v !== undefined && v !== '') io.out(`  ${k.padEnd(14)} ${v}`);
}

const verify: Command = {
  path: ['ecode', 'verify'],
  summary: 'verify a code and print a readable verdict',
  help: `usage: ykt ecode verify (CODE | --image FILE.png | --stdin) --root ROOT.json --trust-list FILE
                       [--revocations FILE] [--scope transit,…] [--at ISO] [--challenge HEX8]
                       [--fail-open] [--static --holder-token-key HEX] [--data-dir DIR] [--json]

Runs the terminal's verifier: both signatures, validity, age (clock skew 30 s, max age 90 s by default),
scope, revocation, replay. Without --data-dir it is a dry run on an in-memory store (nothing recorded);
with --data-dir the code is recorded in DIR/ecode.sqlite like a terminal would (a second verify says
"replayed"). Quote a code given as an argument: base45 text contains spaces.
Without --revocations no revocation list is required. --scope lists the scopes accepted (default: all).

exit codes: 0 valid, 1 invalid or cannot decide, 2 usage, 3 bad trust list / revocations / key file`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json', 'fail-open', 'static', 'stdin'], options: ['image', 'root', 'trust-list', 'revocations', 'scope', 'at', 'challenge', 'holder-token-key', 'data-dir'] });
    const rootFile = a.options.get('root');
    const tlFile = a.options.get('trust-list');
    if (!rootFile || !tlFile) throw new UsageError('--root and --trust-list are required');
    let codes: string[];
    if (a.options.has('image')) {
      const { decodeImageFile } = await import('../ecode/images');
      const found = await decodeImageFile(a.options.get('image')!);
      if (!found.length) {
        io.err(`no QR code found in ${a.options.get('image')}`);
        return EXIT.NEGATIVE;
      }
      codes = found;
    } else if (a.flags.has('stdin')) codes = readFileSync(0, 'utf8').split(/\r?\n/).filter((l) => l.length);
    else codes = a.positional;
    if (!codes.length) throw new UsageError('give a code, --image FILE or --stdin');

    const scopes = a.options.has('scope') ? list(a.options.get('scope')) : [...SCOPE_NAMES];
    const holderKey = holderTokenKeyOf(a.options.get('holder-token-key'), a.flags.has('static'));
    const schemes = ['ykt-ecode-v1', ...(a.flags.has('static') ? ['ykt-static-v1'] : [])];
    let config;
    try {
      config = parseEcodeConfig({
        trustRoots: [{ publicKey: toHex(readKeyFile(rootFile, { role: 'root' }).publicKey).toLowerCase() }],
        requireRevocationList: a.options.has('revocations'),
        profiles: { cli: { scopes, acceptedSchemes: schemes, cannotDecide: a.flags.has('fail-open') ? 'fail-open' : 'fail-closed' } },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const at = a.options.has('at') ? parseWhen(a.options.get('at'), '--at') : undefined;
    const clock: Clock = at !== undefined ? new ManualClock(at) : { now: () => Date.now(), monotonic: () => performance.now() };
    const dataDir = a.options.get('data-dir');
    const store = new SqliteEcodeStore({ database: dataDir ? ecodeStorePath(dataDir) : ':memory:' });
    try {
      const v = new EcodeVerifier({ config, clock, store, holderTokenKey: holderKey, schemes: defaultSchemes(holderKey) });
      const tl = v.installTrustList(new Uint8Array(readFileSync(tlFile)));
      if (!tl.ok) {
        io.err(`ykt: trust list ${tlFile}: ${tl.error}`);
        return EXIT.CONFIG;
      }
      if (a.options.has('revocations')) {
        const rv = v.applyRevocations(new Uint8Array(readFileSync(a.options.get('revocations')!)));
        if (!rv.ok && !/older than the installed|does not apply to installed version/.test(rv.error)) {
          io.err(`ykt: revocations ${a.options.get('revocations')}: ${rv.error}`);
          return EXIT.CONFIG;
        }
      }
      const challenge = a.options.has('challenge') ? parseHexOpt(a.options.get('challenge')!, '--challenge', 4) : undefined;
      let worst: number = EXIT.OK;
      const results: VerifyResult[] = [];
      for (const [i, c] of codes.entries()) {
        const r = v.verify(c, { profile: 'cli', challenge, device: 'cli', consume: dataDir !== undefined });
        results.push(r);
        if (!a.flags.has('json')) printVerdict(io, r, codes.length > 1 ? `#${i + 1}` : undefined);
        if (r.outcome !== 'valid') worst = EXIT.NEGATIVE;
      }
      if (a.flags.has('json')) io.out(JSON.stringify(results.length === 1 ? results[0] : results, null, 2));
      return worst;
    } finally {
      store.close();
    }
  },
};

const show: Command = {
  path: ['ecode', 'show'],
  summary: 'decode a code without verifying it (what it claims)',
  help: `usage: ykt ecode show CODE [--json]

Prints the fields a code carries (scheme, serial, counter, time, scope, issuer key id, validity). Nothing
is verified: use \`ykt ecode verify\` for a verdict.`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'] });
    if (a.positional.length !== 1) throw new UsageError('give one code (quoted: base45 text contains spaces)');
    const { describeCode } = await import('../ecode/images');
    const d = describeCode(a.positional[0]!);
    if (a.flags.has('json')) io.out(JSON.stringify(d, null, 2));
    else for (const l of d.lines) io.out(l);
    return d.known ? EXIT.OK : EXIT.NEGATIVE;
  },
};

export const ecodeCommands: Command[] = [keygen, trustList, issue, code, revocations, verify, show];
