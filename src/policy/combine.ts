// Step 4 of evaluation (see evaluate.ts): a query of several statements takes the strictest
// outcome. Any deny denies; otherwise any review reviews, with the strictest combination of
// the tiers and the union of the written tables; otherwise it is allowed.
import type { ApprovalTier, Decision } from './types.js';

/** The most restrictive combination of two tiers. */
export function strictestTier(a: ApprovalTier, b: ApprovalTier): ApprovalTier {
  const allOf = [...a.owners.allOf];
  for (const g of b.owners.allOf) {
    if (
      !allOf.some(
        (x) => x.anyOf.length === g.anyOf.length && x.anyOf.every((p, i) => p === g.anyOf[i]),
      )
    )
      allOf.push(g);
  }
  const tier: ApprovalTier = {
    approvals: Math.max(a.approvals, b.approvals),
    owners: { codeowners: a.owners.codeowners || b.owners.codeowners, allOf },
    allowSelfApproval: a.allowSelfApproval && b.allowSelfApproval,
    timeoutMs: Math.min(a.timeoutMs, b.timeoutMs),
    requireJustification: a.requireJustification || b.requireJustification,
    inTransaction: a.inTransaction === 'deny' || b.inTransaction === 'deny' ? 'deny' : 'hold',
    channel: a.channel,
  };
  const slack = a.slackWebhook ?? b.slackWebhook;
  if (slack !== undefined) tier.slackWebhook = slack;
  return tier;
}

/** Combines per-statement decisions into the query's decision (the header's step 4). */
export function combineDecisions(decisions: Decision[]): Decision | undefined {
  // The common case (one statement) is already its own decision.
  if (decisions.length === 1) return decisions[0];
  const redactParams = decisions.some((d) => d.redactParams === true);
  const reasons = decisions.flatMap((d, i) =>
    d.reasons.map((r) => (decisions.length > 1 ? `statement ${i + 1}: ${r}` : r)),
  );
  const deny = decisions.find((d) => d.action === 'deny');
  if (deny) return { ...deny, reasons, redactParams };
  let review: Extract<Decision, { action: 'review' }> | undefined;
  for (const d of decisions) {
    if (d.action !== 'review') continue;
    if (!review) {
      review = { ...d, paths: [...d.paths] };
      continue;
    }
    review.tier = strictestTier(review.tier, d.tier);
    for (const p of d.paths) if (!review.paths.some((x) => x.path === p.path)) review.paths.push(p);
  }
  if (review) return { ...review, reasons, redactParams };
  const first = decisions[0];
  return first ? { ...first, reasons, redactParams } : undefined;
}
