// A statement's verdict as the rules build it: the class only ever rises (a later rule
// can make a statement more restrictive, never less), with a reason for every rise.
import {
  CLASS_RANK,
  type CatalogRefs,
  type Flag,
  type RelationRef,
  type Risk,
  type SessionEffect,
  type StatementClass,
} from './types.js';

export class Verdict {
  class: StatementClass = 'read';
  readonly flags = new Set<Flag>();
  readonly reasons: string[] = [];
  relations: RelationRef[] = [];
  functions: string[] = [];
  risk: Risk = 'low';
  effect: SessionEffect | undefined;
  /** Set when the SQL of a prepared statement or cursor query runs (EXECUTE, FETCH). */
  resolvedSql: string | undefined;
  /** Names a catalog snapshot can resolve (see catalog-judge.ts). */
  catalogRefs: CatalogRefs | undefined;

  constructor(readonly kind: string) {}

  /** Raises the class to at least `cls`, recording why. */
  raise(cls: StatementClass, reason: string): void {
    if (CLASS_RANK[cls] > CLASS_RANK[this.class]) this.class = cls;
    this.reason(reason);
  }

  reason(reason: string): void {
    if (reason && !this.reasons.includes(reason)) this.reasons.push(reason);
  }

  flag(flag: Flag): void {
    this.flags.add(flag);
  }
}

export function maxClass(a: StatementClass, b: StatementClass): StatementClass {
  return CLASS_RANK[a] >= CLASS_RANK[b] ? a : b;
}
