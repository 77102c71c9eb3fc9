/** The holder-token key for the CLI: --holder-token-key HEX or $YKT_HOLDER_TOKEN_KEY (a scheme parameter). */
import { UsageError } from '../command';
import { parseHexOpt } from './files';

export function holderTokenKeyOf(opt: string | undefined, required: boolean): Uint8Array | undefined {
  const text = opt ?? process.env.YKT_HOLDER_TOKEN_KEY;
  if (!text) {
    if (required) throw new UsageError('the holder-token key is needed: --holder-token-key HEX (≥ 16 bytes) or $YKT_HOLDER_TOKEN_KEY');
    return undefined;
  }
  const k = parseHexOpt(text, '--holder-token-key');
  if (k.length < 16) throw new UsageError(`--holder-token-key: expected at least 16 bytes, got ${k.length}`);
  return k;
}
