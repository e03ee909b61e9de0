// Per-connection classification: what EXECUTE, FETCH and protocol Executes actually run
// depends on what this session prepared and declared, and the server's reported
// settings decide whether our parser still reads SQL the way the server does.
//
// The proxy calls query() for a simple Query, parse()/bind()/portal()/close() for the
// extended protocol, parameterStatus() for every ParameterStatus, and, for exact
// tracking of names across batches, sync() on the client's Sync plus readyForQuery()
// and serverError() for the server's ReadyForQuery and ErrorResponse (see
// session-names.ts for why; without them reused names are judged more strictly).
import { classifierCacheStats } from './cache-stats.js';
import { canonicalOptions, classify, classifyAsync, fitsShape, queryShape } from './classify.js';
import { classificationOf, mergeInfos, resolvedInfo } from './info-merge.js';
import { judgeFunctionCall, type FunctionCallMessage } from './function-call-rules.js';
import { ParserAgreement } from './parser-agreement.js';
import { SessionNames, type Entry } from './session-names.js';
import type { QueryShape } from './template-cache.js';
import { unknownCursorReason, unknownPreparedReason } from './session-rules.js';
import { Flag, type Classification, type ClassifierOptions, type StatementInfo } from './types.js';

type Mode = 'certain' | 'possible';

export class SessionClassifier {
  private opts: ClassifierOptions;
  private readonly names = new SessionNames();
  private readonly agreement = new ParserAgreement();
  /**
   * The lexical key of a recent Query whose verdict came from one (repeatedQuery()),
   * under the current options: setOptions() forgets it.
   */
  private shape: QueryShape | undefined;

  constructor(opts: ClassifierOptions = {}) {
    this.opts = canonicalOptions(opts);
  }

  /** Policy reload: later statements are classified with the new options. */
  setOptions(opts: ClassifierOptions): void {
    this.opts = canonicalOptions(opts);
    this.shape = undefined;
  }

  /** A simple-protocol Query message. */
  query(sql: string): Classification {
    const c = classify(sql, this.opts);
    this.shape = queryShape(c, this.opts);
    return this.runQuery(this.agreement.check(sql, c));
  }

  /**
   * The verdict a Query's text would get, from its UTF-8 bytes `text[start, end)` alone,
   * when it has the lexical key of this session's latest Query that had one (an application
   * sends one statement shape many times in a row): nothing decoded, hashed or built. Changes
   * nothing; undefined means "call query()". The verdict is the template's own frozen
   * one, with the text it was first made for; after deciding on it, call
   * queryRepeated() instead of query().
   */
  repeatedQuery(text: Uint8Array, start: number, end: number): Classification | undefined {
    const s = this.shape;
    // Such verdicts are plain reads without names to resolve: only the options and the
    // parser's agreement with the server could change them.
    if (!s || this.agreement.active) return undefined;
    return fitsShape(s, text, start, end) ? s.verdict : undefined;
  }

  /** query() for a Query whose verdict came from repeatedQuery(): records the same. */
  queryRepeated(verdict: Classification): Classification {
    classifierCacheStats.hits++;
    return this.runQuery(verdict);
  }

  /** query() for texts of any size: long ones are parsed off the event loop. */
  async queryAsync(sql: string): Promise<Classification> {
    const c = await classifyAsync(sql, this.opts);
    return this.runQuery(this.agreement.check(sql, c));
  }

  /** Extended-protocol Parse ('' is the unnamed statement, replaced by every Parse). */
  parse(statementName: string, sql: string): Classification {
    return this.runParse(statementName, sql, this.agreement.check(sql, classify(sql, this.opts)));
  }

  async parseAsync(statementName: string, sql: string): Promise<Classification> {
    const c = await classifyAsync(sql, this.opts);
    return this.runParse(statementName, sql, this.agreement.check(sql, c));
  }

  bind(portalName: string, statementName: string): void {
    const entries = this.names.lookup('S', statementName);
    this.names.set('P', portalName, entries.length > 0 ? entries : null);
  }

  /**
   * An Execute of a portal: what it runs; an unknown portal is a write, never a read. For
   * a portal of one plain statement this is the very classification its Parse got, so a
   * statement executed again and again costs no new objects.
   */
  portal(portalName: string): Classification {
    const entries = this.names.lookup('P', portalName);
    if (entries.length === 0) return unknownPortal(portalName);
    const out =
      entries.length === 1
        ? this.resolveAll(entries[0]!.classification, 'possible')
        : mergeClassifications(
            entries.map((e) => this.resolveAll(e.classification, 'possible')),
            portalName,
          );
    return this.agreement.gate(out);
  }

  close(kind: 'S' | 'P', name: string): void {
    this.names.set(kind, name, null);
  }

  /** The client sent Sync: the batch of extended-protocol messages is complete. */
  sync(): void {
    this.names.closeBatch();
  }

  /**
   * The server sent ReadyForQuery. Call it for every one, including the one that ends
   * the start-up (which is skipped). Missing calls only make names stricter; calls for
   * ReadyForQuery messages caused by something the classifier did not see (a query the
   * proxy sent on its own) must not be made.
   */
  readyForQuery(): void {
    this.names.readyForQuery();
  }

  /** The server sent ErrorResponse: part of the current batch did not run. */
  serverError(): void {
    this.names.serverError();
  }

  parameterStatus(name: string, value: string): void {
    this.agreement.parameterStatus(name, value);
  }

  /**
   * The FunctionCall ('F') message calls a function by OID: only the large-object read
   * calls pass (function-call-rules.ts). Forwarded or refused, it ends in one ReadyForQuery.
   */
  functionCall(call: FunctionCallMessage): Classification {
    if (this.names.inBatch) this.names.expectReady();
    else this.names.closeBatch();
    return judgeFunctionCall(call);
  }

  /** The text a prepared statement holds (for approvers); several texts if ambiguous. */
  statementText(name: string): string | undefined {
    const entries = this.names.lookup('S', name);
    if (entries.length === 0) return undefined;
    return [...new Set(entries.map((e) => e.sql))].join('\n-- or --\n');
  }

  private runQuery(c: Classification): Classification {
    const inBatch = this.names.inBatch;
    if (inBatch) this.names.expectReady();
    const out = this.resolveAll(c, 'certain');
    if (!inBatch) this.names.closeBatch();
    return out;
  }

  private runParse(name: string, sql: string, c: Classification): Classification {
    this.names.set('S', name, this.redefined(name, { classification: c, sql, holdable: false }));
    return this.resolveAll(c, null);
  }

  /**
   * A named prepared statement cannot be redefined while it exists: the server rejects the
   * second Parse or PREPARE ("already exists") and keeps the first, which outlives even a
   * rolled-back transaction. So whatever the name may still hold stays a candidate beside
   * the new text (fail closed); only the unnamed statement is replaced by every Parse.
   */
  private redefined(name: string, entry: Entry): readonly Entry[] {
    return name === '' ? [entry] : [...this.names.lookup('S', name), entry];
  }

  /**
   * Resolves each statement; with a mode, also applies its name effects. Returns `c`
   * itself when no statement names anything to resolve (the common case).
   */
  private resolveAll(c: Classification, mode: Mode | null): Classification {
    let statements: StatementInfo[] | undefined;
    const all = c.statements;
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      const r = this.resolve(s);
      if (mode) this.apply(s, mode);
      if (r !== s && !statements) statements = all.slice(0, i);
      statements?.push(r);
    }
    return statements ? classificationOf(statements, c.error) : c;
  }

  private resolve(s: StatementInfo): StatementInfo {
    const e = s.effect;
    if (e?.type === 'execute') {
      const targets = this.names.lookup('S', e.name).flatMap((x) => x.classification.statements);
      if (targets.length === 0) return s;
      const target = mergeInfos(
        targets,
        `prepared statement ${e.name} may be any of several statements`,
      );
      return resolvedInfo(
        s,
        target,
        e.paramsClass,
        unknownPreparedReason(e.name),
        `runs prepared statement ${e.name}`,
      );
    }
    if (e?.type === 'fetch') {
      const targets = this.names.lookup('P', e.name).flatMap((x) => x.classification.statements);
      if (targets.length === 0) return s;
      const target = mergeInfos(targets, `cursor ${e.name} may be any of several queries`);
      return resolvedInfo(
        s,
        target,
        'read',
        unknownCursorReason(e.name),
        `runs more of cursor ${e.name}`,
      );
    }
    return s;
  }

  private apply(s: StatementInfo, mode: Mode): void {
    const e = s.effect;
    if (!e) return;
    const put = (space: 'S' | 'P', name: string, entry: Entry): void => {
      if (mode === 'certain')
        this.names.set(space, name, space === 'S' ? this.redefined(name, entry) : [entry]);
      else this.names.add(space, name, entry);
    };
    switch (e.type) {
      case 'prepare':
        put('S', e.name, {
          classification: classificationOf([e.statement]),
          sql: e.statement.sql,
          holdable: false,
        });
        return;
      case 'declare':
        put('P', e.name, {
          classification: classificationOf([e.statement]),
          sql: e.statement.sql,
          holdable: e.hold,
        });
        return;
      case 'execute':
      case 'fetch':
        return;
      case 'deallocate':
      case 'close':
      case 'discard':
      case 'transaction_end':
        // Removals through a portal may not have happened: never applied (fail closed).
        if (mode === 'certain') this.remove(e);
        return;
    }
  }

  private remove(
    e: Extract<
      NonNullable<StatementInfo['effect']>,
      { type: 'deallocate' | 'close' | 'discard' | 'transaction_end' }
    >,
  ): void {
    switch (e.type) {
      case 'deallocate':
        if (e.name === null) this.names.clear('S');
        else this.names.set('S', e.name, null);
        return;
      case 'close':
        if (e.name === null) this.names.clear('P');
        else this.names.set('P', e.name, null);
        return;
      case 'discard':
        this.names.clear('S');
        this.names.clear('P');
        return;
      case 'transaction_end':
        this.names.clear('P', (entry) => entry.holdable);
        return;
    }
  }
}

function unknownPortal(name: string): Classification {
  const shown = name === '' ? 'the unnamed portal' : `portal ${name}`;
  return {
    class: 'write',
    statements: [
      {
        sql: '',
        location: 0,
        length: 0,
        kind: 'Execute',
        class: 'write',
        relations: [],
        functions: [],
        flags: [Flag.preparedUnknown],
        risk: 'medium',
        reasons: [`Execute of ${shown}, which was not bound in this session, so it may write`],
        fingerprint: '',
      },
    ],
  };
}

function mergeClassifications(all: Classification[], portalName: string): Classification {
  const infos = all.flatMap((c) => c.statements);
  const shown = portalName === '' ? 'the unnamed portal' : `portal ${portalName}`;
  return classificationOf([mergeInfos(infos, `${shown} may run any of several statements`)]);
}
