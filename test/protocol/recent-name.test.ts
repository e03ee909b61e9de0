import { describe, expect, it } from 'vitest';
import { nameAt } from '../../src/protocol/recent-name.js';

/** `name` placed mid-buffer, as it lies in a message. */
function at(name: string, encoding: BufferEncoding = 'utf8'): [Buffer, number, number] {
  const bytes = Buffer.from(name, encoding);
  const raw = Buffer.concat([Buffer.from('B\0\0\0\0'), bytes, Buffer.from([0])]);
  return [raw, 5, 5 + bytes.length];
}

describe('nameAt', () => {
  it('decodes every name exactly, whatever came before it', () => {
    const names = [
      'P0_1',
      'P0_1',
      'P0_2',
      'p0_1',
      'P0_1',
      'é1',
      'é2',
      'x'.repeat(64),
      'x'.repeat(63) + 'y',
      's',
    ];
    for (const n of names) expect(nameAt(...at(n), 'utf8')).toBe(n);
    const long = 'n'.repeat(200);
    expect(nameAt(...at(long), 'utf8')).toBe(long);
    expect(nameAt(...at(long.slice(1) + 'm'), 'utf8')).toBe(long.slice(1) + 'm');
  });

  it('gives the unnamed statement or portal as the empty string', () => {
    expect(nameAt(Buffer.from('E\0\0\0\x09\0'), 5, 5, 'utf8')).toBe('');
  });

  it('never reuses a name decoded with another encoding', () => {
    const [raw, from, end] = at('caf\u00e9', 'latin1');
    expect(nameAt(raw, from, end, 'latin1')).toBe('caf\u00e9');
    expect(nameAt(raw, from, end, 'utf8')).toBe(raw.toString('utf8', from, end));
    expect(nameAt(raw, from, end, 'latin1')).toBe('caf\u00e9');
  });

  it('keeps its own copy: later changes to the network buffer change nothing', () => {
    const [raw, from, end] = at('P0_9');
    expect(nameAt(raw, from, end, 'utf8')).toBe('P0_9');
    raw[from + 3] = 0x38; // '8'
    expect(nameAt(raw, from, end, 'utf8')).toBe('P0_8');
  });
});
