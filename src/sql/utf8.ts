// libpg-query reports statement and token positions as UTF-8 byte offsets into the
// query, not JavaScript string indexes; these helpers cut text at those offsets.

export class Utf8Text {
  readonly bytes: Buffer;
  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
  }

  get byteLength(): number {
    return this.bytes.length;
  }

  /** Text between two byte offsets (end defaults to the end of the text). */
  slice(start: number, end = this.bytes.length): string {
    return this.bytes.toString('utf8', start, end);
  }
}

/** Byte offset and length of `slice` after trimming surrounding whitespace. */
export function trimmedRange(
  text: Utf8Text,
  start: number,
  length: number,
): { location: number; length: number; sql: string } {
  let s = start;
  let e = start + length;
  while (s < e && isSpace(text.bytes[s]!)) s++;
  while (e > s && isSpace(text.bytes[e - 1]!)) e--;
  return { location: s, length: e - s, sql: text.slice(s, e) };
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c || b === 0x0b;
}

/** Number of UTF-8 bytes of a string, without allocating a buffer. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
