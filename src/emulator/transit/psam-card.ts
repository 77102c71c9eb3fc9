/**
 * An emulated transport PSAM (DOMAIN.md §1.3) personalised from JSON (fixtures/transit/psam/*.json):
 * file 0016 (terminal number) under the MF, the MOT.CPSAM01 application with file 0017, and the
 * purchase commands computing real MACs from a TEST master purchase key (3DES and SM4 variants,
 * n-level diversification from the factors in the MAC1 command).
 *
 *   80 70 00 00 Lc  MAC1: random 4 ‖ seq 2 ‖ amount 4 ‖ type 1 ‖ date-time 7 ‖ key ver 1 ‖ alg id 1 ‖ n × 8
 *                   → terminal seq 4 ‖ MAC1 4; the terminal sequence number then increments
 *   80 72 00 00 04  verify MAC2 of the session of the last MAC1 → 9000 / 9302 / 6985 (no session)
 */
import { z } from 'zod';
import type { ParsedCommand } from '../../../apdu/command';
import { encodeBcd } from '../../../apdu/codec';
import { equalBytes, fromHex, writeUint } from '../../../apdu/hex';
import { parseConfigSection } from '../../core/config-section';
import { AID_PSAM_TRANSPORT } from '../../sam/psam';
import { binaryEf, df, type CardApp, type CardReply } from '../fs';
import { Iso7816Card } from '../iso7816-card';
import { diversifyChain, epMac, mac1Data, sessionKey, type EpAlgorithm } from './crypto';
import { testKeySet } from './test-keys';

const hexN = (n: number, what: string) => z.string().regex(new RegExp(`^[0-9A-Fa-f]{${2 * n}}$`), `expected ${what} as ${2 * n} hex digits`);

export const psamFixtureSchema = z
  .object({
    label: z.string().min(1),
    note: z.string().optional(),
    atr: z.string().regex(/^([0-9A-Fa-f]{2}){2,33}$/),
    protocol: z.enum(['T0', 'T1']).default('T0'),
    terminalId: hexN(6, 'a terminal number'),
    keyIndex: z.number().int().min(0).max(255).default(1),
    issuerId: hexN(8, 'an issuer id'),
    receiverId: hexN(8, 'a receiver id'),
    validFrom: z.string().regex(/^\d{8}$/),
    validTo: z.string().regex(/^\d{8}$/),
    terminalSeq: z.number().int().min(0).max(0xffffffff).default(1),
    /** TEST key set (src/emulator/transit/test-keys.ts). */
    keySet: z.string().default('test-1'),
    /** Algorithm id byte → algorithm (mirrors the terminal's transit.algorithmIds; values unconfirmed). */
    algorithmIds: z.record(z.string().regex(/^[0-9A-Fa-f]{2}$/), z.enum(['3des', 'sm4'])).default({ '00': '3des', '04': 'sm4' }),
  })
  .strict();

export type PsamFixture = z.output<typeof psamFixtureSchema>;

const SW = { OK: 0x9000, WRONG_LENGTH: 0x6700, CONDITIONS: 0x6985, WRONG_DATA: 0x6a80, WRONG_P1P2: 0x6a86, MAC: 0x9302, INS: 0x6d00 } as const;

export class PsamApp implements CardApp {
  terminalSeq: number;
  private session: { alg: EpAlgorithm; sk: Uint8Array; amount4: Uint8Array } | undefined;
  /** Counts, for tests. */
  mac1Count = 0;

  constructor(private readonly f: PsamFixture) {
    this.terminalSeq = f.terminalSeq;
  }

  onReset(): void {
    this.session = undefined;
  }

  handle(cmd: ParsedCommand, card: Iso7816Card): CardReply | undefined {
    if (cmd.cla !== 0x80 || card.currentDf.app !== this) return undefined;
    if (cmd.ins === 0x70) return this.mac1(cmd);
    if (cmd.ins === 0x72) return this.verifyMac2(cmd);
    return { sw: SW.INS };
  }

  private algorithmOf(id: number): EpAlgorithm | undefined {
    const k = id.toString(16).toUpperCase().padStart(2, '0');
    return Object.entries(this.f.algorithmIds).find(([key]) => key.toUpperCase() === k)?.[1];
  }

  private mac1(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0 || cmd.p2 !== 0) return { sw: SW.WRONG_P1P2 };
    const d = cmd.data;
    if (!d || d.length < 28 || (d.length - 20) % 8 !== 0 || d.length > 20 + 3 * 8) return { sw: SW.WRONG_LENGTH };
    const alg = this.algorithmOf(d[19]!);
    if (!alg) return { sw: SW.WRONG_DATA };
    const factors: Uint8Array[] = [];
    for (let o = 20; o < d.length; o += 8) factors.push(d.slice(o, o + 8));
    const dpk = diversifyChain(alg, testKeySet(this.f.keySet).purchase[alg], factors);
    const tseq4 = writeUint(this.terminalSeq, 4);
    const sk = sessionKey(alg, dpk, d.subarray(0, 4), d.subarray(4, 6), tseq4);
    const amount4 = d.slice(6, 10);
    const mac1 = epMac(alg, sk, mac1Data({ amount4, type: d[10]!, terminal6: fromHex(this.f.terminalId), dateTime7: d.subarray(11, 18) }));
    this.session = { alg, sk, amount4 };
    this.terminalSeq = (this.terminalSeq + 1) >>> 0;
    this.mac1Count++;
    const out = new Uint8Array(8);
    out.set(tseq4, 0);
    out.set(mac1, 4);
    return { data: out, sw: SW.OK };
  }

  private verifyMac2(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0 || cmd.p2 !== 0) return { sw: SW.WRONG_P1P2 };
    if (!cmd.data || cmd.data.length !== 4) return { sw: SW.WRONG_LENGTH };
    const s = this.session;
    if (!s) return { sw: SW.CONDITIONS };
    if (!equalBytes(epMac(s.alg, s.sk, s.amount4), cmd.data)) return { sw: SW.MAC };
    this.session = undefined;
    return { sw: SW.OK };
  }
}

export interface EmulatedPsam {
  card: Iso7816Card;
  app: PsamApp;
  label: string;
}

export function buildPsam(fixture: unknown): EmulatedPsam {
  const f = parseConfigSection(psamFixtureSchema, fixture, 'PSAM fixture');
  testKeySet(f.keySet); // fail early on an unknown key set
  const app = new PsamApp(f);
  const f17 = new Uint8Array(25);
  f17[0] = f.keyIndex;
  f17.set(fromHex(f.issuerId), 1);
  f17.set(fromHex(f.receiverId), 9);
  f17.set(encodeBcd(f.validFrom), 17);
  f17.set(encodeBcd(f.validTo), 21);
  const mf = df({
    fid: 0x3f00,
    children: [binaryEf({ sfi: 0x16, fid: 0x0016, data: fromHex(f.terminalId) }), df({ name: AID_PSAM_TRANSPORT, fid: 0x1001, app, children: [binaryEf({ sfi: 0x17, fid: 0x0017, data: f17 })] })],
  });
  const card = new Iso7816Card({ label: f.label, atr: fromHex(f.atr), protocol: f.protocol, mf });
  return { card, app, label: f.label };
}
