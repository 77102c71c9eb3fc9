/**
 * Child process of vpcd-bridge.stack.test.ts (run with `node --import tsx`; PCSCLITE_CSOCK_NAME set by
 * the parent): a card on a VpcdBridge in THIS process, then N rounds of connect → keep the JS thread
 * busy past pcscd's presence poll → close (the addon's synchronous SCardDisconnect). If vpcd's ATR
 * poll needs this thread, the disconnect deadlocks and the parent's timeout kills us.
 *
 * argv: PORT READER ROUNDS
 */
import { loadCardFixture } from '../../../src/emulator/card-fixture';
import { PcscReaderDriver } from '../pcsc-driver';
import { VpcdBridge } from '../vpcd-bridge';
import { EventRecorder } from './event-recorder';

const [port, reader, rounds] = [Number(process.argv[2]), process.argv[3]!, Number(process.argv[4] ?? 3)];
const bridge = new VpcdBridge({ port });
const d = new PcscReaderDriver();
const ev = new EventRecorder(d);
await bridge.insert(loadCardFixture('ssc-3rd-zhengzhou'));
await ev.cardInserted(reader);
for (let i = 0; i < rounds; i++) {
  const c = await d.connect(reader);
  // Busy for longer than pcscd's presence poll (≈ 0.4 s): a poll is waiting for the ATR when we disconnect.
  const until = Date.now() + 600;
  while (Date.now() < until) {
    /* the JS thread answers nothing */
  }
  await c.close();
  process.stdout.write(`round ${i} closed\n`);
}
ev.unsubscribe();
await d.close();
await bridge.close();
process.stdout.write('done\n');
