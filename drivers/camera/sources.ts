/**
 * Where camera frames come from. The camera itself is reached through a capture process that writes
 * raw frames to stdout (e.g. `ffmpeg -f v4l2 -video_size 640x480 -i /dev/video0 -f rawvideo -pix_fmt gray -`,
 * or a GStreamer pipeline ending in `fdsink`): the process owns the camera, this module owns nothing
 * native. Images (PNG) are frames too, for `ykt scan` and tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { PNG } from 'pngjs';
import type { Frame } from './frame';

/** Decode a PNG file (or bytes) into an RGBA frame. Throws on a corrupt or non-PNG file. */
export function pngFrame(file: string | Uint8Array): Frame {
  const png = PNG.sync.read(Buffer.from(typeof file === 'string' ? readFileSync(file) : file));
  return { width: png.width, height: png.height, format: 'rgba', data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
}

export interface RawVideoFormat {
  width: number;
  height: number;
  format: 'gray' | 'rgba';
}

/** Cut a byte stream of raw frames into frames (each frame its own buffer, so it can be transferred). */
export async function* rawVideoFrames(stream: Readable, f: RawVideoFormat): AsyncGenerator<Frame> {
  const size = f.width * f.height * (f.format === 'rgba' ? 4 : 1);
  let frame = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(size - filled, chunk.length - off);
      frame.set(chunk.subarray(off, off + n), filled);
      filled += n;
      off += n;
      if (filled === size) {
        yield { width: f.width, height: f.height, format: f.format, data: frame };
        frame = new Uint8Array(size);
        filled = 0;
      }
    }
  }
}

export class CaptureEndedError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
    this.name = 'CaptureEndedError';
  }
}

export interface CaptureProcess {
  frames: AsyncIterable<Frame>;
  process: ChildProcess;
  stop(): void;
}

/**
 * Run a capture command and read raw frames from its stdout. When the process dies (camera unplugged,
 * SIGKILL), the frame iterable throws CaptureEndedError after the last complete frame.
 */
export function spawnCapture(command: readonly string[], f: RawVideoFormat): CaptureProcess {
  const [cmd, ...args] = command;
  if (!cmd) throw new RangeError('capture command is empty');
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  p.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => p.once('close', (code, signal) => resolve({ code, signal })));
  let stopping = false;
  async function* frames(): AsyncGenerator<Frame> {
    yield* rawVideoFrames(p.stdout!, f);
    const { code, signal } = await exited;
    if (!stopping) throw new CaptureEndedError(`capture "${command.join(' ')}" ended (${signal ?? `exit ${code}`})${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`, code, signal);
  }
  return {
    frames: frames(),
    process: p,
    stop() {
      stopping = true;
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    },
  };
}
