// Reasons the broker refuses to hold a statement before recording anything. The proxy
// answers the client with `message`.
import type { NewRequest } from './types.js';

export class HoldRefusedError extends Error {
  constructor(
    readonly code: 'justification_required' | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'HoldRefusedError';
  }
}

/** Throws HoldRefusedError when `nr` may not be held. */
export function assertHoldable(nr: NewRequest, closed: boolean): void {
  if (closed) throw new HoldRefusedError('closed', 'Sluice is shutting down');
  if (nr.tier.requireJustification && !nr.justification?.trim()) {
    throw new HoldRefusedError(
      'justification_required',
      `rule ${nr.rule.id} requires a justification: start the statement with /* sluice: reason=... */`,
    );
  }
}
