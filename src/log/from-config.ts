import type { Clock } from '../core/clock';
import type { LogConfig } from './config';
import { createLogger, stderrSink, stdoutSink, type Logger, type LogSink } from './logger';

/** The root logger for a validated `log` section. */
export function loggerFromConfig(cfg: LogConfig, component = 'ykt', opts: { clock?: Pick<Clock, 'now'>; sink?: LogSink } = {}): Logger {
  return createLogger({
    component,
    level: cfg.level,
    sink: opts.sink ?? (cfg.output === 'stderr' ? stderrSink : stdoutSink),
    clock: opts.clock,
    policy: { denyFields: cfg.denyFields, allowFields: cfg.allowFields, maxStringChars: cfg.maxStringChars },
  });
}
