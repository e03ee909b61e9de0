// DROP, COMMENT ON and SECURITY LABEL name their objects as plain name lists rather than
// RangeVars; for table-like objects these are still relations the statement writes.
import { CATALOG_RELATIONS } from './catalog-relations.js';
import type { RelationRef } from './types.js';

type Body = Record<string, unknown>;

const RELATION_OBJECTS = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_SEQUENCE',
  'OBJECT_FOREIGN_TABLE',
  'OBJECT_INDEX',
]);

export function relationsOfObjectNames(kind: string, b: Body): RelationRef[] {
  const out: RelationRef[] = [];
  if (kind === 'DropStmt' && RELATION_OBJECTS.has(String(b.removeType))) {
    for (const o of Array.isArray(b.objects) ? b.objects : []) add(out, names(o));
  } else if ((kind === 'CommentStmt' || kind === 'SecLabelStmt') && typeof b.objtype === 'string') {
    if (RELATION_OBJECTS.has(b.objtype)) add(out, names(b.object));
    else if (b.objtype === 'OBJECT_COLUMN') add(out, names(b.object).slice(0, -1));
  }
  return out;
}

function names(node: unknown): string[] {
  const items = ((node as Body | undefined)?.List as Body | undefined)?.items;
  if (!Array.isArray(items)) return [];
  return items.map((i) => String(((i as Body).String as Body | undefined)?.sval ?? ''));
}

function add(out: RelationRef[], parts: string[]): void {
  const name = parts[parts.length - 1];
  if (!name) return;
  const schema = parts.length > 1 ? parts[parts.length - 2]! : undefined;
  const resolved = schema ?? (CATALOG_RELATIONS.has(name) ? 'pg_catalog' : 'public');
  out.push({ schema: resolved, name, qualified: schema !== undefined, access: 'write' });
}
