// Builders for approval requests as the proxy would submit them.
import { createHash } from 'node:crypto';
import type { ApprovalTier, PathOwners } from '../../src/policy/types.js';
import type { NewRequest } from '../../src/approval/types.js';

export function tier(over: Partial<ApprovalTier> = {}): ApprovalTier {
  return {
    approvals: 1,
    owners: { codeowners: false, allOf: [] },
    allowSelfApproval: false,
    timeoutMs: 60_000,
    requireJustification: false,
    inTransaction: 'hold',
    channel: 'pull_request',
    ...over,
  };
}

export function newRequest(
  over: Partial<Omit<NewRequest, 'tier'>> & { tier?: Partial<ApprovalTier>; sql?: string } = {},
): NewRequest {
  const sql = over.sql ?? 'DELETE FROM orders WHERE id = 42';
  const paths: PathOwners[] = over.paths ?? [
    { path: 'requests/app/public/orders/', owners: ['@acme/dba'] },
  ];
  const { tier: tierOver, ...rest } = over;
  return {
    sql,
    params: [],
    bindingHash: createHash('sha256').update(sql).digest('hex'),
    session: {
      user: 'app_writer',
      database: 'app',
      applicationName: 'psql',
      clientAddress: '127.0.0.1',
      sessionId: 's1',
      requester: 'alice',
    },
    transactionStatus: 'I',
    classification: {
      class: 'write',
      statements: [
        {
          sql,
          location: 0,
          length: sql.length,
          kind: 'DeleteStmt',
          class: 'write',
          relations: [{ schema: 'public', name: 'orders', qualified: false, access: 'write' }],
          functions: [],
          flags: [],
          risk: 'medium',
          reasons: ['deletes rows'],
          fingerprint: 'abc',
        },
      ],
    },
    rule: { id: 'policies/prod.yml#writes', name: 'writes', file: 'policies/prod.yml', line: 3 },
    paths,
    ...rest,
    tier: tier(tierOver),
  };
}
