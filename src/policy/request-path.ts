// Virtual repository paths, one per written relation: `requests/<database>/<schema>/<table>/`.
// CODEOWNERS lines over these paths decide who owns a table, and the approval PRs put their
// request files in the same directories so GitHub's own review requests agree with Sluice.
//
// Names are PostgreSQL identifiers, which may contain anything but NUL: '/', '..', spaces,
// '#', '*'. Each name becomes exactly one path segment: every byte of its UTF-8 form outside
// [A-Za-z0-9_$-] is percent-encoded (%XX, upper-case hex). So '.' is %2E (no segment can be
// '.' or '..'), '/' is %2F, a space is %20, and the encoding is reversible and unambiguous.
// Case is kept: PostgreSQL folds unquoted names to lower case before we see them.

export const REQUESTS_ROOT = 'requests';

const SAFE_BYTE = /^[A-Za-z0-9_$-]$/;
const PLAIN = /^[A-Za-z0-9_$-]+$/;

/** One identifier as one path segment (see the header for the rules). */
export function encodePathSegment(name: string): string {
  // PostgreSQL has no zero-length identifiers; should one ever reach us it still gets a
  // segment of its own instead of collapsing into the parent directory.
  if (name === '') return '%00';
  if (PLAIN.test(name)) return name; // the usual case, without encoding work
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out +=
      byte < 0x80 && SAFE_BYTE.test(ch)
        ? ch
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of encodePathSegment; undefined when the segment is not one it produces. */
export function decodePathSegment(segment: string): string | undefined {
  if (segment === '%00') return '';
  if (!/^(?:[A-Za-z0-9_$-]|%[0-9A-F]{2})+$/.test(segment)) return undefined;
  try {
    const bytes: number[] = [];
    for (let i = 0; i < segment.length; i++) {
      if (segment[i] === '%') {
        bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push(segment.charCodeAt(i));
      }
    }
    const name = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    // Only canonical encodings decode, so each name has exactly one path.
    return encodePathSegment(name) === segment ? name : undefined;
  } catch {
    return undefined;
  }
}

/** `requests/<database>/<schema>/<table>/`, each name encoded as one segment. */
export function requestPath(database: string, schema: string, table: string): string {
  return `${REQUESTS_ROOT}/${encodePathSegment(database)}/${encodePathSegment(schema)}/${encodePathSegment(table)}/`;
}

/** The names back from a request path (with or without a file name after it). */
export function parseRequestPath(
  p: string,
): { database: string; schema: string; table: string } | undefined {
  const m = /^requests\/([^/]+)\/([^/]+)\/([^/]+)\/(?:[^/]*)$/.exec(p);
  if (!m) return undefined;
  const database = decodePathSegment(m[1]!);
  const schema = decodePathSegment(m[2]!);
  const table = decodePathSegment(m[3]!);
  if (database === undefined || schema === undefined || table === undefined) return undefined;
  return { database, schema, table };
}
