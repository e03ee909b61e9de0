import { describe, expect, it } from 'vitest';
import { addressBytes, cidrContains, cidrCovers, parseCidr } from '../../src/policy/cidr.js';
import { formatDuration, parseDuration } from '../../src/policy/duration.js';
import { compileGlob, compileTableGlob, globCovers } from '../../src/policy/glob.js';

function glob(s: string) {
  const r = compileGlob(s);
  if (!r.ok) throw new Error(r.message);
  return r.glob;
}

describe('name globs', () => {
  it('* and ?, literal and case-sensitive', () => {
    expect(glob('app_*').regex.test('app_prod')).toBe(true);
    expect(glob('app_*').regex.test('App_prod')).toBe(false);
    expect(glob('db?').regex.test('db1')).toBe(true);
    expect(glob('db?').regex.test('db12')).toBe(false);
    expect(glob('a.b').regex.test('axb')).toBe(false);
    expect(glob('a\\*').regex.test('a*')).toBe(true);
    expect(glob('a\\*').regex.test('ab')).toBe(false);
    expect(glob('psql').literal).toBe('psql');
    expect(glob('ps*').literal).toBeUndefined();
  });

  it('rejects what would mean more than it says', () => {
    for (const bad of ['', 'a[bc]', 'a{b,c}', 'a**', 'a\\'])
      expect(compileGlob(bad).ok).toBe(false);
  });

  it('table globs are schema.table', () => {
    const t = compileTableGlob('public.audit_*');
    expect(t.ok && t.glob.schema.literal === 'public' && t.glob.table.regex.test('audit_log')).toBe(
      true,
    );
    const dotted = compileTableGlob('s.my\\.table');
    expect(dotted.ok && dotted.glob.table.literal).toBe('my.table');
    expect(compileTableGlob('payments')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/expected schema\.table/),
    });
    expect(compileTableGlob('a.b.c').ok).toBe(false);
  });

  it('coverage is only claimed when sure', () => {
    expect(globCovers(glob('*'), glob('x?'))).toBe(true);
    expect(globCovers(glob('app_*'), glob('app_prod'))).toBe(true);
    expect(globCovers(glob('app_*'), glob('app_p*'))).toBe(true);
    expect(globCovers(glob('app_*'), glob('ap*'))).toBe(false);
    expect(globCovers(glob('a?c'), glob('a*c'))).toBe(false);
  });
});

describe('CIDRs', () => {
  function cidr(s: string) {
    const r = parseCidr(s);
    if (!r.ok) throw new Error(r.message);
    return r.cidr;
  }
  const has = (c: string, a: string) => cidrContains(cidr(c), addressBytes(a)!);

  it('IPv4, IPv6 and single addresses', () => {
    expect(has('10.0.0.0/8', '10.200.3.4')).toBe(true);
    expect(has('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(has('192.168.1.0/25', '192.168.1.127')).toBe(true);
    expect(has('192.168.1.0/25', '192.168.1.128')).toBe(false);
    expect(has('192.168.1.5', '192.168.1.5')).toBe(true);
    expect(has('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(has('fd00::/8', 'fd12:3456::1')).toBe(true);
    expect(has('fd00::/8', 'fe80::1')).toBe(false);
    expect(has('::1', '::1')).toBe(true);
    expect(has('2001:db8::/32', '2001:db8:0:0:1::1')).toBe(true);
  });

  it('IPv4-mapped IPv6 client addresses match IPv4 ranges', () => {
    expect(has('10.0.0.0/8', '::ffff:10.1.2.3')).toBe(true);
    expect(has('::ffff:10.0.0.0/104', '10.9.9.9')).toBe(true);
    expect(has('fd00::/8', '10.1.2.3')).toBe(false);
  });

  it('rejects bad input with what was expected', () => {
    for (const bad of [
      '10.0.0.0/33',
      '10.0.0/8',
      'fd00::/129',
      'example.com',
      '10.1.2.3/8',
      '10.0.0.0/x',
      '1.2.3.4/8/9',
    ]) {
      const r = parseCidr(bad);
      expect(r.ok, bad).toBe(false);
    }
    expect(parseCidr('10.1.2.3/8')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/host bits/),
    });
    expect(addressBytes('not-an-ip')).toBeUndefined();
  });

  it('coverage', () => {
    expect(cidrCovers(cidr('10.0.0.0/8'), cidr('10.1.0.0/16'))).toBe(true);
    expect(cidrCovers(cidr('10.1.0.0/16'), cidr('10.0.0.0/8'))).toBe(false);
  });
});

describe('durations', () => {
  it('units and combinations', () => {
    expect(parseDuration('15m')).toEqual({ ok: true, ms: 900_000 });
    expect(parseDuration('2h')).toEqual({ ok: true, ms: 7_200_000 });
    expect(parseDuration('1h30m')).toEqual({ ok: true, ms: 5_400_000 });
    expect(parseDuration('500ms')).toEqual({ ok: true, ms: 500 });
    expect(parseDuration('1d')).toEqual({ ok: true, ms: 86_400_000 });
    for (const bad of ['15', '15 m', 'm', '0s', '-1m', '1.5h', ''])
      expect(parseDuration(bad).ok, bad).toBe(false);
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(900_000)).toBe('15m');
  });
});
