/** `ykt scan IMAGE…` — decode the QR code in each PNG image and say what it holds (nothing verified). */
import { EXIT, parseArgs, UsageError, type Command } from '../command';
import { decodeImageFile, describeCode, type ImageDecoderChoice } from '../ecode/images';

export const scanCommand: Command = {
  path: ['scan'],
  summary: 'decode the QR code in PNG images and print what each holds',
  help: `usage: ykt scan IMAGE.png… [--decoder zxing|jsqr|both] [--json]

For each image: the decoded text and, when it is a known code (YKE1 e-code, YKS1 static card code),
its fields — unverified (use \`ykt ecode verify --image\` for a verdict). --decoder chooses zxing-wasm,
jsQR, or both (default: zxing-wasm, then jsQR when zxing finds nothing).

exit codes: 0 every image held a code, 1 some did not (or could not be read), 2 usage`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'], options: ['decoder'] });
    if (!a.positional.length) throw new UsageError('give one or more PNG images');
    const choice = (a.options.get('decoder') ?? 'both') as ImageDecoderChoice;
    if (!['zxing', 'jsqr', 'both'].includes(choice)) throw new UsageError('--decoder: expected zxing, jsqr or both');
    let worst: number = EXIT.OK;
    const json: unknown[] = [];
    for (const file of a.positional) {
      let texts: string[];
      try {
        texts = await decodeImageFile(file, choice);
      } catch (e) {
        worst = EXIT.NEGATIVE;
        json.push({ file, error: e instanceof Error ? e.message : String(e) });
        if (!a.flags.has('json')) io.out(`${file}: cannot read image (${e instanceof Error ? e.message : String(e)})`);
        continue;
      }
      if (!texts.length) {
        worst = EXIT.NEGATIVE;
        json.push({ file, codes: [] });
        if (!a.flags.has('json')) io.out(`${file}: no QR code found`);
        continue;
      }
      for (const t of texts) {
        const d = describeCode(t);
        json.push({ file, text: t, scheme: d.scheme, fields: d.fields, problem: d.problem });
        if (!a.flags.has('json')) {
          io.out(`${file}: ${t}`);
          for (const l of d.lines) io.out(`  ${l}`);
        }
      }
    }
    if (a.flags.has('json')) io.out(JSON.stringify(json, null, 2));
    return worst;
  },
};
