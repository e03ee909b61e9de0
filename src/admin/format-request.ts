// Plain-text rendering of approval requests for the CLI (`sluice requests`).
import type { RequestView } from './requests-api.js';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

function oneLine(sql: string, max: number): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

function who(r: RequestView): string {
  const s = r.session;
  return `${s.requester ? `${s.requester} as ` : ''}${s.user}@${s.database}`;
}

export function formatRequestTable(requests: RequestView[], now = Date.now()): string {
  if (requests.length === 0) return 'no requests';
  const rows = requests.map((r) => [
    r.id,
    r.status,
    formatDuration(now - Date.parse(r.createdAt)),
    r.status === 'pending' ? formatDuration(Date.parse(r.expiresAt) - now) : '-',
    who(r),
    r.rule.id,
    oneLine(r.sql, 60),
  ]);
  const header = ['ID', 'STATUS', 'AGE', 'EXPIRES', 'WHO', 'RULE', 'SQL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatRequestDetail(r: RequestView, now = Date.now()): string {
  const out: string[] = [];
  const add = (k: string, v: string): void => void out.push(`${(k + ':').padEnd(14)}${v}`);
  add('id', r.id);
  add('status', r.status);
  add(
    'requested by',
    `${who(r)} (application '${r.session.applicationName}', from ${r.session.clientAddress})`,
  );
  add('created', r.createdAt);
  add(
    'expires',
    r.status === 'pending'
      ? `${r.expiresAt} (in ${formatDuration(Date.parse(r.expiresAt) - now)})`
      : r.expiresAt,
  );
  add(
    'rule',
    `${r.rule.id}${r.rule.file ? ` (${r.rule.file}${r.rule.line ? `:${r.rule.line}` : ''})` : ''}`,
  );
  add('class', r.classification.class);
  add(
    'transaction',
    { I: 'idle (autocommit)', T: 'inside a transaction', E: 'failed transaction' }[
      r.transactionStatus
    ],
  );
  add('binding hash', r.bindingHash);
  if (r.justification) add('justification', r.justification);
  const owners = r.paths.map((p) => `${p.path} (${p.owners.join(', ') || 'no owner'})`);
  if (owners.length) add('paths', owners.join('\n' + ' '.repeat(14)));
  out.push('sql:', ...r.sql.split('\n').map((l) => '  ' + l));
  if (r.params.length)
    out.push(
      'params:',
      ...r.params.map(
        (p) => `  $${p.index} = ${p.value === null ? 'NULL' : JSON.stringify(p.value)}`,
      ),
    );
  if (r.approvals.length) {
    out.push(
      'approvals:',
      ...r.approvals.map(
        (v) => `  ${v.by} at ${v.at} via ${v.source}${v.reason ? `: ${v.reason}` : ''}`,
      ),
    );
  }
  if (r.missing?.length) out.push('still needs:', ...r.missing.map((m) => `  ${m}`));
  if (r.resolution) {
    const res = r.resolution;
    add(
      'resolution',
      `${res.status}${res.by ? ` by ${res.by}` : ''} at ${res.at}${res.reason ? `: ${res.reason}` : ''}`,
    );
  }
  if (r.outcome) {
    const o = r.outcome;
    add(
      'outcome',
      o.ok
        ? `${o.commandTag ?? 'ok'}${o.rows !== undefined ? ` (${o.rows} rows)` : ''} in ${o.durationMs} ms`
        : `failed: ${o.error ? `${o.error.code} ${o.error.message}` : 'unknown error'}`,
    );
  }
  return out.join('\n');
}
