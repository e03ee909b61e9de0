import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import {
  ChainVerifier,
  GENESIS_HASH,
  hashRecord,
  sealRecord,
} from '../../src/audit/audit-chain.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, undefined, 'x'], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[1,null,"x"]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('refuses values JSON cannot round-trip', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
  });

  it('escapes strings as JSON does (quotes, newlines, unicode)', () => {
    const s = 'a"b\nc\u2028é\u0001';
    expect(JSON.parse(canonicalJson({ s })).s).toBe(s);
  });
});

describe('hash chain', () => {
  it('links each record to the previous one and covers every field', () => {
    const r1 = sealRecord(null, { type: 'proxy.started', actor: 'sluice' }, new Date(0));
    const r2 = sealRecord(
      r1,
      { type: 'proxy.stopped', actor: 'sluice', data: { x: undefined, y: 1 } },
      new Date(1),
    );
    expect(r1).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, requestId: null, data: {} });
    expect(r2).toMatchObject({ seq: 2, prevHash: r1.hash, data: { y: 1 } });
    expect(hashRecord({ ...r2, actor: 'mallory' })).not.toBe(r2.hash);
    expect(hashRecord({ ...r2, data: { y: 2 } })).not.toBe(r2.hash);

    const v = new ChainVerifier();
    expect(v.push(r1)).toBeUndefined();
    expect(v.push(r2)).toBeUndefined();
    expect(v.result()).toEqual({ ok: true, count: 2, head: { seq: 2, hash: r2.hash } });

    const bad = new ChainVerifier();
    bad.push(r2);
    expect(bad.result()).toMatchObject({ ok: false, count: 0, broken: { position: 1, seq: 2 } });
  });
});
