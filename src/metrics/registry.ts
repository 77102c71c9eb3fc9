/**
 * A small Prometheus registry with no dependencies: counters, gauges and histograms with labels, and
 * the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format):
 *   # HELP <name> <help: \ → \\, newline → \n>
 *   # TYPE <name> counter|gauge|histogram|untyped
 *   <name>{<label>="<value: \ → \\, " → \", newline → \n>",…} <float>
 * Floats are Go-parsable: "+Inf", "-Inf", "NaN", otherwise JavaScript's shortest round-trip form.
 * All lines of one family are written together; families in registration order, then collectors'.
 *
 * Cardinality is bounded per metric (maxSeries): a new label set beyond it is dropped and counted in
 * ykt_metrics_dropped_series_total, so a reason code or device name gone wild cannot eat the memory.
 */

export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'untyped';

/** A ready-made sample from elsewhere (the journal's `metrics()` returns exactly this shape). */
export interface Sample {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'untyped';
  value: number;
  labels?: Record<string, string>;
}
export type Collector = () => readonly Sample[];

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
export const escapeLabelValue = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Object.is(v, -0) ? '0' : String(v);
}

function formatLabels(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function checkName(what: string, name: string): void {
  if (!NAME_RE.test(name)) throw new RangeError(`${what} "${name}": expected [a-zA-Z_:][a-zA-Z0-9_:]*`);
}

function checkLabelNames(metric: string, names: readonly string[], reserved: readonly string[] = []): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (!LABEL_RE.test(n) || n.startsWith('__')) throw new RangeError(`metric ${metric}: label name "${n}": expected [a-zA-Z_][a-zA-Z0-9_]* not starting with __`);
    if (reserved.includes(n)) throw new RangeError(`metric ${metric}: label name "${n}" is reserved`);
    if (seen.has(n)) throw new RangeError(`metric ${metric}: label "${n}" given twice`);
    seen.add(n);
  }
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  lines(): string[];
}

/** Series keyed by their label values in label-name order. */
abstract class LabelledMetric<S> implements Family {
  protected readonly series = new Map<string, { values: string[]; state: S }>();
  abstract readonly type: MetricType;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly registry: Registry,
  ) {}

  protected key(labels: Labels | undefined): string[] {
    const given = labels ?? {};
    const values: string[] = [];
    for (const n of this.labelNames) {
      const v = given[n];
      if (typeof v !== 'string') throw new TypeError(`metric ${this.name}: label "${n}" missing or not a string`);
      values.push(v);
    }
    const extra = Object.keys(given).find((k) => !this.labelNames.includes(k));
    if (extra !== undefined) throw new TypeError(`metric ${this.name}: unknown label "${extra}" (labels: ${this.labelNames.join(', ') || 'none'})`);
    return values;
  }

  /** The series for these labels, created on first use; undefined when the cardinality cap is hit. */
  protected get(labels: Labels | undefined, init: () => S): S | undefined {
    const values = this.key(labels);
    const k = JSON.stringify(values);
    let s = this.series.get(k);
    if (!s) {
      if (this.series.size >= this.registry.maxSeries) {
        this.registry.droppedSeries(this.name);
        return undefined;
      }
      s = { values, state: init() };
      this.series.set(k, s);
    }
    return s.state;
  }

  protected pairs(values: readonly string[]): [string, string][] {
    return this.labelNames.map((n, i) => [n, values[i]!]);
  }

  /** Forget one series (a device removed) or all of them. */
  remove(labels: Labels): void {
    this.series.delete(JSON.stringify(this.key(labels)));
  }
  reset(): void {
    this.series.clear();
  }

  abstract lines(): string[];
}

export class Counter extends LabelledMetric<{ v: number }> {
  readonly type = 'counter' as const;
  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) throw new RangeError(`counter ${this.name}: increment must be a finite number >= 0, got ${by}`);
    const s = this.get(labels, () => ({ v: 0 }));
    if (s) s.v += by;
  }
  value(labels?: Labels): number {
    return this.series.get(JSON.stringify(this.key(labels)))?.state.v ?? 0;
  }
  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${formatLabels(this.pairs(s.values))} ${formatValue(s.state.v)}`);
  }
}

export class Gauge extends LabelledMetric<{ v: number }> {
  readonly type = 'gauge' as const;
  set(labels: Labels | undefined, v: number): void {
    const s = this.get(labels, () => ({ v: 0 }));
    if (s) s.v = v;
  }
  inc(labels?: Labels, by = 1): void {
    const s = this.get(labels, () => ({ v: 0 }));
    if (s) s.v += by;
  }
  dec(labels?: Labels, by = 1): void {
    this.inc(labels, -by);
  }
  value(labels?: Labels): number | undefined {
    return this.series.get(JSON.stringify(this.key(labels)))?.state.v;
  }
  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${formatLabels(this.pairs(s.values))} ${formatValue(s.state.v)}`);
  }
}

export class Histogram extends LabelledMetric<{ counts: number[]; sum: number; count: number }> {
  readonly type = 'histogram' as const;
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    registry: Registry,
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames, registry);
  }
  observe(labels: Labels | undefined, v: number): void {
    if (Number.isNaN(v)) return; // a NaN observation would poison _sum forever
    const s = this.get(labels, () => ({ counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }));
    if (!s) return;
    // Upper bounds are inclusive (le = "less than or equal").
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }
  snapshot(labels?: Labels): { buckets: number[]; sum: number; count: number } | undefined {
    const s = this.series.get(JSON.stringify(this.key(labels)))?.state;
    return s && { buckets: s.counts.slice(), sum: s.sum, count: s.count };
  }
  lines(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      const base = this.pairs(s.values);
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${formatLabels([...base, ['le', formatValue(b)]])} ${formatValue(s.state.counts[i]!)}`));
      out.push(`${this.name}_bucket${formatLabels([...base, ['le', '+Inf']])} ${formatValue(s.state.count)}`);
      out.push(`${this.name}_sum${formatLabels(base)} ${formatValue(s.state.sum)}`);
      out.push(`${this.name}_count${formatLabels(base)} ${formatValue(s.state.count)}`);
    }
    return out;
  }
}

/** Prometheus client libraries' default buckets, seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface RegistryOptions {
  /** Most series per metric; new label sets beyond it are dropped (and counted). */
  maxSeries?: number;
}

export class Registry {
  readonly maxSeries: number;
  private readonly families = new Map<string, Family>();
  private readonly collectors: Collector[] = [];
  private readonly hooks: (() => void)[] = [];
  private readonly dropped: Counter;

  constructor(opts: RegistryOptions = {}) {
    this.maxSeries = opts.maxSeries ?? 1000;
    this.dropped = this.counter('ykt_metrics_dropped_series_total', 'Samples dropped: too many label sets for a metric, or a collector sample clashing with a registered metric', ['metric']);
  }

  private add<F extends Family>(f: F): F {
    checkName('metric', f.name);
    if (this.families.has(f.name)) throw new RangeError(`metric ${f.name} is already registered`);
    this.families.set(f.name, f);
    return f;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    if (!name.endsWith('_total')) throw new RangeError(`counter ${name}: counter names end in _total`);
    checkLabelNames(name, labelNames);
    return this.add(new Counter(name, help, labelNames, this));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    checkLabelNames(name, labelNames);
    return this.add(new Gauge(name, help, labelNames, this));
  }

  histogram(name: string, help: string, opts: { labelNames?: readonly string[]; buckets?: readonly number[] } = {}): Histogram {
    const labelNames = opts.labelNames ?? [];
    checkLabelNames(name, labelNames, ['le']);
    const buckets = [...(opts.buckets ?? DEFAULT_BUCKETS)].filter((b) => b !== Infinity);
    if (buckets.length === 0) throw new RangeError(`histogram ${name}: at least one finite bucket`);
    for (let i = 0; i < buckets.length; i++) {
      if (!Number.isFinite(buckets[i]!)) throw new RangeError(`histogram ${name}: bucket ${buckets[i]} is not finite`);
      if (i > 0 && !(buckets[i]! > buckets[i - 1]!)) throw new RangeError(`histogram ${name}: buckets must increase strictly`);
    }
    return this.add(new Histogram(name, help, labelNames, this, buckets));
  }

  /** Samples computed elsewhere at scrape time (e.g. `() => journal.metrics()`). */
  addCollector(c: Collector): void {
    this.collectors.push(c);
  }

  /** Run before each exposition (refresh gauges from a snapshot). A throwing hook is skipped. */
  beforeExpose(hook: () => void): void {
    this.hooks.push(hook);
  }

  /** @internal called by metrics when the cardinality cap drops a sample. */
  droppedSeries(metric: string): void {
    if (metric === this.dropped.name) return;
    this.dropped.inc({ metric });
  }

  /** The text exposition format 0.0.4. Never throws: a failing collector is skipped and counted. */
  expose(): string {
    for (const h of this.hooks) {
      try {
        h();
      } catch {
        this.dropped.inc({ metric: 'before-expose-hook' });
      }
    }
    const out: string[] = [];
    const header = (name: string, help: string, type: MetricType) => out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const f of this.families.values()) {
      const lines = f.lines();
      if (lines.length === 0) continue;
      header(f.name, f.help, f.type);
      out.push(...lines);
    }
    // Collector samples grouped by family name (all lines of a family must be together).
    const groups = new Map<string, { help: string; type: MetricType; lines: string[]; labelSets: Set<string> }>();
    for (const c of this.collectors) {
      let samples: readonly Sample[];
      try {
        samples = c();
      } catch {
        this.dropped.inc({ metric: 'collector' });
        continue;
      }
      for (const s of samples) {
        if (!NAME_RE.test(s.name) || this.families.has(s.name)) {
          this.dropped.inc({ metric: NAME_RE.test(s.name) ? s.name : 'invalid-name' });
          continue;
        }
        const pairs = Object.entries(s.labels ?? {}).filter(([k]) => LABEL_RE.test(k) && !k.startsWith('__'));
        const labelKey = JSON.stringify(pairs);
        let g = groups.get(s.name);
        if (!g) groups.set(s.name, (g = { help: s.help, type: s.type, lines: [], labelSets: new Set() }));
        if (g.labelSets.has(labelKey)) {
          this.dropped.inc({ metric: s.name }); // duplicate series: Prometheus would reject the scrape
          continue;
        }
        g.labelSets.add(labelKey);
        g.lines.push(`${s.name}${formatLabels(pairs)} ${formatValue(s.value)}`);
      }
    }
    for (const [name, g] of groups) {
      header(name, g.help, g.type);
      out.push(...g.lines);
    }
    // The dropped counter may have moved during this exposition; it shows next time (and it is
    // registered first, so it already printed if it had series).
    return out.length ? out.join('\n') + '\n' : '';
  }
}

/** Content-Type of the text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
