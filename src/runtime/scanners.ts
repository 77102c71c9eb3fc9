/** Open the scanners of the `scanners` config section (drivers loaded lazily, only those configured). */
import type { ScannerConfig } from '../scanner/config';
import type { Scanner } from '../scanner/types';

export async function openScanner(c: ScannerConfig): Promise<Scanner> {
  switch (c.driver) {
    case 'serial': {
      const { openSerialScanner } = await import('../../drivers/serial-scanner/index');
      return openSerialScanner({ name: c.name, path: c.path, baudRate: c.baudRate, dataBits: c.dataBits, parity: c.parity, stopBits: c.stopBits, framing: c.framing, encoding: c.encoding, reconnectIntervalMs: c.reconnectIntervalMs, queueCapacity: c.queueCapacity });
    }
    case 'hid': {
      const { openHidScanner } = await import('../../drivers/hid-scanner/index');
      return openHidScanner({ name: c.name, select: c.select, decode: c.decode, framing: c.framing, encoding: c.encoding, reconnectIntervalMs: c.reconnectIntervalMs, queueCapacity: c.queueCapacity });
    }
    case 'camera': {
      const { openCameraScanner, spawnCapture } = await import('../../drivers/camera/index');
      const capture = spawnCapture(c.capture, { width: c.width, height: c.height, format: c.pixelFormat });
      return openCameraScanner({
        name: c.name,
        frames: capture.frames,
        decoders: c.decoders,
        repeatSuppressMs: c.repeatSuppressMs,
        queueCapacity: c.queueCapacity,
        onClose: () => capture.stop(),
      });
    }
  }
}
