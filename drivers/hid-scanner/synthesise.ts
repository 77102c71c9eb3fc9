/**
 * Report streams as a scanner in each mode sends them, built from the HID Usage Tables (keyboard page
 * 0x07; HID POS page 0x8C layouts of pos.ts). Used to write the .hidrec fixtures and by property tests.
 * These are synthesised, not captured from hardware: a field capture (formatHidRecording) can replace
 * or extend them without code changes.
 */
import { TextEncoder } from 'node:util';
import { encodeGbk } from '../../apdu/codec';
import { readUint } from '../../apdu/hex';
import type { HidRecordEvent } from './recorded-device';
import { KEY, MOD, usageForChar } from './usage-keyboard';
import type { PosReportLayout } from './pos';

const KP_DIGIT: Record<string, number> = { '0': KEY.kp0, '1': 0x59, '2': 0x5a, '3': 0x5b, '4': 0x5c, '5': 0x5d, '6': 0x5e, '7': 0x5f, '8': 0x60, '9': 0x61 };

function kbReport(mods: number, key: number, reportId?: number): Uint8Array {
  const r = [mods, 0, key, 0, 0, 0, 0, 0];
  return Uint8Array.from(reportId === undefined ? r : [reportId, ...r]);
}

/**
 * Keyboard-wedge reports typing `text`: press (with Shift when needed) then release, per character;
 * characters outside ASCII as Alt + keypad GBK decimal codes (a "cn" scanner). `dtMs` between reports.
 */
export function keyboardReports(text: string, o: { dtMs?: number; reportId?: number; gbkAltCodes?: boolean } = {}): HidRecordEvent[] {
  const dt = o.dtMs ?? 1;
  const out: HidRecordEvent[] = [];
  const push = (r: Uint8Array) => out.push({ dtMs: dt, report: r });
  for (const ch of text) {
    const u = usageForChar(ch);
    if (u) {
      push(kbReport(u[1] ? MOD.lShift : 0, u[0], o.reportId));
      push(kbReport(0, 0, o.reportId));
      continue;
    }
    if (!o.gbkAltCodes) throw new RangeError(`cannot type ${JSON.stringify(ch)} on a US keyboard`);
    const gbk = readUint(encodeGbk(ch)); // RangeError if not in GBK
    for (const d of String(gbk)) {
      push(kbReport(MOD.lAlt, KP_DIGIT[d]!, o.reportId));
      push(kbReport(MOD.lAlt, 0, o.reportId));
    }
    push(kbReport(0, 0, o.reportId)); // Alt released: the character appears
  }
  return out;
}

/** HID POS reports for `data` in a layout (64-byte reports, continuation flag when the layout has one). */
export function posReports(data: string | Uint8Array, layout: PosReportLayout, o: { dtMs?: number; symbology?: string; reportBytes?: number } = {}): HidRecordEvent[] {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const size = o.reportBytes ?? 64;
  const out: HidRecordEvent[] = [];
  for (let off = 0; off < bytes.length || off === 0; off += layout.maxData) {
    const chunk = bytes.subarray(off, off + layout.maxData);
    const r = new Uint8Array(size);
    r[0] = layout.reportId;
    r[layout.lengthOffset] = chunk.length;
    if (layout.symbologyOffset !== undefined) r.set(new TextEncoder().encode((o.symbology ?? ']Q1').slice(0, layout.symbologyLength ?? 3)), layout.symbologyOffset);
    r.set(chunk, layout.dataOffset);
    const more = off + layout.maxData < bytes.length;
    if (layout.continuationOffset !== undefined) {
      if (more) r[layout.continuationOffset] = 1;
    } else if (more) throw new RangeError(`layout has no continuation flag: at most ${layout.maxData} bytes per code`);
    out.push({ dtMs: o.dtMs ?? 2, report: r });
    if (!bytes.length) break;
  }
  return out;
}
