/**
 * The slice of node-hid's device object the scanner uses (node-hid 3: HID / HIDAsync are
 * EventEmitters: 'data' with each input report as a Buffer, 'error' when reading fails — which is
 * how an unplugged device shows itself — and close()). RecordedHidDevice implements the same slice.
 */
export interface HidDeviceLike {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeAllListeners(event?: string): unknown;
  close(): void | Promise<void>;
}

export interface HidDeviceSelector {
  /** hidraw path (/dev/hidraw3) — changes on re-plugging; prefer vendorId/productId (+ usagePage). */
  path?: string;
  vendorId?: number;
  productId?: number;
  /** Pick the interface with this usage page (0x8C = HID POS bar code scanner, 0x01 = generic desktop/keyboard). */
  usagePage?: number;
  /** Share the device with the OS keyboard driver (keyboard-wedge scanners are also keyboards). */
  nonExclusive?: boolean;
}

/** Open a HID device through node-hid (loaded lazily: a native module). */
export async function openNodeHid(sel: HidDeviceSelector): Promise<HidDeviceLike> {
  const HID = await import('node-hid');
  const lib = (HID as unknown as { default?: typeof HID }).default ?? HID;
  let path = sel.path;
  if (!path) {
    if (sel.vendorId === undefined || sel.productId === undefined) throw new RangeError('HID scanner: give a path, or vendorId and productId');
    const found = (await lib.devicesAsync(sel.vendorId, sel.productId)).filter((d) => sel.usagePage === undefined || d.usagePage === sel.usagePage);
    if (!found.length || !found[0]!.path) {
      const hex = (n: number) => n.toString(16).padStart(4, '0');
      throw new Error(`no HID device ${hex(sel.vendorId)}:${hex(sel.productId)}${sel.usagePage !== undefined ? ` with usage page 0x${sel.usagePage.toString(16)}` : ''}`);
    }
    path = found[0]!.path!;
  }
  return lib.HIDAsync.open(path, { nonExclusive: sel.nonExclusive ?? true }) as unknown as Promise<HidDeviceLike>;
}
