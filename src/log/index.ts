/** Structured JSON logs with personal data masked (see README.md). */
export { createLogger, memorySink, stdoutSink, stderrSink, silentLogger, LOG_LEVELS, type Logger, type LoggerOptions, type LogLevel, type LogFields, type LogSink } from './logger';
export { createRedactor, normaliseFieldName, DEFAULT_DENY_FIELDS, type RedactPolicy, type Redactor, type FieldAction } from './redact';
export { scrubText, luhnValid, looksLikeIdNumber } from './detect';
export { logConfigSchema, logConfigDefaults, parseLogConfig, type LogConfig } from './config';
export { loggerFromConfig } from './from-config';
