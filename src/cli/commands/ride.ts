/**
 * `ykt ride` — one transit tap from the command line: an emulated T-Union/city card and PSAM in the
 * in-process reader (default), or a real card and PSAM in two PC/SC readers. Runs the same kernel as
 * a validator (src/transit/kernel.ts) and prints the decision, the fare breakdown and the clearing
 * data (serial tokenised, never in clear).
 */
import { writeFileSync } from 'node:fs';
import { toHex } from '../../../apdu/hex';
import type { Transmit } from '../../../apdu/transceive';
import { ConfigError } from '../../core/errors';
import { formatYuan } from '../../core/money';
import { loadFares, loadPsam, loadTransitCard } from '../../emulator/transit/fixtures';
import { demoTokeniser, TransitRig } from '../../emulator/transit/rig';
import type { KernelRun } from '../../kernel/runner';
import type { CardConnection, ReaderDriver } from '../../reader/types';
import { openDriver, type DriverKind } from '../../runtime/card-source';
import { readConfigSections } from '../../runtime/config';
import { parseTransitConfig } from '../../transit/config';
import type { TransitOutcome } from '../../transit/kernel';
import { EXIT, parseArgs, UsageError, type Command } from '../command';
import { cstTime } from '../cst-time';

const HELP = `usage: ykt ride --fare-profile NAME [--station CODE --direction entry|exit]
                [--fares FILE] [--at ISO-TIME] [--config FILE]
                [--card FIXTURE [--psam FIXTURE] [--save-card FILE]]
                [--reader NAME --sam-reader NAME [--driver pcsc|virtual]] [--json]

Runs one transit tap: reads the transport application, checks it, prices the ride with the fare
engine, debits the e-purse through the PSAM (MAC1, DEBIT, MAC2) and prints the decision, the fare
steps and the clearing data (TAC, card serial token, EP and terminal sequence numbers, balances).

  --fare-profile NAME  fare profile in the parameter file (e.g. bus-26, metro-l1)
  --station CODE       station code (metro gates), e.g. L1-04
  --direction D        entry or exit (metro gates)
  --fares FILE         fare parameter file (name in fixtures/transit/fares or a path); default demo-city
  --at ISO-TIME        time of the tap (default now), e.g. 2026-11-22T16:00:00+08:00
  --config FILE        JSON whose "transit" key is the transit config section (defaults otherwise)
  --card FIXTURE       emulated card (fixtures/transit/cards name or path), in the in-process reader
  --psam FIXTURE       emulated PSAM (fixtures/transit/psam), default psam-test-1 (TEST keys)
  --save-card FILE     write the emulated card's state after the tap (to chain an entry and an exit)
  --reader NAME        PC/SC reader with the card (substring match), with --sam-reader for the PSAM
  --json               machine-readable output

The journal of this command is in memory (not durable) and the hotlist is empty: it exercises the
kernel, it is not a validator. Card serials are tokenised with a DEMO key.

exit codes: 0 approved, 1 declined, 2 usage, 3 config, 4 reader / PSAM trouble, 5 card error or torn
(tap again), 7 journal failure`;

function exitFor(o: TransitOutcome): number {
  if (o.decision.outcome === 'approved') return EXIT.OK;
  if (o.decision.outcome === 'declined') return EXIT.NEGATIVE;
  switch (o.decision.reason) {
    case 'sam-failed':
    case 'sam-expired':
      return EXIT.DEVICE;
    case 'journal-failed':
      return EXIT.OUT_OF_SERVICE;
    case 'card-error':
    case 'torn':
    case 'debit-refused':
      return EXIT.CARD;
    default:
      return EXIT.NEGATIVE;
  }
}

export const rideCommand: Command = {
  path: ['ride'],
  summary: 'run one transit tap (T-Union / city e-purse through a PSAM) and print the decision',
  help: HELP,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'], options: ['fare-profile', 'station', 'direction', 'fares', 'at', 'config', 'card', 'psam', 'save-card', 'reader', 'sam-reader', 'driver'] });
    const profile = a.options.get('fare-profile');
    if (!profile) throw new UsageError('--fare-profile is required (e.g. --fare-profile bus-26)');
    const direction = a.options.get('direction');
    if (direction !== undefined && direction !== 'entry' && direction !== 'exit') throw new UsageError(`--direction: expected entry or exit, got "${direction}"`);
    if (a.options.has('card') && a.options.has('reader')) throw new UsageError('choose one of --card (emulated) and --reader (PC/SC)');
    if (a.options.has('reader') !== a.options.has('sam-reader')) throw new UsageError('--reader and --sam-reader go together (the PSAM sits in a second reader slot)');
    if (a.options.has('save-card') && !a.options.has('card')) throw new UsageError('--save-card needs --card');
    let nowMs = Date.now();
    if (a.options.has('at')) {
      nowMs = Date.parse(a.options.get('at')!);
      if (Number.isNaN(nowMs)) throw new UsageError(`--at: expected an ISO date-time like 2026-11-22T16:00:00+08:00, got "${a.options.get('at')}"`);
    }
    const config = parseTransitConfig(readConfigSections(a.options.get('config')).transit ?? {});
    const fares = loadFares(a.options.get('fares') ?? 'demo-city');
    const ride = { profile, station: a.options.get('station'), direction: direction as 'entry' | 'exit' | undefined };

    const closers: Array<() => Promise<void>> = [];
    let card: Transmit;
    let sam: Transmit;
    let emulated: ReturnType<typeof loadTransitCard> | undefined;
    let source: string;
    try {
      if (a.options.has('reader')) {
        const driver: ReaderDriver = await openDriver((a.options.get('driver') ?? 'pcsc') as DriverKind);
        closers.push(() => driver.close());
        const readers = await driver.listReaders();
        const pick = (want: string) => {
          const r = readers.find((x) => x.name === want) ?? readers.find((x) => x.name.includes(want));
          if (!r) throw new ConfigError('reader', `no reader matching "${want}" (readers: ${readers.map((x) => x.name).join(', ') || 'none'})`);
          return r.name;
        };
        const cardReader = pick(a.options.get('reader')!);
        const samReader = pick(a.options.get('sam-reader')!);
        const samConn: CardConnection = await driver.connect(samReader);
        closers.unshift(() => samConn.close());
        const cardConn: CardConnection = await driver.connect(cardReader);
        closers.unshift(() => cardConn.close());
        card = (c) => cardConn.transmit(c);
        sam = (c) => samConn.transmit(c);
        source = `card in "${cardReader}", PSAM in "${samReader}"`;
      } else {
        const cardName = a.options.get('card') ?? 'tunion-adult';
        emulated = loadTransitCard(cardName);
        const psam = loadPsam(a.options.get('psam') ?? 'psam-test-1');
        const { transmitOf } = await import('../../../drivers/virtual/index');
        card = transmitOf(emulated.card, { powerOn: true });
        sam = transmitOf(psam.card, { powerOn: true });
        source = `emulated card ${emulated.label}, emulated PSAM ${psam.label} (TEST keys)`;
        if (!a.options.has('card')) source += ' [default card]';
      }
      const rig = new TransitRig({ fares, config, samTransmit: sam, tokenise: demoTokeniser() });
      await rig.identify();
      const run: KernelRun<TransitOutcome> = await rig.tap(card, ride, nowMs);
      if (emulated && a.options.has('save-card')) writeFileSync(a.options.get('save-card')!, JSON.stringify(emulated.snapshot(), null, 2) + '\n');
      const o = run.outcome;
      if (a.flags.has('json')) {
        io.out(
          JSON.stringify(
            { source, at: new Date(nowMs).toISOString(), ride, decision: o.decision, debit: o.debit, card: o.card, categories: o.credential?.categories, fare: o.fare, clearing: o.clearing, recovered: o.recovered, journal: rig.journal.entries.map((e) => ({ seq: String(e.seq), type: e.record.type, kind: e.record.payload?.kind })), timing: { hostMs: run.hostMs, ioMs: run.ioMs, steps: run.steps } },
            (_k, v) => (typeof v === 'bigint' ? String(v) : v),
            2,
          ),
        );
      } else {
        const lines = [`source    ${source}`, `ride      ${profile}${ride.station ? ` at ${ride.station}` : ''}${direction ? ` (${direction})` : ''}  ${cstTime(nowMs)} CST`];
        if (o.card) lines.push(`card      issuer ${o.card.issuerId}  city ${o.card.city}  category ${toHex(Uint8Array.of(o.card.cardCategory))} → ${o.credential?.categories.join(', ')}  token ${o.card.cardToken}`);
        if (o.fare) {
          lines.push(`fare      ${formatYuan(o.fare.fareFen)}`);
          for (const s of o.fare.steps) lines.push(`          ${s.kind.padEnd(10)} ${s.fen >= 0 ? '+' : '-'}${formatYuan(Math.abs(s.fen))}  ${s.note}${s.rule ? ` [${s.rule}]` : ''}`);
        }
        lines.push(`decision  ${o.decision.outcome.toUpperCase()} (${o.decision.reason}): ${o.decision.message}`);
        for (const [label, c] of [['clearing', o.clearing], ['recovered', o.recovered]] as const) {
          if (c) lines.push(`${label.padEnd(9)} txn ${c.txn}  TAC ${c.tac ?? '-'}  EP seq ${c.epSeq}  terminal ${c.terminalId} seq ${c.terminalSeq}  ${formatYuan(c.balanceBeforeFen)} → ${formatYuan(c.balanceAfterFen)}  (${c.algorithm}, MAC2 ${c.mac2})`);
        }
        lines.push(`journal   ${rig.journal.entries.map((e) => `${e.record.type}#${e.seq}`).join(', ') || 'nothing written'} (in memory, not durable)`);
        const apdus = (k: string) => run.steps.filter((s) => s.kind === k).length;
        lines.push(`timing    host ${run.hostMs.toFixed(2)} ms, I/O ${run.ioMs.toFixed(2)} ms (${apdus('card')} card APDUs, ${apdus('sam')} PSAM, ${apdus('persist')} journal writes)`);
        io.out(lines.join('\n'));
      }
      return exitFor(o);
    } finally {
      for (const c of closers) await c();
    }
  },
};
