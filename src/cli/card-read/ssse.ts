/** The social security application's section of `ykt card read`: card data, holder data masked. */
import { formatDate } from '../../../apdu/codec';
import { maskCardNumber, maskIdNumber, maskName } from '../../core/mask';
import type { Kernel } from '../../kernel/step';
import { parseSsseDump, type SsseHolderData, type SsseView } from '../../ssse/parse';
import { readSsse } from '../../ssse/read';
import type { CardReadOptions, CardSection } from './section';

export type { SsseView };

function* read(opts: CardReadOptions): Kernel<SsseView | undefined> {
  const dump = yield* readSsse({ holderData: opts.holderData, authenticate: opts.authenticate });
  return dump.present ? parseSsseDump(dump) : undefined;
}

function maskedHolder(h: SsseHolderData) {
  return {
    name: h.name !== undefined ? maskName(h.name) : undefined,
    idNumber: h.idNumber !== undefined ? maskIdNumber(h.idNumber) : undefined,
    sex: h.sex,
    birthYear: h.birthDate?.y,
  };
}

export const ssseSection: CardSection<SsseView> = {
  name: 'ssse',
  title: 'Social security application (社会保障)',
  read,
  toJson: (v) => ({
    card: v.card && {
      region: v.card.region,
      generation: v.card.generation,
      specVersion: v.card.specVersion,
      cardType: v.card.cardType,
      cardNumber: maskCardNumber(v.card.cardNumber),
      issueDate: formatDate(v.card.issueDate),
      expiry: formatDate(v.card.expiry),
    },
    error: v.error,
    holder: v.holder && maskedHolder(v.holder),
    holderRefused: v.holderRefused,
  }),
  toText: (v) => {
    const out: string[] = [];
    if (v.error) out.push(`card data unreadable: ${v.error}`);
    if (v.card) {
      const c = v.card;
      out.push(
        `card number     ${maskCardNumber(c.cardNumber)}`,
        `region          ${c.region}`,
        `generation      ${c.generation || '?'} (spec ${c.specVersion}), card type ${c.cardType}`,
        `valid           ${formatDate(c.issueDate)} → ${formatDate(c.expiry)}`,
      );
    }
    if (v.holder) {
      const h = maskedHolder(v.holder);
      out.push(`holder          ${h.name ?? '?'}  ID ${h.idNumber ?? '?'}  ${h.sex ?? ''}${h.birthYear ? `  born ${h.birthYear}` : ''}`);
    }
    if (v.holderRefused) out.push(`holder data     not read: ${v.holderRefused}`);
    return out;
  },
};
