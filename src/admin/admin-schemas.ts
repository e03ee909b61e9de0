// The admin API's inputs, validated once at the boundary.
import { z } from 'zod';
import { RequestStatus } from '../approval/types.js';

// Identities and reasons end up in logs, PR comments and the audit log: no control
// characters (no forged log lines), bounded length.
// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const identity = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(NO_CONTROL, 'must not contain control characters');
// Tabs and newlines are fine in a reason; other control characters are not.
// eslint-disable-next-line no-control-regex
const REASON_CHARS = /^[^\u0000-\u0008\u000b-\u001f\u007f]*$/;
const reason = z
  .string()
  .trim()
  .max(2000)
  .regex(REASON_CHARS, 'must not contain control characters');

export const ApproveBody = z.strictObject({
  reason: reason.optional(),
  by: identity.optional(),
  /** Pin the approval to the statement you reviewed (sha256 hex, as shown by `sluice requests`). */
  bindingHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')
    .optional(),
});
export type ApproveBody = z.infer<typeof ApproveBody>;

export const DenyBody = z.strictObject({
  reason: reason.min(1, 'a denial needs a reason'),
  by: identity.optional(),
});
export type DenyBody = z.infer<typeof DenyBody>;

export const ListQuery = z.strictObject({
  status: z
    .union([
      z.enum(Object.values(RequestStatus) as [RequestStatus, ...RequestStatus[]]),
      z.literal('all'),
    ])
    .default('pending'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type ListQuery = z.infer<typeof ListQuery>;
