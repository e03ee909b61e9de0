import { describe, expect, it } from 'vitest';
import {
  decodePathSegment,
  encodePathSegment,
  parseRequestPath,
  requestPath,
} from '../../src/policy/request-path.js';

describe('requestPath', () => {
  it('plain names', () => {
    expect(requestPath('app', 'public', 'payments')).toBe('requests/app/public/payments/');
    expect(requestPath('my-db', 'Sales$', 'Order_Items')).toBe(
      'requests/my-db/Sales$/Order_Items/',
    );
  });

  it('odd identifiers stay inside one segment and cannot escape their directory', () => {
    expect(requestPath('app', '..', 'x')).toBe('requests/app/%2E%2E/x/');
    expect(requestPath('.', 'public', 't')).toBe('requests/%2E/public/t/');
    expect(requestPath('app', 'public', '../../etc/passwd')).toBe(
      'requests/app/public/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd/',
    );
    expect(requestPath('app', 'public', 'a b#c*?[d]')).toBe(
      'requests/app/public/a%20b%23c%2A%3F%5Bd%5D/',
    );
    expect(requestPath('app', 'public', 'café')).toBe('requests/app/public/caf%C3%A9/');
    expect(requestPath('app', 'public', '100%')).toBe('requests/app/public/100%25/');
    expect(requestPath('app', 'public', '')).toBe('requests/app/public/%00/');
    for (const name of ['..', '.', '/', 'a/b', '', '%2E', 'x\\y', '\u0000']) {
      const p = requestPath('db', 's', name);
      expect(p.split('/')).toHaveLength(5);
      expect(
        p
          .split('/')
          .slice(1, 4)
          .every((seg) => seg !== '.' && seg !== '..' && seg !== ''),
      ).toBe(true);
    }
  });

  it('encoding is reversible and canonical', () => {
    for (const name of ['payments', '..', 'a/b', 'café', '100%', 'Ünïcödé 🚀', '%2E', '']) {
      expect(decodePathSegment(encodePathSegment(name))).toBe(name);
    }
    expect(decodePathSegment('%2e')).toBeUndefined(); // lower-case hex is not canonical
    expect(decodePathSegment('a%2Db')).toBeUndefined(); // '-' needs no encoding
    expect(decodePathSegment('..')).toBeUndefined();
    expect(parseRequestPath('requests/app/public/a%2Fb/req-1.sql')).toEqual({
      database: 'app',
      schema: 'public',
      table: 'a/b',
    });
    expect(parseRequestPath('requests/app/public/')).toBeUndefined();
  });
});
