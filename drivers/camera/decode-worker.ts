/**
 * Worker-thread entry: decodes frames posted by DecodeWorker (worker-client.ts) so the main thread —
 * the gate's event loop — never blocks on image work. One frame at a time; the client drops frames
 * while this one is busy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decoderByName, chainDecoders, type DecoderName } from './decoders';
import type { Frame } from './frame';

export interface DecodeRequest {
  id: number;
  frame: Frame;
}
export interface DecodeReply {
  id: number;
  results?: { text: string; bytes?: Uint8Array; decoder: string }[];
  error?: string;
  ms: number;
}

const names = (workerData as { decoders: DecoderName[] }).decoders;
const decoder = chainDecoders(names.map(decoderByName));

parentPort!.on('message', async (req: DecodeRequest) => {
  const t = performance.now();
  try {
    const results = await decoder.decode(req.frame);
    parentPort!.postMessage({ id: req.id, results, ms: performance.now() - t } satisfies DecodeReply);
  } catch (e) {
    parentPort!.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e), ms: performance.now() - t } satisfies DecodeReply);
  }
});
parentPort!.postMessage({ ready: true });
