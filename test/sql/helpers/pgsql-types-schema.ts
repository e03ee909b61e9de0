// Reads the field layout of every parse-tree node from @pgsql/types (the TypeScript
// description of libpg-query's JSON output) and renders it in the compact form used by
// src/sql/node-schema.ts. The node-schema test compares the two, so upgrading
// libpg-query cannot silently leave the walker with a stale picture of the tree.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Field kinds: n = one wrapped node, N = list of wrapped nodes, s = scalar or enum
 * (never walked), otherwise the name of an inline struct, with [] for a list of them. */
export function readPgsqlTypesSchema(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@pgsql/types/package.json', {
    paths: [path.dirname(require.resolve('libpg-query'))],
  });
  const text = readFileSync(path.join(path.dirname(pkg), 'types.d.ts'), 'utf8');
  const enumLine = /import \{([^}]*)\} from "\.\/enums"/.exec(text)?.[1] ?? '';
  const enums = new Set(
    enumLine
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const out: Record<string, string> = {};
  const ifaceRe = /export interface (\w+) \{([^}]*)\}/g;
  for (const m of text.matchAll(ifaceRe)) {
    const name = m[1] as string;
    const body = m[2] as string;
    const fields: string[] = [];
    for (const f of body.matchAll(/^\s+(\w+)\??: ([\w[\]]+);/gm)) {
      const field = f[1] as string;
      const type = f[2] as string;
      fields.push(`${field}:${kindOf(type, enums)}`);
    }
    out[name] = fields.join(' ');
  }
  return out;
}

function kindOf(type: string, enums: Set<string>): string {
  if (type === 'Node') return 'n';
  if (type === 'Node[]') return 'N';
  const base = type.replace(/\[\]$/, '');
  if (['number', 'boolean', 'string', 'bigint'].includes(base) || enums.has(base)) return 's';
  return type;
}
