/** A third-generation social security card carrying the transport application (one chip, two apps). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../../core/paths';
import { buildCard } from '../card-fixture';
import { loadFares, loadPsam } from './fixtures';
import { TransitRig, directTransmit } from './rig';

describe('transit section in a shared card fixture', () => {
  it('an SSC fixture with sections.transit taps like a transport card', async () => {
    const ssc = JSON.parse(readFileSync(fixturesDir('cards', 'ssc-3rd-zhengzhou.json'), 'utf8'));
    const transport = JSON.parse(readFileSync(fixturesDir('transit', 'cards', 'tunion-adult.json'), 'utf8')).sections.transit;
    const card = buildCard({ ...ssc, sections: { ...ssc.sections, transit: transport } });
    const rig = new TransitRig({ fares: loadFares('demo-city'), samTransmit: directTransmit(loadPsam('psam-test-1').card) });
    await rig.identify();
    const o = (await rig.tap(directTransmit(card), { profile: 'bus-26' }, Date.UTC(2026, 10, 22, 8))).outcome;
    expect(o.decision).toMatchObject({ outcome: 'approved', message: 'paid: fare 2.00, balance 48.00' });
  });
});
