/**
 * Reading codes from images for the CLI (`ykt scan`, `ykt ecode verify --image`), and describing what
 * a payload is. Decoders come from drivers/camera, loaded lazily (composition code may).
 */
import { defaultSchemes } from '../../ecode/verifier';

export type ImageDecoderChoice = 'zxing' | 'jsqr' | 'both';

export async function decodeImageFile(file: string, choice: ImageDecoderChoice = 'both'): Promise<string[]> {
  const { pngFrame, chainDecoders, zxingDecoder, jsqrDecoder } = await import('../../../drivers/camera/index');
  const frame = pngFrame(file);
  const list = choice === 'zxing' ? [zxingDecoder()] : choice === 'jsqr' ? [jsqrDecoder()] : [zxingDecoder(), jsqrDecoder()];
  return (await chainDecoders(list).decode(frame)).map((r) => r.text);
}

export interface CodeDescription {
  known: boolean;
  scheme?: string;
  fields?: Record<string, string | number | boolean>;
  problem?: string;
  lines: string[];
}

/** What a payload is: a code of a registered scheme (its fields, unverified) or unknown text. */
export function describeCode(text: string): CodeDescription {
  // describe() never uses the holder-token key: any key registers the static scheme for display.
  const schemes = defaultSchemes(new Uint8Array(16));
  const s = schemes.match(text);
  if (!s) {
    const shown = text.length > 80 ? `${text.slice(0, 77)}…` : text;
    return { known: false, lines: [`not a known code: ${JSON.stringify(shown)} (${text.length} characters)`] };
  }
  const d = s.describe(text);
  if (!d.ok) return { known: true, scheme: s.id, problem: `${d.reason}: ${d.detail}`, lines: [`${s.id} (${s.description}) — damaged: ${d.reason}: ${d.detail}`] };
  return { known: true, scheme: s.id, fields: d.fields, lines: [`${s.id} (${s.description}) — not verified`, ...Object.entries(d.fields).map(([k, v]) => `  ${k.padEnd(14)} ${String(v)}`)] };
}
