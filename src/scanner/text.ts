/**
 * Payload bytes → text. Scanners in China are often set to GBK output (for codes with Chinese text);
 * ours are ASCII, which all three encodings read alike. Decoding is strict: a frame that is not valid
 * in the configured encoding is line noise, dropped as "bad-encoding", not repaired into U+FFFD.
 */
import { TextDecoder } from 'node:util';

export type PayloadEncoding = 'utf8' | 'gbk' | 'latin1';

const decoders: Record<PayloadEncoding, TextDecoder> = {
  utf8: new TextDecoder('utf-8', { fatal: true }),
  gbk: new TextDecoder('gbk', { fatal: true }),
  latin1: new TextDecoder('latin1'),
};

export function decodePayloadText(bytes: Uint8Array, encoding: PayloadEncoding): string | undefined {
  try {
    return decoders[encoding].decode(bytes);
  } catch {
    return undefined;
  }
}
