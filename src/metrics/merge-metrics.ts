// With `--workers N` every worker counts its own sessions, and the primary counts the
// approvals decided on its admin listener and GitHub webhooks. A scrape must see one
// replica, so the texts are merged into one: the same series (name and labels) from every
// process is summed, which is right for counters, for gauges of "how many now" and for
// histogram buckets, sums and counts alike. A 0/1 flag gauge takes the largest value.
import { formatValue } from './prometheus-text.js';

interface Family {
  header: string[];
  /** Series key (name plus label text) → value, in first-seen order. */
  series: Map<string, number>;
}

/** Gauges that are flags, not counts: merged with max (one draining worker = draining). */
const FLAG_GAUGES: ReadonlySet<string> = new Set(['sluice_draining']);

/** The metric name a sample line belongs to, with a histogram's suffixes stripped. */
function familyOf(seriesName: string, known: ReadonlyMap<string, Family>): string {
  if (known.has(seriesName)) return seriesName;
  for (const suffix of ['_bucket', '_sum', '_count'])
    if (seriesName.endsWith(suffix)) {
      const base = seriesName.slice(0, -suffix.length);
      if (known.has(base)) return base;
    }
  return seriesName;
}

/** Merges Prometheus text expositions of the same metrics from several processes. */
export function mergeMetrics(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('#')) {
        const m = /^# (HELP|TYPE) (\S+)/.exec(line);
        if (!m) continue;
        let f = families.get(m[2]!);
        if (!f) families.set(m[2]!, (f = { header: [], series: new Map() }));
        if (!f.header.includes(line)) f.header.push(line);
        continue;
      }
      // A sample: `name{labels} value`; label values may hold spaces, the value may not.
      const cut = line.lastIndexOf(' ');
      if (cut <= 0) continue;
      const key = line.slice(0, cut);
      const value = Number(line.slice(cut + 1));
      const brace = key.indexOf('{');
      const name = familyOf(brace < 0 ? key : key.slice(0, brace), families);
      let f = families.get(name);
      if (!f) families.set(name, (f = { header: [], series: new Map() }));
      const before = f.series.get(key);
      f.series.set(
        key,
        before === undefined
          ? value
          : FLAG_GAUGES.has(name)
            ? Math.max(before, value)
            : before + value,
      );
    }
  }
  let out = '';
  for (const f of families.values()) {
    for (const h of f.header) out += h + '\n';
    for (const [key, value] of f.series) out += `${key} ${formatValue(value)}\n`;
  }
  return out;
}
