// Shared expectations for tampering with any store.
import { expect } from 'vitest';
import type { AuditLog } from '../../src/audit/audit-types.js';

export async function appendSample(audit: AuditLog, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await audit.append({
      type: 'request.vote',
      actor: `user${i}`,
      requestId: `r_${i}`,
      data: { reason: `because ${i}`, n: i },
    });
  }
}

/** `count`: how many records verified before the break (default seq - 1). */
export async function expectBrokenAt(
  audit: AuditLog,
  seq: number,
  reason: RegExp,
  count = seq - 1,
): Promise<void> {
  const result = await audit.verify();
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.broken.seq).toBe(seq);
  expect(result.broken.reason).toMatch(reason);
  expect(result.count).toBe(count);
}
