// Prometheus text exposition (format 0.0.4), written by hand: three metric kinds with
// label sets fixed when the metric is made, so that counting is a number increment on a
// slot the caller holds and never a lookup by label string on the proxy's hot path.
// https://prometheus.io/docs/instrumenting/exposition_formats/

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Readonly<Record<string, string>>;

/** One time series: the hot path holds it and adds to `value`. */
export interface Slot {
  value: number;
}

export interface Metric {
  readonly name: string;
  render(): string;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new Error(`invalid metric name: ${name}`);
}

/** Label values escape backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline only. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`invalid label name: ${k}`);
    parts.push(`${k}="${escapeLabelValue(v)}"`);
  }
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Go's strconv style, which Prometheus parses: integers plain, specials spelled out. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/** A counter or gauge whose series are declared up front. */
class Family implements Metric {
  private readonly series: { labels: string; slot: Slot }[] = [];

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly type: 'counter' | 'gauge',
  ) {
    checkName(name);
  }

  /** Declares a series (once, at start-up) and returns its slot. */
  slot(labels: Labels = {}): Slot {
    const text = labelText(labels);
    if (this.series.some((s) => s.labels === text))
      throw new Error(`${this.name}${text} declared twice`);
    const slot = { value: 0 };
    this.series.push({ labels: text, slot });
    return slot;
  }

  render(): string {
    let out = header(this.name, this.help, this.type);
    for (const s of this.series) out += `${this.name}${s.labels} ${formatValue(s.slot.value)}\n`;
    return out;
  }
}

export class Counter extends Family {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
}

export class Gauge extends Family {
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
}

/** A histogram without labels: cumulative buckets are summed at render time. */
export class Histogram implements Metric {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    checkName(name);
    for (let i = 1; i < bounds.length; i++)
      if (!(bounds[i]! > bounds[i - 1]!)) throw new Error(`${name}: buckets must increase`);
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    let i = 0;
    while (i < this.bounds.length && v > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }

  render(): string {
    let out = header(this.name, this.help, 'histogram');
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out += `${this.name}_bucket${labelText({}, ['le', formatValue(this.bounds[i]!)])} ${cumulative}\n`;
    }
    out += `${this.name}_bucket{le="+Inf"} ${this.count}\n`;
    out += `${this.name}_sum ${formatValue(this.sum)}\n`;
    out += `${this.name}_count ${this.count}\n`;
    return out;
  }
}

/** Renders metrics in the order given; names must be unique. */
export function renderMetrics(metrics: readonly Metric[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const m of metrics) {
    if (seen.has(m.name)) throw new Error(`metric ${m.name} registered twice`);
    seen.add(m.name);
    out += m.render();
  }
  return out;
}
