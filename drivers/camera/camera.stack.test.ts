// Camera through a real capture subprocess writing raw frames to stdout; the "camera" is then killed (SIGKILL).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReaderError } from '../../src/core/errors';
import { makeWorld } from '../../src/ecode/test-world';
import { openCameraScanner } from './index';
import { spawnCapture } from './sources';
import { synthFrame } from './synth';

describe('camera scanner over a capture process', () => {
  it('decodes frames from the process, then reports the camera gone when the process is killed', async () => {
    const w = makeWorld();
    const v = w.verifier();
    const code = w.phone().code();
    const frame = synthFrame(code, { width: 640, height: 480, noise: 8, seed: 9 });
    const dir = mkdtempSync(join(tmpdir(), 'ykt-cam-'));
    const raw = join(dir, 'frame.gray');
    writeFileSync(raw, frame.data);
    // A stand-in for `ffmpeg -f v4l2 … -f rawvideo -pix_fmt gray -`: the same frame at 20 frames/s.
    const script = `const f=require('fs').readFileSync(${JSON.stringify(raw)});setInterval(()=>process.stdout.write(f),50)`;
    const cap = spawnCapture([process.execPath, '-e', script], { width: 640, height: 480, format: 'gray' });
    const scanner = await openCameraScanner({ name: 'cam-stack', frames: cap.frames, onClose: () => cap.stop() });
    const statuses: string[] = [];
    scanner.onStatus((s) => statuses.push(s));
    const it = scanner[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value.text).toBe(code);
    expect(v.verify(first.value.text, { profile: 'gate' }).outcome).toBe('valid');
    // The phone stays in view: later frames hold the same code and are not new scans.
    const t0 = Date.now();
    while ((scanner.stats().dropped.repeat ?? 0) < 2 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(scanner.stats().dropped.repeat).toBeGreaterThanOrEqual(2);
    cap.process.kill('SIGKILL');
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReaderError);
    expect((err as Error).message).toMatch(/SIGKILL/);
    expect(statuses).toContain('disconnected');
    await scanner.close();
  });
});
