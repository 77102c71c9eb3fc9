/**
 * The `scanners` configuration section: one entry per scanner, mapped 1:1 onto the driver options
 * (drivers/serial-scanner openSerialScanner, drivers/hid-scanner openHidScanner, drivers/camera
 * openCameraScanner + spawnCapture). The runtime composition opens them; this module only validates.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';
import { ConfigError } from '../core/errors';
import { DEFAULT_FRAMING, parseFramingBytes } from './framing';

const framingBytes = z.string().transform((s, ctx) => {
  try {
    return parseFramingBytes(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

export const framingSchema = z
  .object({
    /** Bytes before each code, C escapes or hex: "" (none), "\\x02" (STX). */
    prefix: framingBytes.prefault(''),
    /** Bytes after each code: "\\r" (CR, the usual), "\\r\\n", "" (frame by silence alone). */
    suffix: framingBytes.prefault('\\r'),
    /** Silence that abandons a partial frame (or ends one when there is no suffix). */
    interByteTimeoutMs: z.number().int().min(0).max(10_000).default(DEFAULT_FRAMING.interByteTimeoutMs),
    maxFrameBytes: z.number().int().min(16).max(65_536).default(DEFAULT_FRAMING.maxFrameBytes),
    trimLineEnds: z.boolean().default(true),
  })
  .strict();

const common = {
  name: z.string().min(1),
  encoding: z.enum(['utf8', 'gbk', 'latin1']).default('utf8'),
  queueCapacity: z.number().int().min(1).max(1024).default(16),
};

export const serialScannerSchema = z
  .object({
    driver: z.literal('serial'),
    ...common,
    /** Prefer /dev/serial/by-id/… (stable across re-plugging). */
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(9600),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    framing: framingSchema.prefault({}),
    /** 0 = fail when unplugged; else retry every N ms. */
    reconnectIntervalMs: z.number().int().min(0).default(1000),
  })
  .strict();

export const hidScannerSchema = z
  .object({
    driver: z.literal('hid'),
    ...common,
    select: z
      .object({
        path: z.string().optional(),
        vendorId: z.number().int().min(0).max(0xffff).optional(),
        productId: z.number().int().min(0).max(0xffff).optional(),
        usagePage: z.number().int().min(0).max(0xffff).optional(),
        nonExclusive: z.boolean().default(true),
      })
      .strict()
      .refine((s) => s.path !== undefined || (s.vendorId !== undefined && s.productId !== undefined), 'give a path, or vendorId and productId'),
    decode: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('keyboard'), layout: z.enum(['us', 'cn']).default('us'), reportId: z.number().int().min(0).max(255).optional() }).strict(),
      z
        .object({
          mode: z.literal('pos'),
          layout: z.union([
            z.enum(['honeywell', 'newland']),
            z
              .object({
                reportId: z.number().int().min(0).max(255),
                lengthOffset: z.number().int().min(0).max(63),
                symbologyOffset: z.number().int().min(0).max(63).optional(),
                symbologyLength: z.number().int().min(1).max(4).optional(),
                dataOffset: z.number().int().min(0).max(63),
                maxData: z.number().int().min(1).max(64),
                continuationOffset: z.number().int().min(0).max(63).optional(),
              })
              .strict(),
          ]),
        })
        .strict(),
    ]),
    /** Keyboard mode only: framing of the typed text (Enter = CR suffix). */
    framing: framingSchema.prefault({}),
    reconnectIntervalMs: z.number().int().min(0).default(1000),
  })
  .strict();

export const cameraScannerSchema = z
  .object({
    driver: z.literal('camera'),
    name: z.string().min(1),
    /** A process writing raw frames to stdout, e.g. ["ffmpeg","-f","v4l2","-video_size","640x480","-i","/dev/video0","-f","rawvideo","-pix_fmt","gray","-"]. */
    capture: z.array(z.string().min(1)).min(1),
    width: z.number().int().min(16).max(8192),
    height: z.number().int().min(16).max(8192),
    pixelFormat: z.enum(['gray', 'rgba']).default('gray'),
    /** zxing-wasm measured faster and more robust than jsQR (bench/ecode); ["zxing","jsqr"] = jsQR as fallback. */
    decoders: z.array(z.enum(['zxing', 'jsqr', 'jsqr-blur', 'jsqr-noblur'])).min(1).default(['zxing']),
    repeatSuppressMs: z.number().int().min(0).max(60_000).default(1500),
    queueCapacity: z.number().int().min(1).max(1024).default(16),
  })
  .strict();

export const scannerConfigSchema = z.discriminatedUnion('driver', [serialScannerSchema, hidScannerSchema, cameraScannerSchema]);
export const scannersConfigSchema = z.array(scannerConfigSchema).default([]);

export type ScannerConfig = z.infer<typeof scannerConfigSchema>;

export function parseScannersConfig(input: unknown, section = 'scanners'): ScannerConfig[] {
  const scanners = parseConfigSection(scannersConfigSchema, input ?? [], section);
  const names = new Set<string>();
  for (const [k, s] of scanners.entries()) {
    if (names.has(s.name)) throw new ConfigError(`${section}.${k}.name`, `duplicate scanner name "${s.name}"`);
    names.add(s.name);
  }
  return scanners;
}
