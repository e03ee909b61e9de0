// Statement and portal names, decoded once per name rather than once per message. A
// client binds and executes the same few names over and over (pgbench's P0_1, a driver's
// s1, s2 …), and turning bytes into a string is a call into the runtime each time.
//
// One slot: the last name decoded, kept as a copy of its bytes (the message's own bytes
// belong to a network buffer). Equal bytes decode to an equal string, so a hit is exact.

/** Names longer than this are decoded every time (rare, and not worth keeping). */
const MAX_KEPT = 64;

const keptBytes = new Uint8Array(MAX_KEPT);
let keptLength = -1;
let keptName = '';
let keptEncoding: BufferEncoding = 'utf8';

/** `raw[from, end)` decoded with `encoding`; '' for the unnamed statement or portal. */
export function nameAt(raw: Buffer, from: number, end: number, encoding: BufferEncoding): string {
  const n = end - from;
  if (n === 0) return '';
  if (n === keptLength && encoding === keptEncoding && sameBytes(raw, from, n)) return keptName;
  const name = raw.toString(encoding, from, end);
  if (n <= MAX_KEPT) {
    for (let i = 0; i < n; i++) keptBytes[i] = raw[from + i]!;
    keptLength = n;
    keptName = name;
    keptEncoding = encoding;
  }
  return name;
}

function sameBytes(raw: Buffer, from: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (raw[from + i] !== keptBytes[i]) return false;
  return true;
}
