/** Prometheus metrics without dependencies (see README.md). */
export { Registry, Counter, Gauge, Histogram, DEFAULT_BUCKETS, PROMETHEUS_CONTENT_TYPE, escapeHelp, escapeLabelValue, formatValue, type Labels, type Sample, type Collector, type MetricType, type RegistryOptions } from './registry';
export { createTerminalMetrics, STAGE_BUCKETS_S, DEVICE_UP_STATES, type TerminalMetrics, type TerminalGaugeInput } from './terminal';
