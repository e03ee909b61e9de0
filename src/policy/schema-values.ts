// Building blocks of the policy schema: strict objects with readable errors, one-or-many
// lists, and values compiled at validation time (globs, CIDRs, durations), so a bad one is
// reported at its own line and column.
import { z } from 'zod';
import { parseCidr } from './cidr.js';
import { parseDuration } from './duration.js';
import { compileGlob, compileTableGlob } from './glob.js';

/** A strict object whose unknown-key error names the keys that are allowed. */
export function obj<S extends z.ZodRawShape>(shape: S, what: string) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown key in ${what} (allowed: ${allowed})`
        : iss.code === 'invalid_type'
          ? `expected ${what} (a mapping with keys: ${allowed})`
          : undefined,
  });
}

/** A single value or a non-empty list of them. */
export function oneOrMany<T extends z.ZodType>(item: T, what: string) {
  return z.preprocess(
    (v) => (Array.isArray(v) ? v : v === undefined || v === null ? v : [v]),
    z
      .array(item, { error: `expected ${what}, or a list of them` })
      .min(1, `expected at least one ${what}`),
  );
}

export const nameGlob = z
  .string({ error: 'expected a name or glob (a string)' })
  .transform((s, ctx) => {
    const r = compileGlob(s);
    if (r.ok) return r.glob;
    ctx.addIssue({ code: 'custom', message: r.message });
    return z.NEVER;
  });

export const tableGlob = z
  .string({ error: 'expected a table glob like public.payments (a string)' })
  .transform((s, ctx) => {
    const r = compileTableGlob(s);
    if (r.ok) return r.glob;
    ctx.addIssue({ code: 'custom', message: r.message });
    return z.NEVER;
  });

export const cidr = z
  .string({ error: 'expected an IP address or CIDR (a string)' })
  .transform((s, ctx) => {
    const r = parseCidr(s);
    if (r.ok) return r.cidr;
    ctx.addIssue({ code: 'custom', message: r.message });
    return z.NEVER;
  });

export const MAX_TIMEOUT_MS = 7 * 86_400_000;
export const duration = z
  .string({ error: 'expected a duration like "15m" or "2h" (a string with a unit)' })
  .transform((s, ctx) => {
    const r = parseDuration(s);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }
    if (r.ms > MAX_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', message: `timeout ${s} is longer than the maximum of 7d` });
      return z.NEVER;
    }
    return r.ms;
  });

export function enumOf<const T extends readonly [string, ...string[]]>(
  values: T,
  what: string,
  hint?: (v: unknown) => string | undefined,
) {
  return z.enum(values, {
    error: (iss) =>
      hint?.(iss.input) ??
      `expected ${what}: one of ${values.join(', ')}; got ${JSON.stringify(iss.input)}`,
  });
}

export const bool = (what: string) => z.boolean({ error: `expected true or false (${what})` });
