// Maps zod issue paths back to YAML nodes, so every schema error carries the line and
// column of the key or value it is about.
import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { z } from 'zod';

type PathKey = PropertyKey;

/**
 * The offset of the node at `path`, or of the deepest existing ancestor when the path does
 * not exist (a missing key points at the mapping that lacks it). With `key`, a mapping
 * entry points at its key rather than its value.
 */
export function nodeAt(
  doc: Document,
  path: readonly PathKey[],
  key = false,
): { offset: number; exact: boolean } {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    let next: unknown;
    let keyOffset: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (pair) {
        next = pair.value;
        keyOffset = (pair.key as Node).range?.[0];
        if (next === null || (isScalar(next) && next.value === null && next.source === ''))
          next = undefined;
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    const last = i === path.length - 1;
    if (last && key && keyOffset !== undefined) return { offset: keyOffset, exact: true };
    if (next === undefined) {
      // `key:` with no value: point at the key.
      return { offset: keyOffset ?? offset, exact: false };
    }
    node = next;
    offset = (next as Node).range?.[0] ?? offset;
  }
  return { offset, exact: true };
}

function valueAt(
  data: unknown,
  path: readonly PathKey[],
): { value: unknown; parentIsObject: boolean } {
  let cur: unknown = data;
  let parentIsObject = false;
  for (const seg of path) {
    // A single value written where a list is allowed was wrapped into [value] for validation.
    if (seg === 0 && cur !== null && cur !== undefined && typeof cur !== 'object')
      return { value: cur, parentIsObject: false };
    if (cur === null || typeof cur !== 'object') return { value: undefined, parentIsObject: false };
    parentIsObject = !Array.isArray(cur);
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return { value: cur, parentIsObject };
}

function describe(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/** Whether a message already shows the offending value (custom messages usually do). */
function mentions(message: string, value: unknown): boolean {
  if (typeof value === 'string') return message.includes(JSON.stringify(value));
  const shown = String(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[^\\w])${shown}(?:[^\\w]|$)`).test(message);
}

export interface PositionedMessage {
  line: number;
  column: number;
  message: string;
}

export function issuesToErrors(
  issues: readonly z.core.$ZodIssue[],
  doc: Document,
  data: unknown,
  at: (offset: number) => { line: number; column: number },
): PositionedMessage[] {
  const out: PositionedMessage[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        out.push({
          ...at(nodeAt(doc, [...issue.path, k], true).offset),
          message: `${issue.message}: ${JSON.stringify(k)}`,
        });
      }
      continue;
    }
    const { value, parentIsObject } = valueAt(data, issue.path);
    const lastKey = issue.path[issue.path.length - 1];
    let message = issue.message;
    if (value === undefined && parentIsObject && typeof lastKey === 'string') {
      message = `missing "${lastKey}": ${message}`;
    } else if (
      value !== undefined &&
      (value === null || typeof value !== 'object') &&
      !/\bgot\b/.test(message) &&
      !mentions(message, value)
    ) {
      message = `${message}; got ${describe(value)}`;
    }
    const where = issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
    out.push({ ...at(nodeAt(doc, issue.path).offset), message: `${message}${where}` });
  }
  // Top to bottom, as people read the file.
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}
