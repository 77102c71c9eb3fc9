/**
 * Starting the runtime from a slot: an injectable host. The installer starts the new slot ON TRIAL,
 * collects its health checks, and stops it; after commit the service manager (systemd unit pointing
 * at <root>/current) starts the committed slot normally.
 *
 * commandRuntime runs a command (default: `node {slotDir}/{entry} image selftest`) with
 *   YKT_FIRMWARE_TRIAL=1, YKT_FIRMWARE_SLOT=a|b, YKT_FIRMWARE_SLOT_DIR=<dir>, YKT_JOURNAL_READONLY=1
 * and waits for ONE line on its stdout:
 *   YKT-HEALTH {"ok":true,"checks":[{"name":"journal","ok":true,"detail":"…"}, …]}
 * Exiting before that line, or printing ok:false, fails the trial. Tests use a tiny script as the
 * "runtime" (firmware-images/build-samples.ts makes one).
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import type { HealthCheck } from './health';
import type { SlotName } from './slots';

export interface SlotRef {
  name: SlotName;
  dir: string;
  /** Entry point relative to dir (the manifest's `entry`). */
  entry: string;
}

export interface RuntimeHandle {
  /** Checks the started runtime answers (e.g. its own self-test). */
  checks: HealthCheck[];
  stop(): Promise<void>;
}

export interface RuntimeHost {
  start(slot: SlotRef, opts: { trial: boolean }): Promise<RuntimeHandle>;
}

export const HEALTH_LINE_PREFIX = 'YKT-HEALTH ';
const reportSchema = z.object({
  ok: z.boolean(),
  checks: z.array(z.object({ name: z.string().max(64), ok: z.boolean(), detail: z.string().max(500).optional() })).max(64).optional(),
});

export interface CommandRuntimeOptions {
  /** argv; {slotDir}, {entry}, {slot} and {node} are replaced. */
  command?: string[];
  env?: Record<string, string>;
  /** After SIGTERM, how long before SIGKILL. */
  stopGraceMs?: number;
  /** Lines the child writes (stdout and stderr), for logs. */
  onOutput?: (line: string) => void;
}

export const DEFAULT_RUNTIME_COMMAND = ['{node}', '{slotDir}/{entry}', 'image', 'selftest'];

export function commandRuntime(o: CommandRuntimeOptions = {}): RuntimeHost {
  return {
    async start(slot, { trial }) {
      const argv = (o.command ?? DEFAULT_RUNTIME_COMMAND).map((a) =>
        a.replaceAll('{node}', process.execPath).replaceAll('{slotDir}', slot.dir).replaceAll('{entry}', slot.entry).replaceAll('{slot}', slot.name),
      );
      const env: Record<string, string> = { ...(process.env as Record<string, string>), ...o.env, YKT_FIRMWARE_SLOT: slot.name, YKT_FIRMWARE_SLOT_DIR: slot.dir };
      if (trial) {
        env.YKT_FIRMWARE_TRIAL = '1';
        env.YKT_JOURNAL_READONLY = '1';
      }
      const child = spawn(argv[0]!, argv.slice(1), { cwd: slot.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      const tail: string[] = [];
      let settle: ((r: { ok: boolean; detail: string; checks: { name: string; ok: boolean; detail?: string }[] }) => void) | undefined;
      const report = new Promise<{ ok: boolean; detail: string; checks: { name: string; ok: boolean; detail?: string }[] }>((r) => (settle = r));
      const lines = (stream: NodeJS.ReadableStream, isOut: boolean) => {
        let buf = '';
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => {
          buf += d;
          if (buf.length > 1_000_000) buf = buf.slice(-100_000);
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            o.onOutput?.(line);
            tail.push(line);
            if (tail.length > 5) tail.shift();
            if (isOut && line.startsWith(HEALTH_LINE_PREFIX)) {
              try {
                const r = reportSchema.parse(JSON.parse(line.slice(HEALTH_LINE_PREFIX.length)));
                settle?.({ ok: r.ok, detail: r.ok ? 'started and reported healthy' : 'reported unhealthy', checks: r.checks ?? [] });
              } catch (e) {
                settle?.({ ok: false, detail: `unreadable health line (${(e as Error).message})`, checks: [] });
              }
            }
          }
        });
      };
      lines(child.stdout, true);
      lines(child.stderr, false);
      const exit = new Promise<void>((r) =>
        child.on('exit', (code, signal) => {
          exited = { code, signal };
          settle?.({ ok: false, detail: `exited (${signal ?? `code ${code}`}) before reporting health; last output: ${tail.join(' | ') || '(none)'}`, checks: [] });
          r();
        }),
      );
      child.on('error', (e) => settle?.({ ok: false, detail: `cannot start ${argv[0]}: ${e.message}`, checks: [] }));
      const runtimeCheck: HealthCheck = {
        name: 'runtime',
        async run(signal) {
          const aborted = new Promise<never>((_, rej) => signal.addEventListener('abort', () => rej(new Error('no health report before the deadline')), { once: true }));
          const r = await Promise.race([report, aborted]);
          const failed = r.checks.filter((c) => !c.ok);
          const detail = [r.detail, ...r.checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}${c.detail ? `: ${c.detail}` : ''}`)].join('; ');
          return { ok: r.ok && failed.length === 0, detail };
        },
      };
      return {
        checks: [runtimeCheck],
        async stop() {
          if (exited) return;
          child.kill('SIGTERM');
          let t: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([exit, new Promise<void>((r) => (t = setTimeout(r, o.stopGraceMs ?? 3000)))]);
          clearTimeout(t);
          if (!exited) {
            child.kill('SIGKILL');
            await exit;
          }
        },
      };
    },
  };
}
