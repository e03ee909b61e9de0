// The SQL inside catalog texts that the judge classifies: a SQL function's statements and
// a rule's action, cut out of what the loader read (prosrc or the decompiled SQL-standard
// body, pg_get_ruledef).

/** A SQL function's statements: prosrc, or the decompiled BEGIN ATOMIC / RETURN body. */
export function sqlBody(body: string): string {
  const atomic = /^\s*BEGIN\s+ATOMIC\b([\s\S]*?)\bEND\s*;?\s*$/i.exec(body);
  if (atomic) return atomic[1]!;
  const ret = /^\s*RETURN\b([\s\S]*)$/i.exec(body);
  if (ret) return `SELECT ${ret[1]!.replace(/;\s*$/, '')}`;
  return body;
}

/**
 * The action of a rule from pg_get_ruledef ('CREATE RULE r AS ON SELECT TO t DO INSTEAD
 * SELECT ...;'), parentheses of a multi-action rule removed; undefined when unreadable.
 * (PostgreSQL only allows a SELECT rule as a view's own _RETURN, which the loader leaves
 * out: this is the fail-closed path for anything else.)
 */
export function ruleActionText(definition: string): string | undefined {
  const m = /\bDO\s+(?:INSTEAD\s+|ALSO\s+)?([\s\S]*?);?\s*$/i.exec(definition);
  if (!m?.[1]) return undefined;
  return m[1].replace(/^\(([\s\S]*)\)$/, '$1');
}
