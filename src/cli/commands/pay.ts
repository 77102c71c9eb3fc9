/**
 * `ykt pay` — one UnionPay (PBOC 3.0 / qPBOC) payment from the command line, through the same kernel
 * a POS runs (src/pboc/kernel/payment.ts): prints the outcome, the reason, the cryptogram type, the EC
 * balance and the card's available offline amount where known, the PAN masked.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../../../apdu/hex';
import { ConfigError } from '../../core/errors';
import { fixturesDir } from '../../core/paths';
import { formatYuan, parseYuan } from '../../core/money';
import { loadPbocCard, registerPbocCardSection } from '../../emulator/pboc/card';
import { runKernel } from '../../kernel/runner';
import { openCard, type DriverKind, type OpenCard } from '../../runtime/card-source';
import { readConfigSections } from '../../runtime/config';
import { parseCapkPayload } from '../../pboc/capk/artefact';
import { parsePbocConfig } from '../../pboc/config';
import { pbocPayment } from '../../pboc/kernel/payment';
import type { PbocDecision } from '../../pboc/kernel/outcome';
import { VerifiedCache } from '../../pboc/oda/cache';
import { recordingPersist, testTokeniser } from '../../pboc/testing';
import { EXIT, parseArgs, UsageError, type Command } from '../command';
import { cstTime } from '../cst-time';

const HELP = `usage: ykt pay --amount YUAN [--interface contactless|contact]
               [--card FIXTURE | --reader NAME [--driver pcsc|virtual] | --transcript FILE]
               [--config FILE] [--capk FILE] [--at ISO-TIME] [--un HEX] [--record FILE] [--json]

Runs one UnionPay payment (qPBOC contactless by default, or full PBOC contact) and prints the
outcome, the reason, the cryptogram type (TC/ARQC/AAC), the electronic cash balance and the card's
available offline amount where known, and the PAN masked.

  --amount YUAN       amount in CNY, e.g. 12.34 (kept in integer fen)
  --interface I       contactless (default: qPBOC) or contact (full PBOC)
  --card FIXTURE      an emulated UnionPay card in the in-process reader: a name in fixtures/pboc/cards
                      (pboc-rsa, pboc-sm2, pboc-rsa-low-balance, …) or fixtures/cards, or a path
  --reader NAME       PC/SC reader (substring match); default: the first reader with a card
  --driver KIND       pcsc (default) or virtual
  --transcript FILE   replay a send:/resp: transcript (give the --at and --un it was recorded with)
  --config FILE       JSON whose "pboc" key is the pboc config section (defaults otherwise)
  --capk FILE         CA public keys (the "pboc-capk" artefact payload); default: the TEST set in
                      fixtures/pboc/capk-test.json, which only the emulated cards use
  --at ISO-TIME       time of the payment (default now), e.g. 2026-11-22T12:30:00+08:00
  --un HEX            unpredictable number, 4 bytes (default random)
  --record FILE       write the exchange as a send:/resp: transcript
  --json              machine-readable output

The journal of this command is in memory (not durable), the hotlist is empty and PANs are tokenised
with a TEST key: it exercises the kernel, it is not a POS.

exit codes: 0 approved, 1 declined or not decided here (online required), 2 usage, 3 config,
4 reader trouble, 5 card error or torn (card removed during the payment), 7 journal failure`;

function exitFor(d: PbocDecision): number {
  if (d.outcome === 'approved') return EXIT.OK;
  switch (d.reason) {
    case 'reader-error':
      return EXIT.DEVICE;
    case 'card-removed':
    case 'card-error':
    case 'card-data-invalid':
    case 'torn':
    case 'torn-after-charge':
      return EXIT.CARD;
    case 'out-of-service':
    case 'not-recorded':
      return EXIT.OUT_OF_SERVICE;
    default:
      return EXIT.NEGATIVE;
  }
}

async function emulated(name: string, contactless: boolean): Promise<OpenCard> {
  registerPbocCardSection();
  const path = name.endsWith('.json') || name.includes('/') ? name : existsSync(fixturesDir('pboc', 'cards', `${name}.json`)) ? fixturesDir('pboc', 'cards', `${name}.json`) : undefined;
  if (!path) return openCard({ card: name }); // a fixtures/cards card (may carry a pboc section)
  const card = loadPbocCard(path.split('/').pop()!.replace(/\.json$/, ''), path.slice(0, path.lastIndexOf('/')) || '.');
  const { VirtualReaderDriver } = await import('../../../drivers/virtual/index');
  const reader = contactless ? 'Emulated Reader PICC 00' : 'Emulated Reader ICC 00';
  const driver = new VirtualReaderDriver({ readers: [{ name: reader, interface: contactless ? 'contactless' : 'contact' }] });
  driver.insertCard(reader, card);
  const conn = await driver.connect(reader);
  return {
    transmit: (c) => conn.transmit(c),
    describe: `emulated card ${name} in "${reader}"`,
    atr: conn.atr,
    close: async () => {
      await conn.close();
      await driver.close();
    },
  };
}

const bigintJson = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

export const payCommand: Command = {
  path: ['pay'],
  summary: 'run one UnionPay payment (qPBOC / PBOC 3.0) and print the outcome, PAN masked',
  help: HELP,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'], options: ['amount', 'interface', 'card', 'reader', 'driver', 'transcript', 'config', 'capk', 'at', 'un', 'record'] });
    const amountText = a.options.get('amount');
    if (!amountText) throw new UsageError('--amount is required (e.g. --amount 12.34)');
    let amountFen: number;
    try {
      amountFen = parseYuan(amountText);
    } catch (e) {
      throw new UsageError(`--amount: ${(e as Error).message}`);
    }
    const iface = a.options.get('interface') ?? 'contactless';
    if (iface !== 'contactless' && iface !== 'contact') throw new UsageError(`--interface: expected contactless or contact, got "${iface}"`);
    const sources = ['card', 'reader', 'transcript'].filter((k) => a.options.has(k));
    if (sources.length > 1) throw new UsageError(`choose one of --card, --reader, --transcript (got ${sources.map((s) => '--' + s).join(', ')})`);
    const driver = (a.options.get('driver') ?? 'pcsc') as DriverKind;
    if (driver !== 'pcsc' && driver !== 'virtual') throw new UsageError(`--driver: expected pcsc or virtual, got "${driver}"`);
    let nowMs = Date.now();
    if (a.options.has('at')) {
      nowMs = Date.parse(a.options.get('at')!);
      if (Number.isNaN(nowMs)) throw new UsageError(`--at: expected an ISO date-time like 2026-11-22T12:30:00+08:00, got "${a.options.get('at')}"`);
    }
    let un: Uint8Array = new Uint8Array(randomBytes(4));
    if (a.options.has('un')) {
      try {
        un = fromHex(a.options.get('un')!);
      } catch {
        un = new Uint8Array(0);
      }
      if (un.length !== 4) throw new UsageError(`--un: expected 4 bytes as 8 hex digits, got "${a.options.get('un')}"`);
    }

    const config = parsePbocConfig(readConfigSections(a.options.get('config')).pboc ?? {});
    const capkFile = a.options.get('capk') ?? fixturesDir('pboc', 'capk-test.json');
    let capkBytes: Uint8Array;
    try {
      capkBytes = new Uint8Array(readFileSync(capkFile));
    } catch (e) {
      throw new ConfigError(`--capk ${capkFile}`, (e as Error).message);
    }
    const capk = parseCapkPayload(capkBytes);

    const card = a.options.has('reader') || a.options.has('transcript') || !a.options.has('card') ? await openCard({ transcript: a.options.get('transcript'), reader: a.options.get('reader'), driver }) : await emulated(a.options.get('card')!, iface === 'contactless');
    const journal = recordingPersist();
    const transcript: string[] = [`# ykt pay --amount ${amountText} --interface ${iface} --at ${new Date(nowMs).toISOString()} --un ${toHex(un)}`];
    let run;
    try {
      run = await runKernel(
        pbocPayment({
          config,
          interface: iface,
          amountFen,
          nowMs,
          unpredictableNumber: un,
          random: (n) => new Uint8Array(randomBytes(n)),
          capk,
          tokenise: testTokeniser,
          isHotlisted: () => false,
          offlineCheck: () => ({ ok: true }),
          verifiedCache: new VerifiedCache(16),
        }),
        {
          card: card.transmit,
          persist: journal.persist,
          onExchange: (_t, e) => {
            transcript.push(`send: ${toHex(e.command, ' ')}`, `resp: ${toHex(e.response, ' ')}`);
          },
        },
      );
    } finally {
      await card.close();
    }
    if (a.options.has('record')) writeFileSync(a.options.get('record')!, transcript.join('\n') + '\n');
    const d = run.outcome;
    if (a.flags.has('json')) {
      io.out(
        JSON.stringify(
          { source: card.describe, at: new Date(nowMs).toISOString(), decision: d, journal: journal.records.map((r) => ({ seq: String(r.seq), type: r.name, outcome: r.record.outcome, reason: r.record.reason })), timing: { hostMs: run.hostMs, ioMs: run.ioMs, steps: run.steps } },
          bigintJson,
          2,
        ),
      );
      return exitFor(d);
    }
    const money = (fen: number | undefined) => (fen === undefined ? undefined : `${formatYuan(fen)} CNY`);
    const lines: [string, string | undefined][] = [
      ['source', card.describe],
      ['payment', `${formatYuan(amountFen)} CNY ${iface === 'contactless' ? 'contactless (qPBOC)' : 'contact (PBOC)'}  ${cstTime(nowMs)} CST`],
      ['outcome', `${d.outcome.toUpperCase()}  ${d.reason}`],
      ['reason', d.message],
      ['application', d.aid ? `${d.aid}${d.label ? `  ${d.label}` : ''}${d.path ? `  (${d.path === 'qpboc' ? 'qPBOC' : 'full PBOC'})` : ''}` : undefined],
      ['PAN', d.panMasked],
      ['cryptogram', d.cryptogramType ? `${d.cryptogramType}${d.clearing ? ` ${d.clearing.cryptogram}  ATC ${d.clearing.atc}` : ''}${d.authorisationCode ? `  (${d.authorisationCode})` : ''}` : undefined],
      ['EC balance', money(d.ecBalanceFen)],
      ['available', money(d.availableOfflineFen) ? `${money(d.availableOfflineFen)} offline (9F5D)` : undefined],
      ['ODA', d.oda ? `${d.oda.method}${d.oda.algorithm ? ` ${d.oda.algorithm.toUpperCase()}` : ''} ${d.oda.result}${d.oda.message ? `: ${d.oda.message}` : ''}` : undefined],
      ['CVM', d.signatureRequired ? 'signature required' : undefined],
      ['TVR / TSI', d.clearing ? `${d.clearing.tvr} / ${d.clearing.tsi}` : undefined],
      ['transaction', d.clearing?.txn],
      ['journal', journal.records.map((r) => `#${r.seq} ${r.name}`).join(', ') + ' (in memory)'],
      ['host time', `${run.hostMs.toFixed(2)} ms (card I/O ${run.ioMs.toFixed(1)} ms, ${run.steps.filter((s) => s.kind === 'card').length} APDUs)`],
    ];
    for (const [k, v] of lines) if (v !== undefined && v !== '') io.out(`${k.padEnd(12)}${v}`);
    if (capkFile === fixturesDir('pboc', 'capk-test.json')) io.err('note: using the TEST CA public keys (fixtures/pboc/capk-test.json): only emulated cards authenticate with them');
    return exitFor(d);
  },
};
