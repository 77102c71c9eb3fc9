/** `ykt card read` — identify the card's applications and print what each shows, personal data masked. */
import { toHex } from '../../../apdu/hex';
import { fromHex } from '../../../apdu/hex';
import { CardError, ProtocolError, ReaderError } from '../../core/errors';
import { runKernel } from '../../kernel/runner';
import { openCard, type DriverKind } from '../../runtime/card-source';
import { testSsseAuthenticator } from '../../ssse/test-sam';
import { cardSections } from '../card-read/sections';
import { EXIT, parseArgs, UsageError, type Command } from '../command';

export const cardReadCommand: Command = {
  path: ['card', 'read'],
  summary: 'identify the card and print what it holds (personal data masked)',
  help: `usage: ykt card read [--reader NAME | --transcript FILE | --card FIXTURE] [--driver pcsc|virtual]
                     [--holder [--auth-key HEX]] [--json]

Identifies the card's applications (PPSE directory and direct SELECTs) and prints what each one
shows: the social security application's card data; the payment and transport applications where
the card has them. Personal data is masked. Holder data (EF06: name, ID number) is read only with
--holder, and a card that protects it needs authentication (--auth-key: the TEST key of an
emulated card; real terminals use a social-security PSAM).

  --reader NAME       PC/SC reader (substring match); default: the first reader with a card
  --driver KIND       pcsc (default) or virtual
  --transcript FILE   replay a send:/resp: transcript instead of a live card
  --card FIXTURE      an emulated card from fixtures/cards (e.g. ssc-3rd-zhengzhou) in the in-process reader
  --json              machine-readable output

exit codes: 0 read, 2 usage, 4 no reader / no card / reader error, 5 card error`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json', 'holder'], options: ['reader', 'transcript', 'card', 'driver', 'auth-key'] });
    const sources = ['reader', 'transcript', 'card'].filter((k) => a.options.has(k));
    if (sources.length > 1) throw new UsageError(`choose one of --reader, --transcript, --card (got ${sources.map((s) => '--' + s).join(', ')})`);
    const driver = (a.options.get('driver') ?? 'pcsc') as DriverKind;
    if (driver !== 'pcsc' && driver !== 'virtual') throw new UsageError(`--driver: expected pcsc or virtual, got "${driver}"`);
    let authenticate: ((c: Uint8Array) => Uint8Array) | undefined;
    if (a.options.has('auth-key')) {
      try {
        authenticate = testSsseAuthenticator(fromHex(a.options.get('auth-key')!));
      } catch (e) {
        throw new UsageError(`--auth-key: ${(e as Error).message}`);
      }
    }
    const card = await openCard({ transcript: a.options.get('transcript'), card: a.options.get('card'), reader: a.options.get('reader'), driver });
    const json: Record<string, unknown> = { source: card.describe, atr: toHex(card.atr) };
    const text: string[] = [`${card.describe}`, `ATR ${toHex(card.atr, ' ')}`];
    let worst: number = EXIT.OK;
    try {
      for (const s of cardSections) {
        try {
          const run = await runKernel(s.read({ holderData: a.flags.has('holder'), authenticate, nowMs: Date.now() }), { card: card.transmit });
          if (run.outcome === undefined) continue;
          const view = s.toJson(run.outcome);
          json[s.name] = view;
          if (view && typeof view === 'object' && 'error' in view && view.error) worst = EXIT.CARD;
          text.push('', `${s.title}`, ...s.toText(run.outcome).map((l) => `  ${l}`));
        } catch (e) {
          if (e instanceof ReaderError) throw e;
          if (!(e instanceof CardError || e instanceof ProtocolError)) throw e;
          json[s.name] = { error: e.message };
          text.push('', `${s.title}`, `  error: ${e.message}`);
          worst = EXIT.CARD;
        }
      }
    } finally {
      await card.close();
    }
    if (a.flags.has('json')) io.out(JSON.stringify(json, null, 2));
    else io.out(text.join('\n'));
    return worst;
  },
};
