// The gate on a session's client-to-server stream, after authentication.
//
// Each client frame is inspected in order. Reads and harmless protocol messages are
// forwarded as they are. A statement that needs review is held: it and every frame
// after it wait, in order, until its verdict. Approval forwards the exact held bytes;
// refusal sends the server a harmless failing substitute (see refusal.ts). Handlers
// return what to send; the session does the I/O.
import { FrontendCode, HEADER_LENGTH } from '../protocol/codes.js';
import type { Frame } from '../protocol/frontend-framer.js';
import {
  decodeBind,
  decodeBindTarget,
  decodeExecutePortal,
  decodeFrontend,
  decodeFunctionCall,
  decodeQueryText,
} from '../protocol/frontend-messages.js';
import { noticeResponse, type ErrorFields } from '../protocol/builders.js';
import { SqlState } from '../protocol/protocol-error.js';
import type { ApprovalGate, HeldHandle, TxStatus, Verdict } from '../approval/types.js';
import type { Decision, PolicyProvider, SessionIdentity } from '../policy/types.js';
import type { Classification } from '../sql/types.js';
import type { Logger } from '../util/log.js';
import { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { buildRequest, rowsFromTag, type HeldStatement } from './held-request.js';
import { newNonce, substituteExecute, substituteQuery, type RewriteBook } from './refusal.js';
import type { StatementClassifier } from './statement-classifier.js';
import type { CatalogCheck } from './catalog-check.js';

/** A Flush ('H') message. */
const FLUSH = Buffer.from([0x48, 0, 0, 0, 4]);

export interface Output {
  server: Buffer[];
  client: Buffer[];
}

type Kind = 'simple' | 'extended';

interface Held {
  frame: Frame;
  kind: Kind;
  /** Date.now() when held, for the hold-duration histogram. */
  since: number;
  handle?: HeldHandle;
  cancelled?: string;
  /** It may change the catalog (DDL): once it has run, the snapshot is stale. */
  changesCatalog?: boolean;
  /** It may create objects only this session sees (temporary views, functions, …). */
  sessionObjects?: boolean;
}

/** A statement waiting for the catalog snapshot to be (re)loaded before its verdict. */
interface Waiting {
  frame: Frame;
  kind: Kind;
  subject: string;
}

interface Tracker {
  handle: HeldHandle;
  staleAfterReady: number;
  started: number;
  tags: string[];
  error?: { code: string; message: string };
}

export interface GatekeeperDeps {
  classifier: StatementClassifier;
  policy: PolicyProvider;
  gate?: ApprovalGate;
  /** The session as policy sees it: a live object, not copied per statement. */
  identity: SessionIdentity;
  /** The session as an approval request records it. */
  requestIdentity(): SessionIdentity & { sessionId: string; requester?: string };
  txStatus(): TxStatus;
  /** Called with output produced asynchronously (after a verdict). */
  send(out: Output): void;
  /** Whether command tags and errors must be reported (a released statement is running). */
  trackOutcome(on: boolean): void;
  logger: Logger;
  /** Where statements and holds are counted (default: a private, unread set). */
  metrics?: ProxyMetrics;
  /** The database's catalog (src/catalog): without it, static verdicts only. */
  catalog?: CatalogCheck;
}

/** For gatekeepers made without metrics (tests, benches): counted, never read. */
let unread: ProxyMetrics | undefined;

export class Gatekeeper {
  private held: Held | undefined;
  private waiting: Waiting | undefined;
  /**
   * A statement that may change the catalog was sent: the count of ReadyForQuery after
   * which it has run (its transaction may still be open then).
   */
  private catalogChangeAfter: number | undefined;
  /** The session may have temporary objects no snapshot sees: judged blind for good. */
  private seesUnseen = false;
  private queue: Frame[] = [];
  private queuedBytes = 0;
  private syncsSent = 0;
  private readySeen = 0;
  private trackers: Tracker[] = [];
  /**
   * The Bind of each open portal, decoded only if its Execute is held. Keeping the frame
   * (a view of the network chunk) costs a map entry per Bind instead of a copy and a
   * parameter decode.
   */
  private binds = new Map<string, Frame>();
  /** The unnamed portal's Bind, kept apart: it is rebound every transaction. */
  private unnamedBind: Frame | undefined;
  private closed = false;
  private authReadySkipped = false;
  private readonly metrics: ProxyMetrics;
  /** The statement counters, by class then decision: slots, not label lookups. */
  private readonly counts: ProxyMetrics['statements'];

  constructor(
    private readonly deps: GatekeeperDeps,
    /** Shared with the server observer, which applies the rewrites. */
    private readonly rewrites: RewriteBook,
  ) {
    this.metrics = deps.metrics ?? (unread ??= new ProxyMetrics());
    this.counts = this.metrics.statements;
  }

  /**
   * Nothing held or queued, and every Query and Sync sent has been answered: closing the
   * session now cuts no work short (the drain after SIGTERM waits for this).
   */
  get idle(): boolean {
    return (
      !this.held && !this.waiting && this.queue.length === 0 && this.syncsSent === this.readySeen
    );
  }

  get holding(): boolean {
    return this.held !== undefined;
  }

  get queuedByteCount(): number {
    return this.queuedBytes;
  }

  /** Inspects frames in order; frames after a held one wait in the queue. */
  process(frames: Frame[], out: Output): void {
    for (let i = 0; i < frames.length; i++) {
      if (this.held || this.waiting) {
        for (; i < frames.length; i++) this.enqueue(frames[i]!);
        return;
      }
      this.inspect(frames[i]!, out);
    }
  }

  /** Frames behind a held statement wait here, in order, for its verdict. */
  private enqueue(frame: Frame): void {
    this.queue.push(frame);
    this.queuedBytes += frame.raw.length;
  }

  private inspect(frame: Frame, out: Output): void {
    const { classifier } = this.deps;
    switch (frame.code) {
      case FrontendCode.Query: {
        // Most Queries repeat a recent statement with other constants: judged on their
        // bytes, allowed without decoding them. Anything else takes the full path.
        const raw = frame.raw;
        const last = raw.length - 1;
        const repeat =
          raw[last] === 0 ? classifier.repeatedQuery(raw, HEADER_LENGTH, last) : undefined;
        if (
          repeat &&
          // The catalog's verdict is the template's own when it touches no user object
          // (and the session has no catalog change of its own in flight: full path then).
          (!this.deps.catalog ||
            (this.catalogChangeAfter === undefined &&
              !this.seesUnseen &&
              this.deps.catalog.judge(repeat) === repeat)) &&
          this.deps.policy.decide(this.deps.identity, repeat).action === 'allow'
        ) {
          classifier.queryRepeated(repeat);
          this.counts[repeat.class].allow.value++;
          this.syncsSent++;
          break;
        }
        const sql = decodeQueryText(frame);
        this.gateStatement(frame, 'simple', classifier.query(sql), sql, out);
        return;
      }
      case FrontendCode.Parse: {
        const msg = decodeFrontend(frame);
        if (msg.type === 'Parse') classifier.parse(msg.name, msg.sql);
        break;
      }
      case FrontendCode.Bind: {
        const msg = decodeBindTarget(frame);
        classifier.bind(msg.portal, msg.statement);
        if (msg.portal === '') this.unnamedBind = frame;
        else this.binds.set(msg.portal, frame);
        break;
      }
      case FrontendCode.Execute: {
        const portal = decodeExecutePortal(frame);
        this.gateStatement(frame, 'extended', classifier.portal(portal), portal, out);
        return;
      }
      case FrontendCode.Close: {
        const msg = decodeFrontend(frame);
        if (msg.type !== 'Close') break;
        classifier.close(msg.target, msg.name);
        if (msg.target === 'P' && msg.name === '') this.unnamedBind = undefined;
        else if (msg.target === 'P') this.binds.delete(msg.name);
        break;
      }
      case FrontendCode.FunctionCall: {
        // Large-object reads (libpq's lo_* API) go to the policy like any read; every
        // other call is refused. Either way the server answers with one ReadyForQuery.
        const c = classifier.functionCall(decodeFunctionCall(frame));
        if (c.class === 'forbidden') {
          this.counts[c.class].deny.value++;
          this.refuse('simple', forbiddenError(c), out);
        } else this.gateStatement(frame, 'simple', c, c.statements[0]?.sql ?? '', out);
        return;
      }
      case FrontendCode.Sync:
        this.syncsSent++;
        classifier.sync();
        break;
      default:
        // Describe, Flush, Terminate, copy sub-protocol and password messages have no
        // side effects of their own (COPY FROM was gated at its Query).
        break;
    }
    out.server.push(frame.raw);
  }

  /**
   * `subject` is the Query's text or the Execute's portal name; what an approver sees is
   * only built from it when the statement is held, so reads pay nothing for it.
   */
  private gateStatement(
    frame: Frame,
    kind: Kind,
    static_: Classification,
    subject: string,
    out: Output,
  ): void {
    const catalog = this.deps.catalog;
    // After this session's own catalog change, until its transaction ends, the session sees
    // objects the snapshot cannot (uncommitted): what names them is judged blind, strictly.
    const judged = !catalog
      ? static_
      : this.catalogChangeAfter !== undefined || this.seesUnseen
        ? catalog.judgeUnseen(static_)
        : catalog.judge(static_);
    if (judged instanceof Promise) {
      this.waitForCatalog({ frame, kind, subject }, judged);
      return;
    }
    this.decide(frame, kind, judged, subject, out);
  }

  /**
   * The snapshot is being (re)loaded: this statement and every frame after it wait, in
   * order, for its verdict (the wait is bounded by the catalog, which never rejects).
   */
  private waitForCatalog(w: Waiting, verdict: Promise<Classification>): void {
    this.waiting = w;
    void verdict.then((c) => {
      if (this.waiting !== w) return;
      this.waiting = undefined;
      if (this.closed) return;
      const out: Output = { server: [], client: [] };
      this.decide(w.frame, w.kind, c, w.subject, out);
      this.drainQueue(out);
      this.deps.send(out);
    });
  }

  /** Frames queued behind a verdict, gated in order now that it is given. */
  private drainQueue(out: Output): void {
    const queued = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.process(queued, out);
  }

  private decide(frame: Frame, kind: Kind, c: Classification, subject: string, out: Output): void {
    if (c.class === 'invalid') {
      this.counts.invalid.deny.value++;
      this.refuse(
        kind,
        {
          code: SqlState.SyntaxError,
          message: c.error?.message ?? 'syntax error',
          ...(c.error?.cursorPosition ? { position: c.error.cursorPosition } : {}),
        },
        out,
      );
      return;
    }
    const decision: Decision = this.deps.policy.decide(this.deps.identity, c);
    this.counts[c.class][decision.action].value++;
    switch (decision.action) {
      case 'allow':
        if (kind === 'simple') this.syncsSent++;
        out.server.push(frame.raw);
        if (c.class !== 'read' && this.deps.catalog?.mayChange(c))
          this.catalogChanging(kind, this.deps.catalog.sessionObjects(c));
        return;
      case 'deny':
        this.refuse(
          kind,
          {
            code: SqlState.InsufficientPrivilege,
            message: `Sluice: ${decision.message}`,
            detail: `Refused by rule ${decision.rule.id}.`,
          },
          out,
        );
        return;
      case 'review':
        this.beginHold(frame, kind, c, decision, this.heldStatement(frame, kind, c, subject), out);
        return;
    }
  }

  private heldStatement(
    frame: Frame,
    kind: Kind,
    c: Classification,
    subject: string,
  ): HeldStatement {
    if (kind === 'simple') return { sql: subject, statementBytes: frame.raw };
    const bindFrame = subject === '' ? this.unnamedBind : this.binds.get(subject);
    // A private copy: the frame is a view of a network buffer.
    const bind = bindFrame
      ? decodeBind({ code: bindFrame.code, raw: Buffer.from(bindFrame.raw) })
      : undefined;
    // What the portal runs: the prepared statement's own text.
    const sql = c.statements.map((s) => s.resolvedSql ?? s.sql).join('; ');
    return { sql, statementBytes: Buffer.from(sql, 'utf8'), bind };
  }

  private beginHold(
    frame: Frame,
    kind: Kind,
    c: Classification,
    decision: Extract<Decision, { action: 'review' }>,
    stmt: HeldStatement,
    out: Output,
  ): void {
    const { gate } = this.deps;
    const tx = this.deps.txStatus();
    if (!gate) {
      this.refuse(
        kind,
        {
          code: SqlState.InsufficientPrivilege,
          message: 'Sluice: this statement needs approval, and no approval channel is configured',
        },
        out,
      );
      return;
    }
    if (tx !== 'I' && decision.tier.inTransaction === 'deny') {
      this.refuse(
        kind,
        {
          code: SqlState.InsufficientPrivilege,
          message:
            'Sluice: this statement needs approval and cannot be held inside an open transaction',
          detail: `Rule ${decision.rule.id} refuses holds inside transactions.`,
          hint: 'Run it outside BEGIN … COMMIT.',
        },
        out,
      );
      return;
    }
    const held: Held = {
      frame,
      kind,
      since: Date.now(),
      changesCatalog: this.deps.catalog?.mayChange(c) ?? false,
      sessionObjects: this.deps.catalog?.sessionObjects(c) ?? false,
    };
    this.held = held;
    this.metrics.held.value++;
    // The server buffers its answers to an extended-protocol batch until Sync or Flush;
    // the Sync is now queued behind the held statement, so without this Flush the
    // answers to the reads ahead of it would wait for the verdict too. Flush has no
    // other effect (it is ignored in COPY and while the server skips to Sync).
    out.server.push(FLUSH);
    const request = buildRequest(stmt, {
      session: this.deps.requestIdentity(),
      transactionStatus: tx,
      classification: c,
      decision,
      redactParams: decision.redactParams ?? false,
    });
    gate.hold(request).then(
      (handle) => {
        held.handle = handle;
        if (this.closed || held.cancelled) handle.cancel(held.cancelled ?? 'client disconnected');
        else {
          const notice = noticeResponse({
            code: '00000',
            message: `Sluice: statement held for approval as request ${handle.request.id}`,
            detail: `Rule ${decision.rule.id}; expires ${handle.request.expiresAt}.`,
            hint: `Approve with: sluice approve ${handle.request.id}`,
          });
          this.deps.send({ server: [], client: [notice] });
        }
        void handle.verdict.then((v) => this.onVerdict(held, v));
      },
      (err: unknown) => {
        // Fail closed: a request that cannot be recorded is never released. The broker's
        // own refusals (HoldRefusedError: justification missing, shutting down) are meant
        // for the client; any other failure is logged and shown generically.
        if (err instanceof Error && err.name === 'HoldRefusedError') {
          this.onVerdict(held, { kind: 'refused', message: err.message });
          return;
        }
        this.deps.logger.error({ err }, 'could not record approval request; refusing statement');
        this.onVerdict(held, {
          kind: 'denied',
          by: 'sluice',
          reason: 'the approval request could not be recorded',
        });
      },
    );
  }

  /** `refused`: the broker would not hold it (nothing was recorded). */
  private onVerdict(held: Held, verdict: Verdict | { kind: 'refused'; message: string }): void {
    if (this.held !== held) return;
    this.held = undefined;
    this.metrics.held.value--;
    this.metrics.holdDuration.observe((Date.now() - held.since) / 1000);
    if (this.closed) return;
    const out: Output = { server: [], client: [] };
    const id = held.handle?.request.id ?? '(unrecorded)';
    switch (verdict.kind) {
      case 'approved':
        out.server.push(held.frame.raw);
        if (held.kind === 'simple') this.syncsSent++;
        if (held.changesCatalog) this.catalogChanging(held.kind, held.sessionObjects ?? false);
        if (held.handle) {
          this.trackers.push({
            handle: held.handle,
            staleAfterReady: held.kind === 'simple' ? this.syncsSent : this.syncsSent + 1,
            started: Date.now(),
            tags: [],
          });
          this.deps.trackOutcome(true);
        }
        break;
      case 'denied':
        this.refuse(
          held.kind,
          {
            code: SqlState.InsufficientPrivilege,
            message: `Sluice: request ${id} was denied by ${verdict.by}: ${verdict.reason}`,
          },
          out,
        );
        break;
      case 'expired':
        this.refuse(
          held.kind,
          {
            code: SqlState.ApprovalExpired,
            message: `Sluice: request ${id} expired without approval`,
            hint: "Ask an owner to approve sooner, or raise the rule's timeout.",
          },
          out,
        );
        break;
      case 'unreachable':
        this.refuse(
          held.kind,
          {
            code: SqlState.ApprovalUnreachable,
            message: `Sluice: request ${id} could not be sent for approval: ${verdict.reason}`,
            detail: 'Nothing was executed: no approver was asked.',
            hint: 'Retry when GitHub is reachable again; the proxy log has each failed call.',
          },
          out,
        );
        break;
      case 'refused':
        this.refuse(
          held.kind,
          { code: SqlState.InsufficientPrivilege, message: `Sluice: ${verdict.message}` },
          out,
        );
        break;
      case 'cancelled':
        this.refuse(
          held.kind,
          {
            code: SqlState.QueryCanceled,
            message: 'canceling statement due to user request',
            detail: `Sluice request ${id} was cancelled: ${verdict.reason}`,
          },
          out,
        );
        break;
    }
    this.drainQueue(out);
    this.deps.send(out);
  }

  /** Just sent a statement that may change the catalog (called after its Query is counted). */
  private catalogChanging(kind: Kind, sessionObjects: boolean): void {
    if (sessionObjects) this.seesUnseen = true;
    const after = kind === 'simple' ? this.syncsSent : this.syncsSent + 1;
    this.catalogChangeAfter = Math.max(this.catalogChangeAfter ?? 0, after);
  }

  private refuse(kind: Kind, error: Omit<ErrorFields, 'severity'>, out: Output): void {
    const nonce = newNonce();
    if (kind === 'simple') {
      out.server.push(substituteQuery(nonce));
      this.syncsSent++;
      this.rewrites.add({ nonce, error, staleAfterReady: this.syncsSent });
    } else {
      out.server.push(substituteExecute(nonce));
      this.rewrites.add({ nonce, error, staleAfterReady: this.syncsSent + 1 });
    }
  }

  /** CancelRequest from the client: true if it cancelled a held statement. */
  cancelHeld(): boolean {
    const held = this.held;
    if (!held) return false;
    const reason = 'cancelled by the client (CancelRequest)';
    if (held.handle) held.handle.cancel(reason);
    else held.cancelled = reason;
    return true;
  }

  commandComplete(tag: string): void {
    this.trackers[0]?.tags.push(tag);
  }

  serverError(code: string, message: string): void {
    const t = this.trackers[0];
    if (t && !t.error) t.error = { code, message };
  }

  /** Any ErrorResponse from the server (the classifier learns its batch failed). */
  serverFailed(): void {
    this.deps.classifier.serverError();
  }

  readyForQuery(): void {
    // The classifier wants every one, the start-up's included (it skips that one itself).
    this.deps.classifier.readyForQuery();
    // The gatekeeper starts at AuthenticationOk: the first ReadyForQuery ends start-up and
    // answers no client message, so it is not counted against Syncs and Queries.
    if (!this.authReadySkipped) {
      this.authReadySkipped = true;
      return;
    }
    this.readySeen++;
    this.rewrites.expire(this.readySeen);
    // The catalog change is visible to the snapshot's side connection once its
    // transaction has ended (committed or not: a rollback is a change back).
    const after = this.catalogChangeAfter;
    if (after !== undefined && this.readySeen >= after && this.deps.txStatus() === 'I') {
      this.catalogChangeAfter = undefined;
      this.deps.catalog?.changed();
    }
    while (this.trackers.length > 0 && this.trackers[0]!.staleAfterReady <= this.readySeen) {
      const t = this.trackers.shift()!;
      const tag = t.tags.at(-1);
      const rows = tag ? rowsFromTag(tag) : undefined;
      t.handle.reportOutcome({
        ok: !t.error,
        ...(tag ? { commandTag: tag } : {}),
        ...(rows !== undefined ? { rows } : {}),
        durationMs: Date.now() - t.started,
        ...(t.error ? { error: t.error } : {}),
      });
    }
    if (this.trackers.length === 0) this.deps.trackOutcome(false);
  }

  /** The client is gone: a held statement is cancelled and never runs. */
  dispose(reason = 'client disconnected'): void {
    this.closed = true;
    this.waiting = undefined;
    if (this.catalogChangeAfter !== undefined) this.deps.catalog?.changed();
    const held = this.held;
    if (held) {
      if (held.handle) held.handle.cancel(reason);
      else held.cancelled = reason;
    }
    this.queue = [];
  }
}

function forbiddenError(c: Classification): Omit<ErrorFields, 'severity'> {
  const reasons = c.statements.flatMap((s) => s.reasons);
  return {
    code: SqlState.InsufficientPrivilege,
    message: `Sluice: ${reasons[0] ?? 'this statement is forbidden'}`,
  };
}
