/**
 * Which applications the card carries: the contactless directory (PPSE "2PAY.SYS.DDF01", DOMAIN.md §1.2)
 * and direct SELECTs of the social security DF and the transport AIDs.
 */
import { fromHex, toHex } from '../../../apdu/hex';
import { decodeAn } from '../../../apdu/codec';
import { decodeTlv, findAllTlv, findTlv } from '../../../apdu/tlv';
import { T } from '../../../apdu/tags';
import { toCard, type Kernel } from '../../kernel/step';
import { PPSE_NAME, selectByName } from '../../pboc/kernel/commands';
import { SSSE_DF_NAME } from '../../ssse/constants';
import { AID_TUNION_EP } from '../../transit/constants';
import type { CardSection } from './section';

export const KNOWN_AIDS: Record<string, string> = {
  A000000333010101: 'UnionPay debit',
  A000000333010102: 'UnionPay credit',
  A000000333010103: 'UnionPay quasi-credit',
  A000000333010106: 'UnionPay pure electronic cash',
  A000000333010108: 'UnionPay US debit',
  [AID_TUNION_EP]: 'T-Union e-purse (JT/T 978)',
  A000000632010106: 'T-Union electronic cash',
  A00000000386980701: 'MoHURD interoperable city card (CJ/T 166)',
};

export interface AppEntry {
  aid: string;
  label?: string;
  priority?: number;
  known?: string;
  via: 'ppse' | 'select';
}

export interface AppsDump {
  apps: AppEntry[];
}

function* probe(): Kernel<AppsDump | undefined> {
  const apps: AppEntry[] = [];
  const ppse = yield* toCard('SELECT PPSE', selectByName(PPSE_NAME));
  if (ppse.sw === 0x9000) {
    try {
      for (const e of findAllTlv(decodeTlv(ppse.data), T.APP_TEMPLATE)) {
        const aid = findTlv([e], T.AID)?.value;
        if (!aid) continue;
        const label = findTlv([e], T.LABEL)?.value;
        const prio = findTlv([e], T.PRIORITY)?.value;
        let text: string | undefined;
        try {
          text = label ? decodeAn(label) : undefined;
        } catch {
          text = label ? toHex(label) : undefined;
        }
        apps.push({ aid: toHex(aid), label: text, priority: prio?.[0] !== undefined ? prio[0] & 0x0f : undefined, known: KNOWN_AIDS[toHex(aid)], via: 'ppse' });
      }
    } catch {
      /* a malformed directory: the direct probes below still run */
    }
  }
  const direct: [Uint8Array, string][] = [
    [SSSE_DF_NAME, 'social security application (SSSE)'],
    [fromHex(AID_TUNION_EP), KNOWN_AIDS[AID_TUNION_EP]!],
    [fromHex('A00000000386980701'), KNOWN_AIDS.A00000000386980701!],
  ];
  for (const [aid, known] of direct) {
    if (apps.some((a) => a.aid === toHex(aid))) continue;
    const r = yield* toCard('SELECT', selectByName(aid));
    if (r.sw === 0x9000) apps.push({ aid: toHex(aid), known, via: 'select' });
  }
  return { apps };
}

export const applicationsSection: CardSection<AppsDump> = {
  name: 'applications',
  title: 'Applications on the card',
  read: () => probe(),
  toJson: (d) => d.apps,
  toText: (d) =>
    d.apps.length === 0
      ? ['(none found)']
      : d.apps.map((a) => `${a.aid}  ${a.known ?? a.label ?? 'unknown application'}${a.priority !== undefined ? `  priority ${a.priority}` : ''}${a.via === 'ppse' ? '  [PPSE]' : ''}`),
};
