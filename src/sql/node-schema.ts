// Typed access to the parse-tree layout in node-schema-data.ts.
import { NODE_SCHEMA_SOURCE } from './node-schema-data.js';

export type FieldKind =
  | { kind: 'node' }
  | { kind: 'nodes' }
  | { kind: 'scalar' }
  | { kind: 'struct'; type: string }
  | { kind: 'structs'; type: string };

const NODE: FieldKind = { kind: 'node' };
const NODES: FieldKind = { kind: 'nodes' };
const SCALAR: FieldKind = { kind: 'scalar' };

function parseKind(spec: string): FieldKind {
  if (spec === 'n') return NODE;
  if (spec === 'N') return NODES;
  if (spec === 's') return SCALAR;
  if (spec.endsWith('[]')) return { kind: 'structs', type: spec.slice(0, -2) };
  return { kind: 'struct', type: spec };
}

const schema = new Map<string, ReadonlyMap<string, FieldKind>>();
for (const [type, spec] of Object.entries(NODE_SCHEMA_SOURCE)) {
  const fields = new Map<string, FieldKind>();
  for (const item of spec.split(' ')) {
    if (!item) continue;
    const colon = item.indexOf(':');
    fields.set(item.slice(0, colon), parseKind(item.slice(colon + 1)));
  }
  schema.set(type, fields);
}

/** The fields of a node type, or undefined when libpg-query's schema has no such type. */
export function nodeFields(type: string): ReadonlyMap<string, FieldKind> | undefined {
  return schema.get(type);
}
