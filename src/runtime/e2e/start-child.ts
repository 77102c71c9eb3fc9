/**
 * TEST-ONLY child process for shutdown.stack.test.ts: the runtime exactly as `ykt start` runs it
 * (runTerminalUntilSignal: same signal handling, same graceful stop) but on an in-process reader the
 * test controls through stdin, with a slow card (the virtual driver's latency control).
 *
 *   node --import tsx start-child.ts <config.json> <apdu latency ms>
 *
 * stdin lines:  "tap <fixture>"   insert that card (fixtures/cards), removed once decided
 * stdout lines: "READY <displayUrl>", "IN-PROGRESS <apdus answered>" (the card is being read),
 *               "DECISION <json>", and the runtime's own lines (ykt: ready…, ykt: SIGTERM: stopping…).
 */
import { createInterface } from 'node:readline';
import { VirtualReaderDriver } from '../../../drivers/virtual/index';
import { runTerminalUntilSignal } from '../../cli/commands/start';
import { loadCardFixture } from '../../emulator/card-fixture';
import { createLogger } from '../../log/logger';

const [configPath, latency] = process.argv.slice(2);
const READER = 'Emulated Contactless Reader 00 00';
const driver = new VirtualReaderDriver({ readers: [{ name: READER, interface: 'contactless' }] });
driver.setLatency(READER, Number(latency ?? '0'));
const out = (l: string) => process.stdout.write(l + '\n');

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd !== 'tap' || !arg) return;
  driver.insertCard(READER, loadCardFixture(arg));
  const poll = setInterval(() => {
    const n = driver.exchanges(READER).length;
    if (n > 0) {
      clearInterval(poll);
      out(`IN-PROGRESS ${n}`);
    }
  }, 2);
});

const code = await runTerminalUntilSignal({
  config: configPath!,
  io: { out, err: (l) => process.stderr.write(l + '\n') },
  driver,
  log: createLogger({ component: 'ykt', level: 'info', sink: (l) => process.stderr.write(l + '\n') }),
  onReady: (t) => {
    t.onDecision((ev) => {
      out(`DECISION ${JSON.stringify(ev)}`);
      if (driver.cardIn(READER)) driver.removeCard(READER);
    });
    out(`READY ${t.displayUrl ?? ''}`);
  },
});
process.stdin.destroy();
process.exitCode = code;
