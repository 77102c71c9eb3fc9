/**
 * Terminal side: fetch artefacts from the backend (backend-routes.ts), verify and apply them.
 *
 * Per kind: GET /artefacts/<kind>?have=<version in force> with If-None-Match W/"<kind>.<version>".
 * 304 → up to date. 200 → the store verifies and applies (refusals leave everything as it was); after
 * a delta the client asks again, so a chain of deltas is followed (at most maxSteps). When a delta is
 * refused because this terminal's list diverged ('result-mismatch', 'wrong-base'), it asks once for the
 * latest full artefact. Nothing here decides policy: results are reported, store.status() tells the
 * profile whether what is in force is still fresh enough.
 */
import { errorMessage } from '../core/errors';
import { etagFor, ARTEFACT_MEDIA_TYPE } from './backend-routes';
import { ArtefactRefused, DownloadFetchError, DownloadStoreError } from './errors';
import { isEnvelope, parseEnvelope } from './envelope';
import type { ApplyResult, ArtefactStore } from './store';

export interface ArtefactClientOptions {
  /** Backend base URL, e.g. "http://127.0.0.1:8080" (downloads.backendUrl). */
  baseUrl: string;
  /** downloads.fetchTimeoutMs: request and body together. */
  timeoutMs?: number;
  /** Deltas followed in one sync of a kind. */
  maxSteps?: number;
  /** Injected fetch (tests, a proxy-aware agent); defaults to the global fetch. */
  fetch?: typeof fetch;
}

export type FetchOutcome = { status: 'not-modified'; latest?: number } | { status: 'ok'; bytes: Uint8Array } | { status: 'not-found'; why: string };

export interface KindSyncResult {
  kind: string;
  /** 'updated': at least one artefact applied; 'refused': the backend's artefact failed verification. */
  outcome: 'updated' | 'up-to-date' | 'not-published' | 'refused' | 'failed';
  /** Version in force before and after (undefined: none usable). */
  from: number | undefined;
  to: number | undefined;
  applied: ApplyResult[];
  error?: ArtefactRefused | DownloadFetchError | DownloadStoreError;
}

/** One GET, with the body size bounded (the backend is not trusted to be honest about sizes). */
export async function fetchArtefact(kind: string, have: number | undefined, maxBytes: number, o: ArtefactClientOptions & { full?: boolean }): Promise<FetchOutcome> {
  const url = new URL(`artefacts/${encodeURIComponent(kind)}`, o.baseUrl.endsWith('/') ? o.baseUrl : o.baseUrl + '/');
  if (have !== undefined) url.searchParams.set('have', String(have));
  if (o.full) url.searchParams.set('full', '1');
  const headers: Record<string, string> = { accept: ARTEFACT_MEDIA_TYPE };
  if (have !== undefined && !o.full) headers['if-none-match'] = etagFor(kind, have);
  const timeoutMs = o.timeoutMs ?? 60_000;
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(url, { headers, signal });
  } catch (e) {
    throw fetchFailure(e, url, timeoutMs);
  }
  if (res.status === 304) {
    await res.body?.cancel();
    const latest = Number(res.headers.get('x-ykt-latest-version'));
    return { status: 'not-modified', ...(Number.isSafeInteger(latest) && latest > 0 ? { latest } : {}) };
  }
  if (res.status === 404) return { status: 'not-found', why: (await res.text().catch(() => '')).slice(0, 300) };
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new DownloadFetchError('http', `GET ${url.pathname}: HTTP ${res.status} from the backend; will retry at the next poll`, res.status);
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new DownloadFetchError('too-large', `GET ${url.pathname}: ${declared} bytes announced, more than the ${maxBytes} a "${kind}" artefact may have`);
  }
  try {
    return { status: 'ok', bytes: await readBounded(res, maxBytes, url.pathname, kind) };
  } catch (e) {
    if (e instanceof DownloadFetchError) throw e;
    throw fetchFailure(e, url, timeoutMs);
  }
}

async function readBounded(res: Response, maxBytes: number, path: string, kind: string): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const tooLarge = () => new DownloadFetchError('too-large', `GET ${path}: more than the ${maxBytes} bytes a "${kind}" artefact may have; download abandoned`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isSafeInteger(declared) && declared >= 0) {
    // Known length: one buffer, filled in place (an 80 MB list never exists twice in memory here).
    const out = new Uint8Array(declared);
    let o = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (o + value.length > declared) {
        await reader.cancel();
        throw new DownloadFetchError('http', `GET ${path}: the body is longer than its Content-Length (${declared}); discarded`);
      }
      out.set(value, o);
      o += value.length;
    }
    return o === declared ? out : out.subarray(0, o); // short: the envelope parser reports 'truncated'
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function fetchFailure(e: unknown, url: URL, timeoutMs: number): DownloadFetchError {
  const name = e instanceof Error ? e.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return new DownloadFetchError('timeout', `GET ${url.origin}${url.pathname}: no complete answer within ${timeoutMs} ms (downloads.fetchTimeoutMs)`, undefined, { cause: e });
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return new DownloadFetchError('network', `GET ${url.origin}${url.pathname}: ${errorMessage(e)}${cause}; backend unreachable, will retry at the next poll`, undefined, { cause: e });
}

/** Bring one kind up to date. Never throws for network or verification problems: they are in the result. */
export async function syncKind(store: ArtefactStore, kind: string, o: ArtefactClientOptions): Promise<KindSyncResult> {
  const from = store.haveVersion(kind);
  const applied: ApplyResult[] = [];
  const maxBytes = store.maxDownloadBytes(kind) || 16 * 1024 * 1024;
  const result = (outcome: KindSyncResult['outcome'], error?: KindSyncResult['error']): KindSyncResult => ({
    kind,
    outcome: applied.some((a) => a.outcome === 'applied') && outcome === 'up-to-date' ? 'updated' : outcome,
    from,
    to: store.haveVersion(kind),
    applied,
    ...(error ? { error } : {}),
  });
  let askFull = false;
  const maxSteps = o.maxSteps ?? 16;
  for (let step = 0; step < maxSteps; step++) {
    let got: FetchOutcome;
    try {
      got = await fetchArtefact(kind, store.haveVersion(kind), maxBytes, { ...o, full: askFull });
    } catch (e) {
      if (e instanceof DownloadFetchError) return result(applied.length ? 'updated' : 'failed', e);
      throw e;
    }
    if (got.status === 'not-modified') return result('up-to-date');
    if (got.status === 'not-found') return result(applied.length ? 'updated' : 'not-published');
    try {
      if (isEnvelope(got.bytes)) {
        const k = parseEnvelope(got.bytes).header.kind;
        if (k !== kind) throw new ArtefactRefused('kind-mismatch', `asked the backend for "${kind}", it answered with "${k}"`, k);
      }
      const r = await store.apply(got.bytes);
      applied.push(r);
      if (r.outcome === 'unchanged') return result('up-to-date');
      askFull = false;
    } catch (e) {
      if (e instanceof ArtefactRefused) {
        const deltaTrouble = e.reason === 'result-mismatch' || e.reason === 'wrong-base';
        if (deltaTrouble && !askFull) {
          askFull = true; // one retry with the latest full artefact
          continue;
        }
        return result('refused', e);
      }
      if (e instanceof DownloadStoreError) return result('failed', e);
      throw e;
    }
  }
  return result('updated');
}

/** Bring several kinds up to date, one after the other (downloads.kinds). */
export async function syncArtefacts(store: ArtefactStore, kinds: string[], o: ArtefactClientOptions): Promise<KindSyncResult[]> {
  const out: KindSyncResult[] = [];
  for (const k of kinds) out.push(await syncKind(store, k, o));
  return out;
}
