/**
 * Helper of bench/pboc.ts: runs emulated UnionPay cards as vpcd's virtual ICCs in a separate process,
 * so the benchmark process's CPU time is the terminal's alone (kernel, runner, PC/SC driver), not the
 * test equipment's (the emulated card's RSA/SM2 signing, which a real card does on its chip).
 *   tsx bench/pboc-vicc.ts <port0> <card0> <port1> <card1>     (prints "ready"; exits when stdin closes)
 * At every SELECT the EC balance is topped up and the last online ATC follows the ATC (as if the card
 * went online now and then), so any number of payments succeed.
 */
import { VpcdBridge } from '../drivers/pcsc/vpcd-bridge';
import { pbocAppOf } from '../src/emulator/pboc/card';
import { pbocCard } from '../src/pboc/testing';

const a = process.argv.slice(2);
const bridges: VpcdBridge[] = [];
for (let i = 0; i + 1 < a.length; i += 2) {
  const card = pbocCard(a[i + 1]!, i + 7);
  const app = pbocAppOf(card)!;
  const inner = card.transmit.bind(card);
  card.transmit = (c) => {
    if (c[1] === 0xa4) {
      app.state.balanceFen = 50_000;
      if (app.state.atc > 60_000) app.state.atc = 16;
      app.state.lastOnlineAtc = Math.max(0, app.state.atc - 1);
    }
    return inner(c);
  };
  const b = new VpcdBridge({ port: Number(a[i]), reconnectDelayMs: 20 });
  await b.insert(card);
  bridges.push(b);
}
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  for (const b of bridges) await b.close();
  process.exit(0);
});
