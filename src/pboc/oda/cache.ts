/**
 * A bounded memory of verifications that succeeded: key = SM3 of the exact bytes (public key, signed
 * data, signature, signer ID). The same bytes always verify the same way, so a hit is as good as a
 * verification; everything that depends on the day, the card or the revocation list is still checked
 * by the caller every time. Used for SM2 certificates (≈ 1 ms each), which repeat across taps: the
 * issuer certificate on every card of an issuer, the ICC certificate on every tap of the same card.
 */
import { sm3 } from '../crypto/hash';

export class VerifiedCache {
  private readonly seen = new Map<string, true>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`VerifiedCache capacity: expected an integer >= 0, got ${capacity}`);
  }

  private key(parts: readonly Uint8Array[]): string {
    // Length-prefix each part so that different splits of the same bytes never collide.
    const lens = new Uint8Array(parts.length * 4);
    parts.forEach((p, i) => new DataView(lens.buffer).setUint32(i * 4, p.length));
    return Buffer.from(sm3(lens, ...parts)).toString('base64');
  }

  /** `verify()` for these exact bytes — or true at once when they verified before. Only successes are remembered. */
  verified(parts: readonly Uint8Array[], verify: () => boolean): boolean {
    if (this.capacity === 0) return verify();
    const k = this.key(parts);
    if (this.seen.has(k)) {
      this.seen.delete(k);
      this.seen.set(k, true);
      this.hits++;
      return true;
    }
    this.misses++;
    if (!verify()) return false;
    if (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(k, true);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
