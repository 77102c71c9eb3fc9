/**
 * A metric value as the journal and sync export them; the runtime serves them (Prometheus text
 * exposition format 0.0.4 via formatPrometheus, or anything else).
 */
export interface Metric {
  /** Prometheus-style name: ykt_<area>_<what>[_unit][_total]. */
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  value: number;
  labels?: Record<string, string>;
}

const escLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function formatPrometheus(metrics: readonly Metric[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const m of metrics) {
    if (!seen.has(m.name)) {
      seen.add(m.name);
      out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${m.type}`);
    }
    const labels = m.labels && Object.keys(m.labels).length ? `{${Object.entries(m.labels).map(([k, v]) => `${k}="${escLabel(v)}"`).join(',')}}` : '';
    out.push(`${m.name}${labels} ${Number.isFinite(m.value) ? m.value : 'NaN'}`);
  }
  return out.join('\n') + '\n';
}
