// Request ids: 'r_' + 10 base32 characters (50 random bits). Short enough to type in
// `sluice approve r_…`, URL-safe, and unguessable enough that ids are not an index.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const REQUEST_ID_PATTERN = /^r_[a-z2-7]{10}$/;

export function newRequestId(): string {
  const bytes = randomBytes(10);
  let id = 'r_';
  for (let i = 0; i < 10; i++) id += ALPHABET[bytes[i]! & 31];
  return id;
}
