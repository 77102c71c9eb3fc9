/**
 * A fault-injecting HTTP proxy on loopback, between the terminal and the backend. For each request it
 * draws one fault from a seeded PRNG:
 *   pass             forward, return the answer
 *   drop-request     close the client's connection without forwarding
 *   drop-response    forward (the backend stores the batch), then close without answering
 *   delay            forward after a delay (may outlast the client's timeout)
 *   error-before     answer 500 without forwarding
 *   error-after      forward, then answer 500 instead of the real answer
 *   hang             never answer (the client times out)
 *   hang-after       forward, then never answer
 *   duplicate        forward the request twice, return the second answer
 *   stale            forward, but return an earlier request's answer (reordered responses)
 * It speaks HTTP/1.1 through node:http and never looks inside the bodies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAULTS = ['pass', 'drop-request', 'drop-response', 'delay', 'error-before', 'error-after', 'hang', 'hang-after', 'duplicate', 'stale'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultProxy {
  url: string;
  counts: Record<Fault, number>;
  /** Stop injecting faults (everything passes). */
  heal(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export async function startFaultProxy(opts: { target: string; random: () => number; weights?: Partial<Record<Fault, number>>; maxDelayMs?: number }): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const weights: Record<Fault, number> = { pass: 4, 'drop-request': 1, 'drop-response': 1, delay: 1, 'error-before': 1, 'error-after': 1, hang: 0.5, 'hang-after': 0.5, duplicate: 1, stale: 1, ...opts.weights };
  const total = FAULTS.reduce((s, f) => s + weights[f], 0);
  const counts = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  const answers: Answer[] = [];
  const hanging = new Set<http.ServerResponse>();
  let healed = false;
  const agent = new http.Agent({ keepAlive: true });

  const pick = (): Fault => {
    if (healed) return 'pass';
    let r = opts.random() * total;
    for (const f of FAULTS) {
      r -= weights[f];
      if (r < 0) return f;
    }
    return 'pass';
  };

  const forward = (req: http.IncomingMessage, body: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, agent, headers: { ...req.headers, host: target.host, connection: 'keep-alive' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const a = { status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) };
          answers.push(a);
          if (answers.length > 50) answers.shift();
          resolve(a);
        });
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });

  const send = (res: http.ServerResponse, a: Answer) => {
    if (res.destroyed) return;
    res.writeHead(a.status, { 'content-type': String(a.headers['content-type'] ?? 'application/json'), 'content-length': a.body.length });
    res.end(a.body);
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const f = pick();
      counts[f]++;
      void (async () => {
        try {
          switch (f) {
            case 'pass':
              send(res, await forward(req, body));
              break;
            case 'drop-request':
              req.socket.destroy();
              break;
            case 'drop-response':
              await forward(req, body);
              req.socket.destroy();
              break;
            case 'delay':
              await sleep(Math.floor(opts.random() * (opts.maxDelayMs ?? 400)));
              send(res, await forward(req, body));
              break;
            case 'error-before':
              send(res, { status: 500, headers: {}, body: Buffer.from('{"message":"injected 500"}') });
              break;
            case 'error-after':
              await forward(req, body);
              send(res, { status: 500, headers: {}, body: Buffer.from('{"message":"injected 500"}') });
              break;
            case 'hang':
              hanging.add(res);
              break;
            case 'hang-after':
              await forward(req, body);
              hanging.add(res);
              break;
            case 'duplicate': {
              await forward(req, body);
              send(res, await forward(req, body));
              break;
            }
            case 'stale': {
              // an earlier answer (possibly to this very request, if it is the only one so far)
              await forward(req, body);
              send(res, answers[Math.floor(opts.random() * answers.length)]!);
              break;
            }
          }
        } catch {
          req.socket.destroy();
        }
      })().then(() => undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    heal() {
      healed = true;
    },
    async close() {
      for (const r of hanging) r.socket?.destroy();
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
