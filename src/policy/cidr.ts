// Client-address CIDRs for policy scopes, parsed once at load into bytes + prefix length.
// IPv4-mapped IPv6 addresses (::ffff:10.1.2.3, what a dual-stack listener reports) are
// treated as the IPv4 address they carry, so `10.0.0.0/8` matches them.
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  source: string;
  bytes: Uint8Array;
  prefix: number;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; message: string };

function ipv4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.').map(Number));
}

function ipv6Bytes(ip: string): Uint8Array {
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes its two hex groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16);
    const lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const [head, rest] = text.split('::') as [string, string | undefined];
  const h = parse(head);
  const r = rest === undefined ? [] : parse(rest);
  const groups =
    rest === undefined ? h : [...h, ...new Array<number>(8 - h.length - r.length).fill(0), ...r];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Bytes of an address (4 for IPv4 and IPv4-mapped IPv6, 16 otherwise), or undefined. */
export function addressBytes(address: string): Uint8Array | undefined {
  const ip = address.replace(/%.*$/, ''); // IPv6 zone id
  if (isIPv4(ip)) return ipv4Bytes(ip);
  if (!isIPv6(ip)) return undefined;
  const b = ipv6Bytes(ip);
  const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? b.slice(12) : b;
}

export function parseCidr(source: string): CidrResult {
  const expected = `expected an IP address or CIDR like 10.0.0.0/8 or fd00::/8, got ${JSON.stringify(source)}`;
  const [ip, len, extra] = source.split('/');
  if (ip === undefined || extra !== undefined || ip.includes('%'))
    return { ok: false, message: expected };
  const bytes = addressBytes(ip);
  if (!bytes) return { ok: false, message: expected };
  const max = bytes.length * 8;
  // An IPv4-mapped network keeps its meaning: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
  const mappedShift = bytes.length === 4 && isIPv6(ip) ? 96 : 0;
  let prefix = max;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len)) return { ok: false, message: expected };
    prefix = Number(len) - mappedShift;
    if (prefix < 0 || prefix > max) {
      return {
        ok: false,
        message: `prefix length /${len} is out of range for ${JSON.stringify(ip)} (at most /${max + mappedShift})`,
      };
    }
  }
  // Host bits set (10.1.2.3/8) usually means a typo; say so instead of guessing.
  for (let bit = prefix; bit < max; bit++) {
    if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) {
      return {
        ok: false,
        message: `${JSON.stringify(source)} has host bits set after /${len}; did you mean the network address?`,
      };
    }
  }
  return { ok: true, cidr: { source, bytes, prefix } };
}

/** Whether `address` (already converted with addressBytes) lies in `cidr`. */
export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  if (cidr.bytes.length !== address.length) return false;
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (cidr.bytes[i] !== address[i]) return false;
  const bits = cidr.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (cidr.bytes[full]! & mask) === (address[full]! & mask);
}

/** Whether every address in `inner` is in `outer`. */
export function cidrCovers(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.bytes.length === inner.bytes.length &&
    outer.prefix <= inner.prefix &&
    cidrContains(outer, inner.bytes)
  );
}
