/**
 * HID POS scanners (HID Point of Sale Usage Tables 1.02, usage page 0x8C "Bar Code Scanner"): the
 * scanner sends the code as data in input reports, no keyboard emulation, no layout problems. The
 * Scanned Data Report's byte layout is fixed by each vendor's report descriptor, so it is a named
 * preset here, not a constant (unconfirmed from the specification alone; from public sources):
 *  - "honeywell": report 0x02; length byte; 3-byte AIM symbology identifier; up to 56 data bytes from
 *    offset 5; byte 63 non-zero = more reports follow (WebHidBarcodeScanner's parser of Honeywell HID POS).
 *  - "newland": report 0x02; length byte; up to 56 data bytes from offset 2; no continuation (Newland
 *    FM430 interface notes).
 * Offsets include the report ID byte, as node-hid delivers reports from numbered-report devices.
 */

export interface PosReportLayout {
  reportId: number;
  lengthOffset: number;
  /** AIM symbology identifier ("]Q1" = QR code), when the report carries one. */
  symbologyOffset?: number;
  symbologyLength?: number;
  dataOffset: number;
  maxData: number;
  /** Byte that is non-zero when the code continues in the next report. */
  continuationOffset?: number;
}

export const POS_LAYOUTS = {
  honeywell: { reportId: 0x02, lengthOffset: 1, symbologyOffset: 2, symbologyLength: 3, dataOffset: 5, maxData: 56, continuationOffset: 63 },
  newland: { reportId: 0x02, lengthOffset: 1, dataOffset: 2, maxData: 56 },
} as const satisfies Record<string, PosReportLayout>;

export type PosLayoutName = keyof typeof POS_LAYOUTS;

export type PosEvent = { kind: 'code'; bytes: Uint8Array; symbology?: string } | { kind: 'bad-report'; why: string } | { kind: 'overflow' } | { kind: 'other-report' };

export class PosReportDecoder {
  private parts: Uint8Array[] = [];
  private size = 0;
  private symbology: string | undefined;
  /** After a bad report or an overflow: skip the rest of that code (up to a report without continuation). */
  private discarding = false;

  constructor(
    private readonly layout: PosReportLayout,
    private readonly maxCodeBytes = 4096,
  ) {}

  push(report: Uint8Array): PosEvent | undefined {
    const L = this.layout;
    if (report.length === 0 || report[0] !== L.reportId) return { kind: 'other-report' };
    if (report.length <= L.lengthOffset) return { kind: 'bad-report', why: `report of ${report.length} bytes has no length byte` };
    const more = L.continuationOffset !== undefined && report.length > L.continuationOffset && report[L.continuationOffset] !== 0;
    if (this.discarding) {
      this.discarding = more;
      return undefined;
    }
    const len = report[L.lengthOffset]!;
    if (len > L.maxData) return this.abandon(`length ${len} > ${L.maxData}`, more);
    if (L.dataOffset + len > report.length) return this.abandon(`length ${len} overruns a ${report.length}-byte report`, more);
    if (L.symbologyOffset !== undefined && this.parts.length === 0) {
      const s = report.subarray(L.symbologyOffset, L.symbologyOffset + (L.symbologyLength ?? 3));
      this.symbology = s.every((b) => b >= 0x20 && b < 0x7f) && s.some((b) => b !== 0x20) ? String.fromCharCode(...s) : undefined;
    }
    this.size += len;
    if (this.size > this.maxCodeBytes) {
      this.reset();
      this.discarding = more;
      return { kind: 'overflow' };
    }
    this.parts.push(report.slice(L.dataOffset, L.dataOffset + len));
    if (more) return undefined;
    const bytes = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      bytes.set(p, o);
      o += p.length;
    }
    const symbology = this.symbology;
    this.reset();
    return bytes.length ? { kind: 'code', bytes, symbology } : undefined;
  }

  reset(): void {
    this.discarding = false;
    this.parts = [];
    this.size = 0;
    this.symbology = undefined;
  }

  private abandon(why: string, more: boolean): PosEvent {
    this.reset();
    this.discarding = more;
    return { kind: 'bad-report', why };
  }
}
