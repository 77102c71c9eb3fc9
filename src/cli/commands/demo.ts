/**
 * `ykt demo` — the embedded default: an in-process reader discovers emulated cards one after another
 * and each is read through the same kernels that run on real readers, personal data masked.
 * (The full runtime demo — profiles, e-codes, journal, backend — builds on this.)
 */
import { toHex } from '../../../apdu/hex';
import { runKernel } from '../../kernel/runner';
import { acceptSsse, ssseAcceptanceSchema } from '../../ssse/accept';
import { parseEf05 } from '../../ssse/parse';
import { readSsse } from '../../ssse/read';
import { loadCardFixture } from '../../emulator/card-fixture';
import { openDriver } from '../../runtime/card-source';
import { ssseSection } from '../card-read/ssse';
import { EXIT, parseArgs, type Command } from '../command';
import type { ReaderEvent } from '../../reader/types';

const DEMO_CARDS = ['ssc-3rd-zhengzhou', 'ssc-2nd-wenzhou-t0', 'ssc-expired', 'ssc-malformed'];

export const demoCommand: Command = {
  path: ['demo'],
  summary: 'run the terminal on its embedded default (emulated reader and cards)',
  help: `usage: ykt demo [--json]

Starts an in-process reader, presents the emulated cards of fixtures/cards one after another, and
prints what the terminal reads and decides for each, personal data masked.`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'] });
    const driver = await openDriver('virtual');
    const { VirtualReaderDriver } = await import('../../../drivers/virtual/index');
    if (!(driver instanceof VirtualReaderDriver)) throw new Error('the virtual driver is expected here');
    const reader = 'Emulated Contactless Reader 00 00';
    driver.addReader(reader, { interface: 'contactless' });
    const inserted: { reader: string; atr: Uint8Array }[] = [];
    const wake: (() => void)[] = [];
    driver.subscribe((e: ReaderEvent) => {
      if (e.type === 'reader-added') io.out(`reader found: ${e.reader.name} (${e.reader.interface})`);
      if (e.type === 'card-inserted') {
        inserted.push(e);
        wake.shift()?.();
      }
    });
    const policy = ssseAcceptanceSchema.parse({});
    for (const name of DEMO_CARDS) {
      const arrived = new Promise<void>((r) => wake.push(r));
      driver.insertCard(reader, loadCardFixture(name));
      await arrived;
      const ev = inserted.shift()!;
      const conn = await driver.connect(ev.reader);
      const run = await runKernel(readSsse(), { card: (c) => conn.transmit(c) });
      const dump = run.outcome;
      let card;
      let error = '';
      try {
        card = parseEf05(dump.ef05);
      } catch (e) {
        error = (e as Error).message;
      }
      const decision = acceptSsse({ dump, card: card ?? { error }, nowMs: Date.now(), policy, isHotlisted: () => false });
      const view = ssseSection.toJson({ card, error: error || undefined }) as object;
      if (a.flags.has('json')) io.out(JSON.stringify({ fixture: name, atr: toHex(ev.atr), ...view, decision }));
      else {
        io.out(`\ncard tapped (${name}), ATR ${toHex(ev.atr)}`);
        for (const l of ssseSection.toText({ card, error: error || undefined })) io.out(`  ${l}`);
        io.out(`  → ${decision.outcome.toUpperCase()}: ${decision.message}  [${run.steps.length} commands, ${(run.hostMs + run.ioMs).toFixed(1)} ms]`);
      }
      await conn.close();
      driver.removeCard(reader);
    }
    await driver.close();
    return EXIT.OK;
  },
};
