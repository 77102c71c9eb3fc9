/**
 * Helper of bench/transit.ts: runs the emulated transport card and PSAM as vpcd's virtual ICCs in a
 * separate process, so that the benchmark process's CPU time is the terminal's alone (kernel, runner,
 * PC/SC driver, journal), not the test equipment's.
 *   tsx bench/transit-vicc.ts <cardPort> <samPort>     (prints "ready"; exits when stdin closes)
 * The card's balance is topped up before each INITIALIZE so that any number of taps succeed.
 */
import { VpcdBridge } from '../drivers/pcsc/vpcd-bridge';
import { loadPsam, loadTransitCard } from '../src/emulator/transit/fixtures';

const [cardPort, samPort] = process.argv.slice(2).map(Number);
const card = loadTransitCard('tunion-adult');
const inner = card.card.transmit.bind(card.card);
card.card.transmit = (c) => {
  if (c[0] === 0x80 && c[1] === 0x50) card.purse.state.balanceFen = 100_000;
  return inner(c);
};
const cardBridge = new VpcdBridge({ port: cardPort, reconnectDelayMs: 20 });
const samBridge = new VpcdBridge({ port: samPort, reconnectDelayMs: 20 });
await cardBridge.insert(card.card);
await samBridge.insert(loadPsam('psam-test-1').card);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  await cardBridge.close();
  await samBridge.close();
  process.exit(0);
});
