// Refusing a statement without lying about the transaction state.
//
// Answering a refused statement locally would mean inventing a ReadyForQuery, and
// while the server is inside a transaction ('T') a locally faked 'E' would let a later
// COMMIT commit the earlier writes. Instead Sluice sends the server something that
// fails harmlessly in the refused statement's place, so the server itself fails the
// transaction exactly as it would for any error, and rewrites that one error into the
// real reason. Each substitute carries a random nonce that the server echoes in its
// error message, so only that error is rewritten, never a genuine one.
import { randomBytes } from 'node:crypto';
import { serialize } from 'pg-protocol';
import { errorResponse, Field, parseErrorFields, type ErrorFields } from '../protocol/builders.js';

export interface PendingRewrite {
  nonce: string;
  error: Omit<ErrorFields, 'severity'>;
  /** Stale once this many ReadyForQuery have been seen (its batch ended without it). */
  staleAfterReady: number;
}

export function newNonce(): string {
  return `sluice_refused_${randomBytes(8).toString('hex')}`;
}

/** A Query the server rejects at raw parse: nothing is planned or run. */
export function substituteQuery(nonce: string): Buffer {
  return serialize.query(nonce);
}

/** An Execute of a portal that cannot exist: fails the extended-protocol batch. */
export function substituteExecute(nonce: string): Buffer {
  return serialize.execute({ portal: nonce, rows: 0 });
}

export class RewriteBook {
  private pending: PendingRewrite[] = [];

  get size(): number {
    return this.pending.length;
  }

  add(rewrite: PendingRewrite): void {
    this.pending.push(rewrite);
  }

  /** The server's ErrorResponse body: ours (rewritten) or a genuine one (undefined). */
  match(body: Buffer): Buffer | undefined {
    if (this.pending.length === 0) return undefined;
    const message = parseErrorFields(body).get(Field.Message) ?? '';
    const i = this.pending.findIndex((p) => message.includes(p.nonce));
    if (i < 0) return undefined;
    const [hit] = this.pending.splice(i, 1);
    return errorResponse(hit!.error);
  }

  /** Called at each ReadyForQuery with the running count. */
  expire(readySeen: number): void {
    if (this.pending.length === 0) return;
    this.pending = this.pending.filter((p) => p.staleAfterReady > readySeen);
  }
}
