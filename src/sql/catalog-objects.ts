// What a user object can do when a statement uses it, judged once per snapshot and option
// set: a view by its definition, a relation by its SELECT rules and RLS policies, a type by
// its input path (enum labels, domain CHECKs, I/O functions), a cast or operator by its
// function, a function by its language and body. Texts (definitions, bodies, expressions)
// are classified like statements, so a view over a view or a function calling a function
// recurses; the depth is bounded and a cycle is a write (fail closed).
import {
  FIRST_NORMAL_OBJECT_ID,
  TypeKind,
  type CatalogCast,
  type CatalogFunction,
  type CatalogOperator,
  type CatalogRelation,
  type CatalogType,
} from '../catalog/catalog-types.js';
import { splitQualified, typeByQualifiedName, type CatalogIndex } from './catalog-index.js';
import { ruleActionText, sqlBody } from './catalog-texts.js';
import { CLASS_RANK, type ClassifierOptions, type StatementClass } from './types.js';

/** What an object (or a text) can do: its class and, when not a plain read, why. */
export interface Finding {
  class: StatementClass;
  reasons: string[];
}

/** Views within views, functions calling functions: past this depth, a write. */
export const MAX_DEPTH = 8;

export type ClassifyText = (sql: string, depth: number) => Finding;

const READ: Finding = Object.freeze({ class: 'read', reasons: [] }) as Finding;

export function strictest(findings: readonly Finding[]): Finding {
  let cls: StatementClass = 'read';
  const reasons: string[] = [];
  for (const f of findings) {
    if (CLASS_RANK[f.class] > CLASS_RANK[cls]) cls = f.class;
    for (const r of f.reasons) if (!reasons.includes(r)) reasons.push(r);
  }
  return { class: cls, reasons };
}

function write(reason: string): Finding {
  return { class: 'write', reasons: [reason] };
}

function about(what: string, f: Finding): Finding {
  if (f.class === 'read') return f.reasons.length ? { class: 'read', reasons: f.reasons } : READ;
  return { class: f.class, reasons: f.reasons.map((r) => `${what}: ${r}`) };
}

export class ObjectJudge {
  private readonly memo = new Map<string, Finding>();
  private readonly active = new Set<string>();

  constructor(
    readonly index: CatalogIndex,
    private readonly opts: ClassifierOptions,
    private readonly classifyText: ClassifyText,
  ) {}

  /** A relation read by the statement. */
  relation(rel: CatalogRelation, depth: number): Finding {
    return this.once(`r${rel.oid}`, depth, () => {
      const name = `${rel.schema}.${rel.name}`;
      const parts: Finding[] = [];
      if (rel.kind === 'view') {
        if (rel.viewDefinition === undefined) parts.push(write(`view ${name}: definition unknown`));
        else {
          const f = this.classifyText(rel.viewDefinition, depth + 1);
          parts.push(
            f.class === 'read'
              ? { class: 'read', reasons: [`view ${name} was expanded: its definition only reads`] }
              : about(`view ${name}`, f),
          );
        }
      }
      // A materialized view is not expanded: reading it reads its stored rows; its query
      // runs only on REFRESH, which is itself a write.
      for (const rule of rel.rules) {
        if (rule.event !== 'select') continue;
        parts.push(about(`rule ${rule.name} on ${name}`, this.ruleAction(rule.definition, depth)));
      }
      if (rel.rowSecurity) {
        for (const p of rel.policies) {
          for (const expr of [p.using, p.check]) {
            if (expr === undefined) continue;
            const f = this.classifyText(`SELECT ${expr}`, depth + 1);
            parts.push(about(`policy ${p.name} on ${name}`, f));
          }
        }
      }
      return strictest(parts);
    });
  }

  /** The action of a SELECT rule: pg_get_ruledef's text after DO [INSTEAD|ALSO]. */
  private ruleAction(definition: string, depth: number): Finding {
    const action = ruleActionText(definition);
    if (action === undefined) return write('rule action unreadable');
    return this.classifyText(action, depth + 1);
  }

  /** A type whose input path a cast or literal runs. */
  type(t: CatalogType, depth: number): Finding {
    return this.once(`t${t.oid}`, depth, () => {
      const name = `${t.schema}.${t.name}`;
      switch (t.kind) {
        case TypeKind.enum:
          // enum_in only looks the label up in pg_enum.
          return { class: 'read', reasons: [`${name} is an enum: its input only looks up labels`] };
        case TypeKind.domain: {
          const parts = t.checks.map((c) =>
            about(`domain ${name} CHECK`, this.classifyText(`SELECT ${c}`, depth + 1)),
          );
          parts.push(this.typeByName(t.baseType, `domain ${name}`, depth));
          const found = strictest(parts);
          if (found.class !== 'read') return found;
          return { class: 'read', reasons: [`domain ${name}: its CHECK expressions only read`] };
        }
        case TypeKind.composite:
          // record_in runs each attribute type's input.
          if (!t.attributeTypes) return write(`composite type ${name}: attribute types unknown`);
          return strictest(
            t.attributeTypes.map((a) => this.typeByName(a, `composite type ${name}`, depth)),
          );
        case TypeKind.base:
        case TypeKind.range:
        case TypeKind.multirange: {
          const parts = t.ioFunctions.map((oid) => this.ioFunction(oid, name, depth));
          if (t.kind !== TypeKind.base) {
            if (!t.subtype) parts.push(write(`${t.kind} type ${name}: subtype unknown`));
            else parts.push(this.typeByName(t.subtype, `${t.kind} type ${name}`, depth));
          }
          return strictest(parts);
        }
        case TypeKind.pseudo:
          return write(`pseudo-type ${name} has no input Sluice can judge`);
      }
    });
  }

  private typeByName(qualified: string | undefined, what: string, depth: number): Finding {
    if (qualified === undefined) return write(`${what}: base type unknown`);
    const [schema] = splitQualified(qualified);
    if (schema === 'pg_catalog') return READ;
    const t = typeByQualifiedName(this.index, qualified);
    if (t) return about(what, this.type(t, depth + 1));
    // Array types are left out of the snapshot: their input runs the element's.
    const [s, n] = splitQualified(qualified);
    const element = n.startsWith('_')
      ? typeByQualifiedName(this.index, `${s}.${n.slice(1)}`)
      : undefined;
    if (element) return about(what, this.type(element, depth + 1));
    return write(`${what}: type ${qualified} is not in the catalog snapshot`);
  }

  private ioFunction(oid: number, typeName: string, depth: number): Finding {
    const f = this.index.snapshot.functionsByOid.get(oid);
    if (f) return about(`type ${typeName} I/O`, this.fn(f, depth));
    // A built-in I/O function (range_in, …) is PostgreSQL's own conversion code.
    if (oid < FIRST_NORMAL_OBJECT_ID) return READ;
    return write(`type ${typeName}: I/O function ${oid} is not in the catalog snapshot`);
  }

  /** A cast whose target the statement names, or an implicit one. */
  cast(c: CatalogCast, depth: number): Finding {
    const what = `cast ${c.source} -> ${c.target}`;
    return this.once(`c${c.source}>${c.target}`, depth, () => {
      switch (c.method) {
        case 'binary':
          return READ;
        case 'inout':
          return strictest([
            this.typeByName(c.source, what, depth),
            this.typeByName(c.target, what, depth),
          ]);
        case 'function':
          return this.byOid(c.functionOid, what, depth);
      }
    });
  }

  operator(op: CatalogOperator, depth: number): Finding {
    const name = `operator ${op.schema}.${op.name}`;
    return this.once(`o${op.oid}`, depth, () => {
      // Policy's 'operator(sym)' / 'operator(schema.sym)' entries, as the static rules read them.
      const entries = [`operator(${op.name})`, `operator(${op.schema}.${op.name})`];
      if ((this.opts.safeFunctions ?? []).some((e) => entries.includes(e.trim())))
        return { class: 'read', reasons: [`${name} is allowlisted by policy`] };
      return this.byOid(op.functionOid, name, depth);
    });
  }

  private byOid(oid: number | undefined, what: string, depth: number): Finding {
    const f = oid === undefined ? undefined : this.index.snapshot.functionsByOid.get(oid);
    if (f) return about(what, this.fn(f, depth));
    // A built-in function the snapshot does not name: it could be nextval.
    return write(`${what} runs function ${oid ?? '(none)'}, which Sluice cannot name`);
  }

  /** A function a statement, operator, cast or type may call. */
  fn(f: CatalogFunction, depth: number): Finding {
    return this.once(`f${f.oid}`, depth, () => {
      const name = `${f.schema}.${f.name}()`;
      return strictest([this.callPath(f, name, depth), this.code(f, name, depth)]);
    });
  }

  /** What the function's own code can do. */
  private code(f: CatalogFunction, name: string, depth: number): Finding {
    if (this.allowlisted(f))
      return { class: 'read', reasons: [`${name} is allowlisted by policy`] };
    if (f.kind !== 'function')
      return write(`${name} is a ${f.kind}, which runs code Sluice does not judge`);
    if (f.language !== 'sql')
      return write(`${name} is written in ${f.language}, whose body Sluice does not analyse`);
    // SECURITY DEFINER runs with its owner's rights: never inferred, whatever the body.
    if (f.securityDefiner) return write(`${name} is SECURITY DEFINER (owner ${f.owner})`);
    const body = sqlBody(f.body);
    const found = this.classifyText(body, depth + 1);
    if (found.class !== 'read') return about(name, found);
    // Volatility plays no part: a STABLE function may still call nextval, and a
    // VOLATILE one that only reads cannot write. It is shown for approvers.
    return {
      class: 'read',
      reasons: [`${name} is a SQL function whose body only reads (declared ${f.volatility})`],
    };
  }

  /**
   * What runs around any call of `f`, whatever its language: a literal argument goes
   * through its parameter type's input, omitted arguments take their defaults, and a SQL
   * function's result is coerced to its declared type (a domain's CHECK runs).
   */
  private callPath(f: CatalogFunction, name: string, depth: number): Finding {
    const parts = f.argTypes.map((a) => this.typeByName(a, `argument of ${name}`, depth));
    if (f.returnType !== undefined)
      parts.push(this.typeByName(f.returnType, `result of ${name}`, depth));
    else parts.push(about(`result of ${name} (type unknown)`, this.anyTypeHazard(depth)));
    if (f.defaults > 0) {
      parts.push(
        f.argDefaults === undefined
          ? write(`${name}: its argument defaults are not in the snapshot`)
          : about(
              `${name} argument defaults`,
              this.classifyText(`SELECT ${f.argDefaults}`, depth + 1),
            ),
      );
    }
    return strictest(parts);
  }

  /** Whether any user type's input path may write: what an unknown type may be. */
  private anyTypeHazard(depth: number): Finding {
    return this.once('anytype', depth, () => {
      const found = strictest(
        [...this.index.snapshot.types.values()].map((t) => this.type(t, depth + 1)),
      );
      return found.class === 'read'
        ? READ
        : write('some user type runs code that may write on input');
    });
  }

  private allowlisted(f: CatalogFunction): boolean {
    for (const raw of this.opts.safeFunctions ?? []) {
      const e = raw.trim();
      if (e === `${f.schema}.*` || e === `${f.schema}.${f.name}` || e === f.name) return true;
    }
    return false;
  }

  /**
   * Memoized per object and depth; an object met again while it is being judged is a cycle (a view
   * calling a function reading the view): a write. So is anything past MAX_DEPTH.
   */
  private once(key: string, depth: number, judge: () => Finding): Finding {
    // Kept per depth, so that a verdict never depends on what was judged before: the
    // same object met deeper down has less room left before the limit.
    const at = `${key}@${depth}`;
    const known = this.memo.get(at);
    if (known) return known;
    if (this.active.has(key)) return write('recursion (a cycle of views or functions)');
    if (depth > MAX_DEPTH) return write(`nested deeper than ${MAX_DEPTH} levels`);
    this.active.add(key);
    let result: Finding;
    try {
      result = judge();
    } finally {
      this.active.delete(key);
    }
    // An object in a cycle is a write from wherever the cycle is entered, so a verdict
    // cut by one is the same in every order and safe to keep.
    this.memo.set(at, result);
    return result;
  }
}
