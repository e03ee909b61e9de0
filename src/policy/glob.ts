// Globs for names in policies (databases, roles, application names, schemas, tables).
// Deliberately small: `*` is any run of characters, `?` one character, `\x` a literal x.
// Everything else is literal and case-sensitive (PostgreSQL folds unquoted names to lower
// case). `[ ]`, `{ }` and `**` are rejected so that no pattern means more than it says.

export interface Glob {
  source: string;
  regex: RegExp;
  /** Set when the glob has no wildcards: the one name it matches. */
  literal?: string;
}

export type GlobResult = { ok: true; glob: Glob } | { ok: false; message: string };

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

export function compileGlob(source: string): GlobResult {
  if (source === '') return { ok: false, message: 'expected a non-empty name or glob' };
  if (/[[\]{}]/.test(source)) {
    return {
      ok: false,
      message: `bad glob ${JSON.stringify(source)}: "[ ]" and "{ }" are not supported (use * and ?)`,
    };
  }
  if (source.includes('**')) {
    return {
      ok: false,
      message: `bad glob ${JSON.stringify(source)}: "**" means nothing more than "*" here`,
    };
  }
  let re = '';
  let literal = '';
  let wild = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\') {
      const next = source[i + 1];
      if (next === undefined)
        return { ok: false, message: `bad glob ${JSON.stringify(source)}: ends with a lone "\\"` };
      re += escapeRegex(next);
      literal += next;
      i++;
    } else if (ch === '*') {
      re += '.*';
      wild = true;
    } else if (ch === '?') {
      re += '.';
      wild = true;
    } else {
      re += escapeRegex(ch);
      literal += ch;
    }
  }
  const glob: Glob = { source, regex: new RegExp(`^${re}$`, 's') };
  if (!wild) glob.literal = literal;
  return { ok: true, glob };
}

export interface TableGlob {
  source: string;
  schema: Glob;
  table: Glob;
}

export type TableGlobResult = { ok: true; glob: TableGlob } | { ok: false; message: string };

/** `schema.table`, each side a glob; a literal dot inside a name is written `\.`. */
export function compileTableGlob(source: string): TableGlobResult {
  let dot = -1;
  for (let i = 0; i < source.length; i++) {
    if (source[i] === '\\') {
      i++;
    } else if (source[i] === '.') {
      if (dot !== -1) {
        return {
          ok: false,
          message: `bad table glob ${JSON.stringify(source)}: expected schema.table with one "." (write a literal dot as \\.)`,
        };
      }
      dot = i;
    }
  }
  if (dot === -1) {
    return {
      ok: false,
      message: `bad table glob ${JSON.stringify(source)}: expected schema.table, e.g. public.payments or *.payments`,
    };
  }
  const schema = compileGlob(source.slice(0, dot));
  if (!schema.ok)
    return { ok: false, message: `${schema.message} (schema part of ${JSON.stringify(source)})` };
  const table = compileGlob(source.slice(dot + 1));
  if (!table.ok)
    return { ok: false, message: `${table.message} (table part of ${JSON.stringify(source)})` };
  return { ok: true, glob: { source, schema: schema.glob, table: table.glob } };
}

/** The text before the first wildcard, and whether the glob is exactly `<that>*`. */
function prefixInfo(g: Glob): { prefix: string; prefixStar: boolean } {
  let prefix = '';
  const s = g.source;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\') {
      prefix += s[i + 1] ?? '';
      i++;
    } else if (ch === '*' || ch === '?') {
      return { prefix, prefixStar: ch === '*' && i === s.length - 1 };
    } else {
      prefix += ch;
    }
  }
  return { prefix, prefixStar: false };
}

/**
 * True when every name matched by `inner` is also matched by `outer`. Only sure answers:
 * false may mean "could not tell" (used to warn about shadowed rules, never to decide).
 */
export function globCovers(outer: Glob, inner: Glob): boolean {
  if (outer.source === inner.source) return true;
  if (inner.literal !== undefined) return outer.regex.test(inner.literal);
  const o = prefixInfo(outer);
  if (o.prefixStar) return prefixInfo(inner).prefix.startsWith(o.prefix);
  return false;
}

export function tableGlobCovers(outer: TableGlob, inner: TableGlob): boolean {
  return globCovers(outer.schema, inner.schema) && globCovers(outer.table, inner.table);
}
