// Maps the BackendKeyData a client was given to the session that holds it, so a
// CancelRequest arriving on a fresh connection reaches the right place.
export interface Cancellable {
  /** Handles a cancel: cancels a held statement, or forwards to the server. */
  cancelRequested(raw: Buffer): void;
}

function keyOf(processId: number, secret: Buffer): string {
  return `${processId}:${secret.toString('hex')}`;
}

/** Where a CancelRequest for a key not registered here goes (a sibling worker, maybe). */
export type CancelElsewhere = (processId: number, secret: Buffer, raw: Buffer) => void;

export class CancelRegistry {
  private readonly sessions = new Map<string, Cancellable>();

  constructor(private readonly elsewhere?: CancelElsewhere) {}

  register(processId: number, secret: Buffer, session: Cancellable): () => void {
    const key = keyOf(processId, secret);
    this.sessions.set(key, session);
    return () => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    };
  }

  /** Unknown keys are dropped: Sluice is not a relay for arbitrary backends' cancels. */
  lookup(processId: number, secret: Buffer): Cancellable | undefined {
    return this.sessions.get(keyOf(processId, secret));
  }

  /** A client's CancelRequest: handled here, or handed on when the key is not ours. */
  cancel(processId: number, secret: Buffer, raw: Buffer): void {
    const session = this.lookup(processId, secret);
    if (session) session.cancelRequested(raw);
    else this.elsewhere?.(processId, secret, raw);
  }

  get size(): number {
    return this.sessions.size;
  }
}
