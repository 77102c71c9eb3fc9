/**
 * How a batch reaches the backend. The narrow interface (one method) lets tests put the real backend
 * in-process (fastify's inject) or behind a fault-injecting proxy, and production use HTTP(S).
 *
 * Outcomes are three, and only one of them marks records sent:
 * - ack: the backend stored the batch (or had it already) — and said so for exactly this batch;
 * - refused: the backend answered and will not store it (bad signature, unknown terminal, conflict):
 *   retrying the same bytes will not help, an operator must act;
 * - unknown: no usable answer (timeout, connection reset, 5xx, garbled body). The batch may or may not
 *   be stored: it is retried with the same ids, and the backend's idempotency makes that safe.
 */
import http from 'node:http';
import https from 'node:https';
import type { BatchAck, BatchRefusal, UploadBatch } from './batch';

export type SendResult = { kind: 'ack'; ack: BatchAck } | { kind: 'refused'; httpStatus: number; refusal: BatchRefusal } | { kind: 'unknown'; why: string };

export interface Transport {
  send(batch: UploadBatch, timeoutMs: number): Promise<SendResult>;
  close?(): void;
}

export const BATCH_PATH = '/v1/batches';
const PERMANENT = new Set([400, 401, 403, 404, 409, 413, 422]);

/** Classify an HTTP answer (status + body text) into a SendResult. */
export function classifyResponse(status: number, body: string): SendResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'unknown', why: `HTTP ${status} with an unreadable body` };
  }
  const o = json as Record<string, unknown>;
  if (status === 200 && o && o.status === 'ok' && typeof o.firstSeq === 'string' && typeof o.lastSeq === 'string' && typeof o.lastHash === 'string') {
    return { kind: 'ack', ack: o as unknown as BatchAck };
  }
  if (PERMANENT.has(status) && o && (o.status === 'refused' || o.status === 'conflict') && typeof o.reason === 'string') {
    return { kind: 'refused', httpStatus: status, refusal: { status: o.status, reason: o.reason, message: String(o.message ?? ''), ...(typeof o.seq === 'string' ? { seq: o.seq } : {}) } };
  }
  return { kind: 'unknown', why: `HTTP ${status}${o && typeof o.message === 'string' ? `: ${o.message}` : ''}` };
}

const bodies = new WeakMap<UploadBatch, Buffer>();
/** The exact bytes of a batch, serialised once: a retry sends the same bytes. */
export function batchBody(b: UploadBatch): Buffer {
  let body = bodies.get(b);
  if (!body) {
    body = Buffer.from(JSON.stringify(b), 'utf8');
    bodies.set(b, body);
  }
  return body;
}

export function httpTransport(baseUrl: string, opts: { maxResponseBytes?: number } = {}): Transport {
  const url = new URL(BATCH_PATH, baseUrl);
  const mod = url.protocol === 'https:' ? https : http;
  const agent = new mod.Agent({ keepAlive: true, maxSockets: 2 });
  const maxResponse = opts.maxResponseBytes ?? 1024 * 1024;
  return {
    send(batch, timeoutMs) {
      const body = batchBody(batch);
      return new Promise<SendResult>((resolve) => {
        let settled = false;
        const done = (r: SendResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(r);
        };
        const req = mod.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
          const chunks: Buffer[] = [];
          let n = 0;
          res.on('data', (c: Buffer) => {
            n += c.length;
            if (n > maxResponse) {
              req.destroy();
              done({ kind: 'unknown', why: `response larger than ${maxResponse} bytes` });
            } else chunks.push(c);
          });
          res.on('end', () => done(classifyResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
          res.on('error', (e) => done({ kind: 'unknown', why: `response: ${e.message}` }));
          res.on('aborted', () => done({ kind: 'unknown', why: 'response aborted' }));
        });
        const timer = setTimeout(() => {
          req.destroy();
          done({ kind: 'unknown', why: `no answer within ${timeoutMs} ms` });
        }, timeoutMs);
        req.on('error', (e) => done({ kind: 'unknown', why: `${(e as NodeJS.ErrnoException).code ?? 'error'}: ${e.message}` }));
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
