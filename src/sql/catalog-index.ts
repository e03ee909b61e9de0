// Name resolution against a catalog snapshot, as PostgreSQL resolves names but strict
// where Sluice cannot know the session's exact state: an unqualified name may resolve in
// any schema the session's search_path could name (a session may SET search_path, and
// PostgreSQL picks a user function over a built-in when its signature fits better), so
// every user object of that name is a candidate and the strictest one decides. A name
// qualified with a schema has only that schema's objects as candidates. Built from the
// snapshot once and kept with it (WeakMap): the hot path is a Map lookup per name.
import type {
  CatalogCast,
  CatalogFunction,
  CatalogOperator,
  CatalogRelation,
  CatalogSnapshot,
  CatalogType,
} from '../catalog/catalog-types.js';

export interface CatalogIndex {
  snapshot: CatalogSnapshot;
  relationsByName: ReadonlyMap<string, readonly CatalogRelation[]>;
  typesByName: ReadonlyMap<string, readonly CatalogType[]>;
  /** Casts by the bare name of their target type. */
  castsByTarget: ReadonlyMap<string, readonly CatalogCast[]>;
  /**
   * Casts that run code where no cast is written (castcontext implicit; unknown counts as
   * implicit), and among them those between two built-in types, which any statement may hit.
   */
  implicitCasts: readonly CatalogCast[];
  builtinImplicitCasts: readonly CatalogCast[];
  /** Whether the snapshot holds any user object at all (an empty one changes nothing). */
  empty: boolean;
}

const indexes = new WeakMap<CatalogSnapshot, CatalogIndex>();

export function catalogIndex(snapshot: CatalogSnapshot): CatalogIndex {
  let index = indexes.get(snapshot);
  if (!index) {
    index = build(snapshot);
    indexes.set(snapshot, index);
  }
  return index;
}

function build(s: CatalogSnapshot): CatalogIndex {
  const relationsByName = group([...s.relations.values()], (r) => r.name);
  const typesByName = group([...s.types.values()], (t) => t.name);
  const castsByTarget = group(s.casts, (c) => splitQualified(c.target)[1]);
  const implicitCasts = s.casts.filter(
    (c) => c.method !== 'binary' && (c.context === undefined || c.context === 'implicit'),
  );
  return {
    snapshot: s,
    relationsByName,
    typesByName,
    castsByTarget,
    implicitCasts,
    builtinImplicitCasts: implicitCasts.filter(
      (c) =>
        splitQualified(c.source)[0] === 'pg_catalog' &&
        splitQualified(c.target)[0] === 'pg_catalog',
    ),
    empty:
      s.relations.size === 0 &&
      s.types.size === 0 &&
      s.functionsByName.size === 0 &&
      s.operators.size === 0 &&
      s.casts.length === 0,
  };
}

function group<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** 'schema.name' (as the loader spells types) into its parts; a bare name has schema ''. */
export function splitQualified(name: string): [string, string] {
  const unquote = (s: string): string =>
    s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
  const dot = name.startsWith('"') ? name.indexOf('.', name.indexOf('"', 1)) : name.indexOf('.');
  if (dot < 0) return ['', unquote(name)];
  return [unquote(name.slice(0, dot)), unquote(name.slice(dot + 1))];
}

function pick<T extends { schema: string }>(
  all: readonly T[] | undefined,
  parts: readonly string[],
): readonly T[] {
  if (!all || all.length === 0) return [];
  // catalog.schema.name: the database part is the upstream's own (anything else fails).
  if (parts.length < 2) return all;
  const schema = parts[parts.length - 2]!;
  return all.filter((o) => o.schema === schema);
}

export function relationCandidates(
  index: CatalogIndex,
  schema: string,
  name: string,
  qualified: boolean,
): readonly CatalogRelation[] {
  return pick(index.relationsByName.get(name), qualified ? [schema, name] : [name]);
}

export function functionCandidates(
  index: CatalogIndex,
  parts: readonly string[],
): readonly CatalogFunction[] {
  const name = parts[parts.length - 1] ?? '';
  return pick(index.snapshot.functionsByName.get(name), parts);
}

export function operatorCandidates(
  index: CatalogIndex,
  parts: readonly string[],
): readonly CatalogOperator[] {
  const name = parts[parts.length - 1] ?? '';
  return pick(index.snapshot.operators.get(name), parts);
}

/** User types a type name may mean; `_t` (an array type's own name) also means t. */
export function typeCandidates(index: CatalogIndex, parts: readonly string[]): CatalogType[] {
  const name = parts[parts.length - 1] ?? '';
  const out = [...pick(index.typesByName.get(name), parts)];
  if (name.startsWith('_')) {
    const element = [...parts.slice(0, -1), name.slice(1)];
    out.push(...pick(index.typesByName.get(name.slice(1)), element));
  }
  return out;
}

/** Casts whose target a type name may mean (a cast to a built-in type may run user code). */
export function castCandidates(index: CatalogIndex, parts: readonly string[]): CatalogCast[] {
  const name = parts[parts.length - 1] ?? '';
  const all = index.castsByTarget.get(name) ?? [];
  if (parts.length < 2) return [...all];
  const schema = parts[parts.length - 2]!;
  return all.filter((c) => splitQualified(c.target)[0] === schema);
}

/** A user type by its 'schema.name' (a domain's base type); undefined for built-ins. */
export function typeByQualifiedName(index: CatalogIndex, name: string): CatalogType | undefined {
  return index.snapshot.types.get(name);
}
