/**
 * The one place that handles transport-level status words (ISO/IEC 7816-3 §12.2 / 7816-4 §5.1.3):
 *   61xx  — more data: fetch it with GET RESPONSE (00 C0 00 00 xx), concatenating, until a final SW;
 *   6Cxx  — wrong Le: resend the same command with Le = xx.
 * Everything above this sees only complete responses. Bounded: a card cannot loop us forever.
 */
import { CardError, ProtocolError, type Exchange } from '../src/core/errors';
import { encodeCommand, type CommandApdu } from './command';
import { concat, toHex } from './hex';
import { parseResponse, type ResponseApdu } from './response';
import { describeSw, swHex } from './status-words';

/** The narrow card interface: bytes out, bytes back (data ‖ SW). */
export type Transmit = (command: Uint8Array) => Promise<Uint8Array>;

export interface TransceiveOptions {
  /** Maximum GET RESPONSE rounds (default 64). */
  maxGetResponse?: number;
  /** Maximum total response data length assembled from 61xx chains (default 65536). */
  maxResponseLength?: number;
  /** Receives every raw exchange (for transcripts and error context). */
  onExchange?: (e: Exchange) => void;
}

export interface TransceiveResult extends ResponseApdu {
  /** Every raw exchange made for this command, in order. */
  exchanges: Exchange[];
}

export async function transceive(transmit: Transmit, command: CommandApdu | Uint8Array, opts: TransceiveOptions = {}): Promise<TransceiveResult> {
  const maxRounds = opts.maxGetResponse ?? 64;
  const maxLen = opts.maxResponseLength ?? 65536;
  const exchanges: Exchange[] = [];
  const send = async (bytes: Uint8Array): Promise<ResponseApdu> => {
    let raw: Uint8Array;
    try {
      raw = await transmit(bytes);
    } catch (e) {
      if (e instanceof CardError && e.exchanges.length === 0) {
        throw new CardError(e.kind, e.message, e.sw, exchanges, { cause: e });
      }
      throw e;
    }
    const ex = { command: bytes, response: raw };
    exchanges.push(ex);
    opts.onExchange?.(ex);
    try {
      return parseResponse(raw);
    } catch (e) {
      if (e instanceof CardError) throw new CardError(e.kind, e.message, undefined, exchanges);
      throw e;
    }
  };

  let cmdBytes = command instanceof Uint8Array ? command : encodeCommand(command);
  let resp = await send(cmdBytes);

  // 6Cxx: resend once with the right Le (a second 6Cxx is a protocol error).
  if (resp.sw >> 8 === 0x6c) {
    const le = resp.sw & 0xff || 256;
    cmdBytes = withLe(cmdBytes, le);
    resp = await send(cmdBytes);
    if (resp.sw >> 8 === 0x6c) {
      throw new ProtocolError(`card asked twice to correct Le (${swHex(resp.sw)}) for ${toHex(cmdBytes.subarray(0, 4))}`, 'wrong-le-loop', exchanges);
    }
  }

  const chunks: Uint8Array[] = [resp.data];
  let total = resp.data.length;
  let rounds = 0;
  const getResponseCla = getResponseClass(cmdBytes[0]!);
  while (resp.sw >> 8 === 0x61) {
    if (++rounds > maxRounds) {
      throw new ProtocolError(`card kept answering 61xx after ${maxRounds} GET RESPONSE rounds`, 'get-response-loop', exchanges);
    }
    const le = resp.sw & 0xff;
    resp = await send(Uint8Array.of(getResponseCla, 0xc0, 0x00, 0x00, le));
    if (resp.sw >> 8 === 0x6c) {
      resp = await send(Uint8Array.of(getResponseCla, 0xc0, 0x00, 0x00, resp.sw & 0xff));
    }
    total += resp.data.length;
    if (total > maxLen) throw new ProtocolError(`response longer than ${maxLen} bytes via GET RESPONSE`, 'response-too-long', exchanges);
    chunks.push(resp.data);
  }
  return { data: chunks.length === 1 ? chunks[0]! : concat(...chunks), sw: resp.sw, exchanges };
}

/** GET RESPONSE uses the interindustry class with the original logical channel (7816-4 §5.4.1). */
function getResponseClass(cla: number): number {
  if ((cla & 0xe0) === 0x00) return cla & 0x03; // first interindustry: keep channel 0..3
  if ((cla & 0xc0) === 0x40) return 0x40 | (cla & 0x0f); // further interindustry: channels 4..19
  return 0x00; // proprietary class (e.g. 80): GET RESPONSE is sent in class 00
}

/** Replace or append the (short) Le of a command. */
function withLe(cmd: Uint8Array, le: number): Uint8Array {
  const leByte = le === 256 ? 0 : le;
  if (cmd.length === 4) return concat(cmd, Uint8Array.of(leByte));
  if (cmd.length === 5) return concat(cmd.subarray(0, 4), Uint8Array.of(leByte));
  const lc = cmd[4]!;
  if (lc !== 0 && cmd.length === 5 + lc) return concat(cmd, Uint8Array.of(leByte));
  if (lc !== 0 && cmd.length === 6 + lc) return concat(cmd.subarray(0, 5 + lc), Uint8Array.of(leByte));
  throw new ProtocolError(`card asked to correct Le on an extended or malformed command ${toHex(cmd.subarray(0, 4))}`, 'wrong-le');
}

/**
 * A command's own table of acceptable status words (STYLE.md §4). Any other SW is a CardError that
 * names the command, the SW and its meaning, and carries the exchanges.
 */
export type SwTable = Readonly<Record<number, string>>;

export function expectSw(command: string, result: TransceiveResult | (ResponseApdu & { exchanges?: Exchange[] }), table: SwTable = { 0x9000: 'success' }): ResponseApdu {
  if (table[result.sw] !== undefined) return result;
  const info = describeSw(result.sw);
  throw new CardError('status', `${command}: card answered ${info.hex} (${info.meaning})`, result.sw, result.exchanges ?? []);
}
