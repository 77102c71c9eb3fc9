/**
 * A HID device that replays a recorded report stream through node-hid's event interface, for tests
 * and for replaying a capture from the field (the Metrodroid idea: a dump played back as if live).
 *
 * Recording format (.hidrec), one event per line, '#' comments:
 *   +<ms> <hex bytes of one input report, as node-hid delivers it (report ID first when numbered)>
 *   +<ms> error <message>        the device failed (unplugged), as node-hid reports it
 * `+<ms>` is the time since the previous event.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../apdu/hex';
import type { ManualClock } from '../../src/core/clock';
import type { HidDeviceLike } from './device';

export type HidRecordEvent = { dtMs: number; report: Uint8Array } | { dtMs: number; error: string };

export interface HidRecording {
  events: HidRecordEvent[];
  /** `# key: value` header lines (source, expect, device…). */
  meta: Record<string, string[]>;
}

export function parseHidRecording(text: string): HidRecording {
  const events: HidRecordEvent[] = [];
  const meta: Record<string, string[]> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      const m = /^#\s*([a-z-]+):\s?(.*)$/.exec(line);
      if (m) (meta[m[1]!] ??= []).push(m[2]!);
      continue;
    }
    const m = /^\+(\d+)\s+(.*)$/.exec(line);
    if (!m) throw new SyntaxError(`hidrec line ${i + 1}: expected "+<ms> <hex>" or "+<ms> error <message>"`);
    const dtMs = Number(m[1]);
    if (m[2]!.startsWith('error ')) events.push({ dtMs, error: m[2]!.slice(6) });
    else {
      let report: Uint8Array;
      try {
        report = fromHex(m[2]!);
      } catch (e) {
        throw new SyntaxError(`hidrec line ${i + 1}: bad hex (${(e as Error).message})`);
      }
      if (!report.length) throw new SyntaxError(`hidrec line ${i + 1}: bad hex (empty report)`);
      events.push({ dtMs, report });
    }
  }
  return { events, meta };
}

export function formatHidRecording(events: HidRecordEvent[], header: string[] = []): string {
  const lines = header.map((h) => `# ${h}`);
  for (const e of events) lines.push('report' in e ? `+${e.dtMs} ${toHex(e.report, ' ').toLowerCase()}` : `+${e.dtMs} error ${e.error}`);
  return lines.join('\n') + '\n';
}

export function loadHidRecording(file: string | URL): HidRecording {
  return parseHidRecording(readFileSync(file, 'utf8'));
}

export class RecordedHidDevice extends EventEmitter implements HidDeviceLike {
  closed = false;
  private pos = 0;

  constructor(private readonly rec: HidRecording) {
    super();
  }

  /**
   * Deliver the next `n` events (all by default), advancing the test's clock by each event's delay
   * first, synchronously — deterministic, no real time involved.
   */
  play(clock: ManualClock, n = Infinity): void {
    for (let k = 0; k < n && this.pos < this.rec.events.length && !this.closed; k++) {
      const e = this.rec.events[this.pos++]!;
      clock.advance(e.dtMs);
      if ('report' in e) this.emit('data', Buffer.from(e.report));
      else this.emit('error', new Error(e.error));
    }
  }

  get remaining(): number {
    return this.rec.events.length - this.pos;
  }

  close(): void {
    this.closed = true;
  }
}
