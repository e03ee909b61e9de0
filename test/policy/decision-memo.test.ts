// Remembered decisions must be exactly what evaluating again would give: per session
// identity, per policy snapshot and per verdict, and never for a classification that
// could still change.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionMemo } from '../../src/policy/decision-memo.js';
import { PolicyStore } from '../../src/policy/policy-store.js';
import type { Decision } from '../../src/policy/types.js';
import { classify, clearClassifierCache, initClassifier } from '../../src/sql/classify.js';
import { linkVerdict, verdictIdentity } from '../../src/sql/verdict-identity.js';
import { classification, rel, session, stmt } from './helpers.js';

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});
beforeAll(() => initClassifier());

function counting() {
  let calls = 0;
  const evaluate = (): Decision => {
    calls++;
    return { action: 'allow', rule: { id: 'r', file: 'f', name: 'r' }, reasons: [`call ${calls}`] };
  };
  return { evaluate, calls: () => calls };
}

describe('DecisionMemo', () => {
  const snapshot = {};
  const frozen = Object.freeze(classification(stmt('SelectStmt')));

  it('evaluates a frozen verdict once per session and hands out a frozen decision', () => {
    const memo = new DecisionMemo();
    const s = session();
    const { evaluate, calls } = counting();
    const first = memo.decide(snapshot, s, frozen, evaluate);
    expect(memo.decide(snapshot, s, frozen, evaluate)).toBe(first);
    expect(calls()).toBe(1);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.reasons)).toBe(true);
    // Another session has its own memo.
    memo.decide(snapshot, session(), frozen, evaluate);
    expect(calls()).toBe(2);
  });

  it('lookup() gives what decide() remembered, under the same snapshot and identity only', () => {
    const memo = new DecisionMemo();
    const s = session();
    const { evaluate } = counting();
    expect(memo.lookup(snapshot, s, frozen)).toBeUndefined();
    const d = memo.decide(snapshot, s, frozen, evaluate);
    expect(memo.lookup(snapshot, s, frozen)).toBe(d);
    expect(memo.lookup({}, s, frozen)).toBeUndefined();
    const open = classification(stmt('SelectStmt'));
    memo.decide(snapshot, s, open, evaluate);
    expect(memo.lookup(snapshot, s, open)).toBeUndefined();
    s.applicationName = 'other';
    expect(memo.lookup(snapshot, s, frozen)).toBeUndefined();
  });

  it('never remembers a classification that is not frozen', () => {
    const memo = new DecisionMemo();
    const s = session();
    const { evaluate, calls } = counting();
    const open = classification(stmt('SelectStmt'));
    memo.decide(snapshot, s, open, evaluate);
    memo.decide(snapshot, s, open, evaluate);
    expect(calls()).toBe(2);
  });

  it('remembers a fresh copy through the frozen verdict it was made from, the latest only', () => {
    const memo = new DecisionMemo();
    const s = session();
    const { evaluate, calls } = counting();
    const copy = classification(stmt('SelectStmt'));
    linkVerdict(copy, frozen);
    const d = memo.decide(snapshot, s, copy, evaluate);
    expect(memo.decide(snapshot, s, frozen, evaluate)).toBe(d);
    expect(calls()).toBe(1);
    linkVerdict(classification(stmt('SelectStmt')), frozen);
    // No longer the latest copy: an unfrozen classification of its own, evaluated.
    memo.decide(snapshot, s, copy, evaluate);
    expect(calls()).toBe(2);
  });

  it.each([
    ['user', 'someone-else'],
    ['database', 'other'],
    ['applicationName', 'batch'],
    ['clientAddress', '10.9.9.9'],
  ] as const)('starts afresh when the session’s %s changes', (field, value) => {
    const memo = new DecisionMemo();
    const s = session();
    const { evaluate, calls } = counting();
    memo.decide(snapshot, s, frozen, evaluate);
    s[field] = value;
    memo.decide(snapshot, s, frozen, evaluate);
    expect(calls()).toBe(2);
  });

  it('starts afresh on a new policy snapshot, and keeps verdicts apart', () => {
    const memo = new DecisionMemo();
    const s = session();
    const { evaluate, calls } = counting();
    memo.decide(snapshot, s, frozen, evaluate);
    memo.decide({}, s, frozen, evaluate);
    expect(calls()).toBe(2);
    const write = Object.freeze(classification(stmt('DeleteStmt', { relations: [rel('t')] })));
    memo.decide({}, s, write, evaluate);
    expect(calls()).toBe(3);
  });
});

describe('PolicyStore decisions through the memo', () => {
  it('follow a change of application_name and a policy reload', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'sluice-memo-'));
    roots.push(root);
    const dir = path.join(root, 'policies');
    await mkdir(dir);
    await writeFile(
      path.join(dir, 'a.yml'),
      'rules:\n  - name: batch-no-inserts\n    scope: { application: batch }\n    match: { kind: InsertStmt }\n    action: deny\n    message: not from batch\n',
    );
    const store = await PolicyStore.open({ dir });
    try {
      const s = session();
      const insert = Object.freeze(
        classification(stmt('InsertStmt', { relations: [rel('payments')] })),
      );
      expect(store.decide(s, insert).action).toBe('review');
      s.applicationName = 'batch';
      expect(store.decide(s, insert)).toMatchObject({ action: 'deny', message: 'not from batch' });
      await writeFile(
        path.join(dir, 'a.yml'),
        'rules:\n  - name: inserts\n    match: { kind: InsertStmt }\n    action: allow\n',
      );
      expect((await store.reload()).ok).toBe(true);
      expect(store.decide(s, insert)).toMatchObject({ action: 'allow', rule: { name: 'inserts' } });
    } finally {
      store.close();
    }
  });

  it('share a decision between texts of one template, and only between those', async () => {
    clearClassifierCache();
    const store = await PolicyStore.open({
      dir: path.join(tmpdir(), 'sluice-no-such-dir'),
      defaultsIfMissing: true,
    });
    try {
      const s = session();
      const a = classify('SELECT abalance FROM pgbench_accounts WHERE aid = 1');
      const da = store.decide(s, a);
      const b = classify('SELECT abalance FROM pgbench_accounts WHERE aid = 2');
      expect(b.statements[0]!.sql).toBe('SELECT abalance FROM pgbench_accounts WHERE aid = 2');
      expect(verdictIdentity(b)).toBe(a);
      expect(store.decide(s, b)).toBe(da);
      const del = classify('DELETE FROM pgbench_accounts WHERE aid = 2');
      expect(verdictIdentity(del)).toBe(del);
      expect(store.decide(s, del)).toMatchObject({ action: 'review' });
    } finally {
      store.close();
    }
  });
});
