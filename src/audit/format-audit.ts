// Plain-text rendering of audit records for `sluice audit`.
import type { AuditRecord } from './audit-types.js';

function summary(r: AuditRecord): string {
  const d = r.data;
  const parts: string[] = [];
  if (typeof d.sql === 'string') parts.push(d.sql.replace(/\s+/g, ' ').trim().slice(0, 80));
  if (typeof d.reason === 'string' && d.reason) parts.push(`reason: ${d.reason}`);
  if (Array.isArray(d.missing) && d.missing.length)
    parts.push(`still needs: ${d.missing.join('; ')}`);
  if (typeof d.commandTag === 'string') parts.push(d.commandTag);
  const err = d.error as { code?: string; message?: string } | undefined;
  if (err?.message) parts.push(`${err.code ?? ''} ${err.message}`.trim());
  if (typeof d.message === 'string') parts.push(d.message);
  return parts.join(' | ');
}

export function formatAuditRecord(r: AuditRecord): string {
  return [
    String(r.seq).padStart(6),
    r.ts,
    r.type.padEnd(21),
    r.actor,
    r.requestId ?? '-',
    summary(r),
  ]
    .join('  ')
    .trimEnd();
}

export function formatAuditRecordDetail(r: AuditRecord): string {
  return [
    `seq ${r.seq}  ${r.ts}  ${r.type}`,
    `actor:     ${r.actor}`,
    `request:   ${r.requestId ?? '-'}`,
    `prev_hash: ${r.prevHash}`,
    `hash:      ${r.hash}`,
    'data:',
    ...JSON.stringify(r.data, null, 2)
      .split('\n')
      .map((l) => '  ' + l),
  ].join('\n');
}
