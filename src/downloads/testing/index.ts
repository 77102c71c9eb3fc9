/**
 * Test and demo support: a publisher with its own key, and a toy "fare-params"-like kind whose payload
 * is JSON, so the store's rules are tested without depending on modules written elsewhere.
 * Not used by the runtime.
 */
import { generateEd25519, type Ed25519KeyPair } from '../../core/ed25519';
import { buildArtefact, type BuildArtefact } from '../publisher';
import type { ArtefactRegistry} from '../registry';
import { DAY } from '../registry';
import { publisherKey, type PublisherKey } from '../trust';

export interface TestPublisher {
  pair: Ed25519KeyPair;
  key: PublisherKey;
  sign(a: Partial<BuildArtefact> & Pick<BuildArtefact, 'kind' | 'version' | 'payload'>, now?: number): Uint8Array;
}

export function testPublisher(extra: Omit<PublisherKey, 'publicKey' | 'keyId'> = {}, defaultNow = Date.UTC(2026, 10, 22, 8, 0, 0)): TestPublisher {
  const pair = generateEd25519();
  const key = publisherKey(pair.publicKey, extra);
  return {
    pair,
    key,
    sign: (a, now = defaultNow) => buildArtefact({ created: now - 60_000, expires: now + 30 * DAY, ...a }, [{ privateKey: pair.privateKey }]),
  };
}

export interface ToyParams {
  fares: Record<string, number>;
}

/** A JSON kind with deltas ({"set": {...}, "unset": [...]}) — the shape of a module registration. */
export function registerToyKind(registry: ArtefactRegistry, kind = 'toy-params'): ArtefactRegistry {
  return registry.register<ToyParams>({
    kind,
    description: 'toy parameter set for tests',
    maxPayloadBytes: 64 * 1024,
    defaultMaxAgeMs: 7 * DAY,
    validate(payload) {
      const v = JSON.parse(new TextDecoder().decode(payload)) as unknown;
      if (typeof v !== 'object' || v === null || typeof (v as ToyParams).fares !== 'object') throw new Error('expected {"fares": {...}}');
      for (const [k, fen] of Object.entries((v as ToyParams).fares)) if (!Number.isSafeInteger(fen) || fen < 0) throw new Error(`fare ${k}: expected integer fen >= 0`);
      return v as ToyParams;
    },
    applyDelta(current, delta) {
      const cur = JSON.parse(new TextDecoder().decode(current)) as ToyParams;
      const d = JSON.parse(new TextDecoder().decode(delta)) as { set?: Record<string, number>; unset?: string[] };
      const fares = { ...cur.fares, ...(d.set ?? {}) };
      for (const k of d.unset ?? []) delete fares[k];
      return new TextEncoder().encode(JSON.stringify({ fares }));
    },
  });
}

export const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
