// The TCP side of VpcdBridge (vpcd-bridge.ts), in a worker thread: connects to vpcd, reassembles
// frames, answers vpcd's ATR polls itself and forwards power control (one-way) and command APDUs (the
// answer comes back from the main thread, which owns the emulated card) — see vpcd-bridge.ts for why.
// Plain JavaScript so that Node starts it without a TypeScript loader (tests, tsx, benches alike).
//
// main → worker: {t:'insert', id, gen, host, port, atr, reconnect, reconnectDelayMs}
//                {t:'answer', id, gen, seq, data} · {t:'silent', id, gen, seq} · {t:'kill', id, gen, seq}
//                {t:'remove', id}
// worker → main: {t:'connected'|'closed'|'atr', id, gen} · {t:'power', id, gen, on}
//                {t:'apdu', id, gen, seq, data} · {t:'removed', id}
import { connect } from 'node:net';
import { clearTimeout, setTimeout } from 'node:timers';
import { parentPort } from 'node:worker_threads';

const MSG_POWER_OFF = 0x00;
const MSG_POWER_ON = 0x01;
const MSG_RESET = 0x02;
const MSG_GET_ATR = 0x04;

/** @type {Map<number, any>} id → link */
const links = new Map();

parentPort.on('message', (m) => {
  const link = links.get(m.id);
  switch (m.t) {
    case 'insert': {
      if (link) drop(link);
      const l = { ...m, active: true, socket: undefined, buffer: Buffer.alloc(0), waiting: 0, seq: 0, silent: false, timer: undefined };
      links.set(m.id, l);
      open(l);
      return;
    }
    case 'answer':
      if (!current(link, m)) return;
      link.waiting = 0;
      send(link.socket, m.data);
      pump(link);
      return;
    case 'silent':
      if (!current(link, m)) return;
      link.waiting = 0;
      link.silent = true; // answers nothing from now on, not even the ATR polls
      return;
    case 'kill':
      if (!current(link, m)) return;
      drop(link); // the card is gone: no answer, no reconnection
      return;
    case 'remove': {
      if (!link) {
        parentPort.postMessage({ t: 'removed', id: m.id });
        return;
      }
      const s = link.socket;
      drop(link);
      links.delete(m.id);
      if (s && !s.closed) s.once('close', () => parentPort.postMessage({ t: 'removed', id: m.id }));
      else parentPort.postMessage({ t: 'removed', id: m.id });
      return;
    }
  }
});

/** The APDU this answer is for is still the one vpcd waits for, on the same connection. */
function current(link, m) {
  return link !== undefined && link.active && link.gen === m.gen && link.waiting === m.seq && link.socket !== undefined;
}

function drop(link) {
  link.active = false;
  clearTimeout(link.timer);
  const s = link.socket;
  link.socket = undefined;
  if (s && !s.destroyed) s.destroy();
}

function open(link) {
  if (!link.active) return;
  const s = connect({ host: link.host, port: link.port, noDelay: true });
  link.socket = s;
  link.buffer = Buffer.alloc(0);
  link.waiting = 0;
  s.on('connect', () => parentPort.postMessage({ t: 'connected', id: link.id, gen: link.gen }));
  s.on('data', (chunk) => {
    if (link.socket !== s) return;
    link.buffer = link.buffer.length === 0 ? chunk : Buffer.concat([link.buffer, chunk]);
    pump(link);
  });
  s.on('error', () => {
    /* handled on close */
  });
  s.on('close', () => {
    if (link.socket !== s) return; // removed on purpose, or replaced
    link.socket = undefined;
    link.waiting = 0;
    parentPort.postMessage({ t: 'closed', id: link.id, gen: link.gen });
    if (link.active && link.reconnect) link.timer = setTimeout(() => open(link), link.reconnectDelayMs);
  });
}

/** Handle the buffered frames in order; stop at a command APDU until the main thread answers it. */
function pump(link) {
  const s = link.socket;
  while (s && link.socket === s && link.waiting === 0 && link.buffer.length >= 2) {
    const len = link.buffer.readUInt16BE(0); // ≤ 65535: a frame is bounded by its 2-byte length
    if (link.buffer.length < 2 + len) return;
    const msg = new Uint8Array(link.buffer.subarray(2, 2 + len));
    link.buffer = link.buffer.subarray(2 + len);
    if (link.silent || len === 0) continue;
    if (len === 1) {
      switch (msg[0]) {
        case MSG_GET_ATR:
          parentPort.postMessage({ t: 'atr', id: link.id, gen: link.gen });
          send(s, link.atr);
          break;
        case MSG_POWER_OFF:
          parentPort.postMessage({ t: 'power', id: link.id, gen: link.gen, on: false });
          break;
        case MSG_POWER_ON:
        case MSG_RESET:
          parentPort.postMessage({ t: 'power', id: link.id, gen: link.gen, on: true });
          break;
        default:
          break; // unknown control byte: vpcd expects no answer
      }
      continue;
    }
    link.seq = (link.seq % 0x7fffffff) + 1;
    link.waiting = link.seq;
    parentPort.postMessage({ t: 'apdu', id: link.id, gen: link.gen, seq: link.seq, data: msg }, [msg.buffer]);
  }
}

function send(s, payload) {
  if (!s || s.destroyed) return;
  const frame = Buffer.allocUnsafe(2 + payload.length);
  frame.writeUInt16BE(payload.length, 0);
  frame.set(payload, 2);
  s.write(frame);
}
