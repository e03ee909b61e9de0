// Which classifications carry the same verdict. A classification reused for another text
// (template-cache.ts) differs from the one it was made from only in the statement's text
// and length; class, kind, relations, functions, flags, risk and reasons are the same.
// Anything decided from those alone (a policy decision) may be decided once per verdict.
//
// Only the latest copy is remembered: the proxy decides on a classification right after
// getting it, and a lookup that misses only costs a fresh decision. A WeakMap of every
// copy would cost more than the decision it saves.
//
// A copy is not frozen, but must never be changed: code that changes a verdict makes a
// new object (as parser-agreement.ts and session-classifier.ts do), which has no link.
import type { Classification } from './types.js';

let lastCopy: Classification | undefined;
let lastOrigin: Classification | undefined;

/**
 * Records that `copy`, made by the template cache and handed straight to the caller, has
 * frozen `origin`'s verdict with another text. Only the template cache may call this.
 */
export function linkVerdict(copy: Classification, origin: Classification): void {
  lastCopy = copy;
  lastOrigin = verdictIdentity(origin);
}

/** An object that stands for `c`'s verdict: the classification it was copied from, or `c`. */
export function verdictIdentity(c: Classification): Classification {
  return c === lastCopy ? lastOrigin! : c;
}
