/**
 * Structured logs: one JSON object per line —
 *   {"time":"2026-11-22T08:00:00.000Z","level":"info","component":"runtime","message":"…","fields":{…}}
 * `fields` is present only when non-empty. Everything written passes through the redactor: personal
 * fields masked or dropped by name, ID numbers and PANs masked in any text (redact.ts, detect.ts).
 * A logger never throws into its caller: a failing sink or an unserialisable value is swallowed
 * (with a fallback line) because a log call must not break a transaction.
 */
import type { Clock } from '../core/clock';
import { createRedactor, type RedactPolicy, type Redactor } from './redact';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;
/** Receives one complete line (no trailing newline). */
export type LogSink = (line: string) => void;

export interface Logger {
  readonly component: string;
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger for a sub-component ("runtime" → "runtime.reader"), with fields added to every line. */
  child(component: string, bindings?: LogFields): Logger;
}

export interface LoggerOptions {
  component: string;
  level?: LogLevel;
  sink?: LogSink;
  clock?: Pick<Clock, 'now'>;
  policy?: RedactPolicy;
  /** Fields added to every line (redacted like the others). */
  bindings?: LogFields;
}

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + '\n');
};

export const stderrSink: LogSink = (line) => {
  process.stderr.write(line + '\n');
};

/** A sink that keeps lines in memory (tests, the maintenance page's recent errors). Bounded. */
export function memorySink(max = 10_000): LogSink & { lines: string[]; records(): Record<string, unknown>[] } {
  const lines: string[] = [];
  const sink = ((line: string) => {
    lines.push(line);
    if (lines.length > max) lines.splice(0, lines.length - max);
  }) as LogSink & { lines: string[]; records(): Record<string, unknown>[] };
  sink.lines = lines;
  sink.records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return sink;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(opts: LoggerOptions): Logger {
  const redactor = createRedactor(opts.policy);
  return make(opts.component, opts.level ?? 'info', opts.sink ?? stdoutSink, opts.clock ?? { now: () => Date.now() }, redactor, opts.bindings ?? {});
}

function make(component: string, level: LogLevel, sink: LogSink, clock: Pick<Clock, 'now'>, redactor: Redactor, bindings: LogFields): Logger {
  const write = (lvl: LogLevel, message: string, fields?: LogFields): void => {
    if (rank[lvl] < rank[level]) return;
    let line: string;
    try {
      const f = redactor.fields({ ...bindings, ...(fields ?? {}) });
      const rec: Record<string, unknown> = { time: new Date(clock.now()).toISOString(), level: lvl, component, message: redactor.text(String(message)) };
      if (Object.keys(f).length > 0) rec.fields = f;
      line = JSON.stringify(rec);
    } catch (e) {
      line = JSON.stringify({ time: new Date().toISOString(), level: 'error', component: 'log', message: 'a log line could not be written', fields: { error: redactor.text(e instanceof Error ? e.message : String(e)) } });
    }
    try {
      sink(line);
    } catch {
      /* a broken sink must not break the caller */
    }
  };
  return {
    component,
    level,
    enabled: (l) => rank[l] >= rank[level],
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (sub, more) => make(`${component}.${sub}`, level, sink, clock, redactor, { ...bindings, ...(more ?? {}) }),
  };
}

/** A logger that writes nothing (default for components given no logger). */
export const silentLogger: Logger = createLogger({ component: 'silent', level: 'error', sink: () => {} });
