// The proxy's handle on one held statement. `request` is live: it reads the broker's
// current state, so the proxy can log the final status.
import type { ApprovalRequest, ExecutionOutcome, HeldHandle, Verdict } from './types.js';

/** HeldHandle whose actions return promises (they never reject) so callers may await them. */
export interface BrokerHandle extends HeldHandle {
  readonly id: string;
  cancel(reason: string): Promise<void>;
  reportOutcome(outcome: ExecutionOutcome): Promise<void>;
}

export class HeldRequest implements BrokerHandle {
  constructor(
    readonly id: string,
    private readonly current: () => ApprovalRequest,
    readonly verdict: Promise<Verdict>,
    private readonly actions: {
      cancel(reason: string): Promise<void>;
      reportOutcome(outcome: ExecutionOutcome): Promise<void>;
    },
  ) {}

  get request(): ApprovalRequest {
    return this.current();
  }

  cancel(reason: string): Promise<void> {
    return this.actions.cancel(reason);
  }

  reportOutcome(outcome: ExecutionOutcome): Promise<void> {
    return this.actions.reportOutcome(outcome);
  }
}
