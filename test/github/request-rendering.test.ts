// The request file (header + exact SQL) and the PR body, including hostile input: SQL full
// of backticks and newlines in session fields must not break the markdown or the header.
import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/approval/types.js';
import { readRequestMarker, renderRequestBody, code } from '../../src/github/request-body.js';
import {
  parseRequestHeader,
  renderRequestFile,
  requestFilePaths,
  RequestPathError,
} from '../../src/github/request-file.js';
import { parseCommand } from '../../src/github/webhook-handlers.js';
import { MemoryDeliveryGuard } from '../../src/github/delivery-guard.js';
import { parsePullRequestRef } from '../../src/github/github-client.js';
import { newRequest } from './fixtures.js';

function request(over: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    ...newRequest(),
    id: 'r_abcdefghij',
    status: 'pending',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2025-01-01T00:15:00.000Z',
    approvals: [],
    ...over,
  };
}

describe('request file', () => {
  it('has one path per written table and a header that parses back; the SQL is kept byte for byte', () => {
    const sql = 'UPDATE orders SET note = $1 -- keep\n  WHERE id = $2';
    const r = request({
      sql,
      paths: [
        { path: 'requests/app/public/orders/', owners: ['@a'] },
        { path: 'requests/app/public/order%2Eitems/', owners: ['@b'] },
      ],
      params: [
        { index: 1, format: 'text', value: 'multi\nline', redacted: false },
        { index: 2, format: 'text', value: '[redacted]', redacted: true },
      ],
      session: { ...request().session, applicationName: 'evil\n-- binding-hash: 00' },
    });
    expect(requestFilePaths(r)).toEqual([
      'requests/app/public/orders/r_abcdefghij.sql',
      'requests/app/public/order%2Eitems/r_abcdefghij.sql',
    ]);
    const text = renderRequestFile(r, requestFilePaths(r)[0]!);
    const header = parseRequestHeader(text);
    expect(header.get('binding-hash')).toBe(r.bindingHash);
    expect(header.get('expires')).toBe('2025-01-01T00:15:00.000Z');
    expect(text).toContain('-- param: $1 = "multi\\nline"\n-- param: $2 = [redacted]\n');
    // The newline in the application name cannot forge a second header line.
    expect(text.split('\n').filter((l) => l.startsWith('-- binding-hash:'))).toHaveLength(1);
    expect(text.endsWith(`--\n${sql}`)).toBe(true);
  });

  it('refuses paths that could leave requests/', () => {
    for (const path of ['requests/../x/', '/etc/', 'requests/a//b/', 'requests/a\u0000/']) {
      expect(() => requestFilePaths(request({ paths: [{ path, owners: [] }] }))).toThrow(
        RequestPathError,
      );
    }
    expect(() => requestFilePaths(request({ id: '../x' }))).toThrow(RequestPathError);
  });
});

describe('PR body', () => {
  it('shows statement, owners, approvals still needed, estimate, how to act, and the marker', () => {
    const r = request({ sql: "DELETE FROM t WHERE s = '```'" });
    const body = renderRequestBody(r, {
      channel: 'pull_request',
      files: requestFilePaths(r),
      estimate: 'about 3 rows',
      missing: ['1 more approval (0 of 1)'],
    });
    expect(body).toContain("````sql\nDELETE FROM t WHERE s = '```'\n````");
    expect(body).toContain('| `requests/app/public/orders/r_abcdefghij.sql` | @Codertocat |');
    expect(body).toContain('Still needed: 1 more approval (0 of 1).');
    expect(body).toContain('about 3 rows');
    expect(body).toContain(
      '**Deny:** submit a review with **Request changes**, or comment `/deny <reason>`.',
    );
    expect(readRequestMarker(body)).toEqual({ id: 'r_abcdefghij', bindingHash: r.bindingHash });
    expect(code('a`b')).toBe('`` a`b ``');
  });
});

describe('small parsers', () => {
  it('parses /approve and /deny only at the start of a comment', () => {
    expect(parseCommand('/approve checked\nmore text')).toEqual({
      verb: 'approve',
      reason: 'checked',
    });
    expect(parseCommand('  /deny   too many rows ')).toEqual({
      verb: 'deny',
      reason: 'too many rows',
    });
    expect(parseCommand('/deny')).toEqual({ verb: 'deny', reason: '' });
    expect(parseCommand('/approved')).toBeUndefined();
    expect(parseCommand('please /approve')).toBeUndefined();
    expect(parseCommand(null)).toBeUndefined();
  });

  it('parses owner/repo#123 PR references', () => {
    expect(parsePullRequestRef('acme/db-migrations#123')).toEqual({
      owner: 'acme',
      repo: 'db-migrations',
      number: 123,
    });
    expect(parsePullRequestRef('acme/x#0')).toBeUndefined();
    expect(parsePullRequestRef('../x#1')).toBeUndefined();
  });

  it('remembers delivery ids: a replay is refused, capacity and ttl are bounded', () => {
    let now = 0;
    const g = new MemoryDeliveryGuard(2, 1000, () => now);
    expect(g.firstTime('a')).toBe(true);
    expect(g.firstTime('a')).toBe(false);
    expect(g.firstTime('b')).toBe(true);
    expect(g.firstTime('c')).toBe(true); // evicts 'a'
    expect(g.firstTime('a')).toBe(true);
    now = 5000;
    expect(g.firstTime('c')).toBe(true); // past the ttl
  });
});
