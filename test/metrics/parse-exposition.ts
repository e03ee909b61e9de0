// A strict reader of Prometheus text format 0.0.4, for tests: what is written must parse
// back to the same names, labels and values, with HELP and TYPE before each family.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  help: string;
  type: string;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;

export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  let current: { name: string; family: Family } | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (help) {
      if (families.has(help[1]!)) throw new Error(`family ${help[1]} appears twice`);
      current = { name: help[1]!, family: { help: unescapeHelp(help[2]!), type: '', samples: [] } };
      families.set(help[1]!, current.family);
      continue;
    }
    const type =
      /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      if (!current || current.name !== type[1]) throw new Error(`TYPE without HELP: ${line}`);
      current.family.type = type[2]!;
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m || !current?.family.type) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const name = m[1]!;
    const base = current.name;
    const ok =
      current.family.type === 'histogram'
        ? [`${base}_bucket`, `${base}_sum`, `${base}_count`].includes(name)
        : name === base;
    if (!ok) throw new Error(`sample ${name} outside its family ${base}`);
    current.family.samples.push({
      name,
      labels: m[3] === undefined ? {} : parseLabels(m[3]),
      value: parseValue(m[4]!),
    });
  }
  return families;
}

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const key = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (!key) throw new Error(`bad labels: ${text}`);
    i += key[0].length;
    let value = '';
    for (;;) {
      const c = text[i++];
      if (c === undefined) throw new Error(`unterminated label value: ${text}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i++];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`bad escape \\${e} in ${text}`);
      } else value += c;
    }
    if (key[1]! in out) throw new Error(`label ${key[1]} twice`);
    out[key[1]!] = value;
    if (i < text.length) {
      if (text[i] !== ',') throw new Error(`expected a comma in ${text}`);
      i++;
    }
  }
  return out;
}

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error(`bad value ${v}`);
  return n;
}

function unescapeHelp(v: string): string {
  return v.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** The value of one series, by name and exact labels (throws when absent). */
export function valueOf(
  families: Map<string, Family>,
  family: string,
  sample: string,
  labels: Record<string, string> = {},
): number {
  const f = families.get(family);
  const want = JSON.stringify(Object.entries(labels).sort());
  const s = f?.samples.find(
    (x) => x.name === sample && JSON.stringify(Object.entries(x.labels).sort()) === want,
  );
  if (!s) throw new Error(`no sample ${sample}${want} in ${family}`);
  return s.value;
}
