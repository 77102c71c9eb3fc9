/**
 * What the card said, gathered from the FCI, GPO and records into one tag map (EMV Book 3 §10.2: a
 * primitive data object the card gives twice with different values is an error). Bounded: at most MAX_TAGS objects; values
 * kept as the exact bytes received.
 */
import { equalBytes } from '../../../apdu/hex';
import { tagHex, type Tlv } from '../../../apdu/tlv';
import { ProtocolError } from '../../core/errors';

const MAX_TAGS = 256;

/** Tags the card may legitimately repeat across FCI and GPO (the GPO template restates them). */
const REPEATABLE = new Set<number>([0x4f, 0x84, 0x50, 0x87, 0x9f38, 0x5f2d, 0x9f11, 0x9f12, 0xbf0c, 0x9f4d, 0xdf4d]);

export class CardData {
  readonly tags = new Map<number, Uint8Array>();

  add(nodes: readonly Tlv[], where: string, allowRepeat = false): void {
    for (const n of nodes) {
      if (n.children) {
        this.add(n.children, where, allowRepeat);
        continue;
      }
      if (n.constructed) continue;
      const prev = this.tags.get(n.tag);
      if (prev !== undefined) {
        // The same value twice (qPBOC cards restate track 2 in GPO and records) is harmless; two different values are not.
        if (allowRepeat || REPEATABLE.has(n.tag) || equalBytes(prev, n.value)) continue;
        throw new ProtocolError(`card gave data object ${tagHex(n.tag)} twice with different values (${where})`, 'duplicate-tag');
      }
      if (this.tags.size >= MAX_TAGS) throw new ProtocolError(`card gave more than ${MAX_TAGS} data objects`, 'too-many-tags');
      this.tags.set(n.tag, n.value);
    }
  }

  get(tag: number): Uint8Array | undefined {
    return this.tags.get(tag);
  }

  has(tag: number): boolean {
    return this.tags.has(tag);
  }

  /** A value that must have a fixed length when present; wrong length is a protocol error. */
  fixed(tag: number, length: number): Uint8Array | undefined {
    const v = this.tags.get(tag);
    if (v !== undefined && v.length !== length) throw new ProtocolError(`data object ${tagHex(tag)} is ${v.length} bytes, expected ${length}`, 'bad-length');
    return v;
  }
}
