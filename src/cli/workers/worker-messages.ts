// What the primary and its workers say to each other over the cluster IPC channel. Each
// side validates what it receives once, here, and then trusts the types.
import { z } from 'zod';

/** A CancelRequest, relayed: the raw packet is forwarded to the server unchanged. */
const cancel = z.object({
  type: z.literal('cancel'),
  processId: z.number().int(),
  secret: z.string().regex(/^[0-9a-f]*$/),
  raw: z.string(),
});

export const ToWorker = z.discriminatedUnion('type', [
  cancel,
  /** Asks for the worker's metrics text and session count; answered with 'report'. */
  z.object({ type: z.literal('report'), id: z.number().int() }),
  z.object({ type: z.literal('drain'), graceMs: z.number().int().nonnegative() }),
  z.object({ type: z.literal('stop') }),
  /** SIGHUP reached the primary: reload the policy files. */
  z.object({ type: z.literal('reload') }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

export const FromWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), host: z.string(), port: z.number().int() }),
  cancel,
  z.object({
    type: z.literal('report'),
    id: z.number().int(),
    metrics: z.string(),
    sessions: z.number().int(),
    /** The worker's catalog snapshots, as GET /api/status shows them. */
    catalog: z.unknown(),
  }),
  z.object({ type: z.literal('drained'), forced: z.number().int() }),
  /** Start-up failed: the primary reports this instead of a bare exit code. */
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorker>;

/** Everything a worker needs to serve, resolved by the primary (env SLUICE_WORKER_CONFIG). */
export const WorkerConfig = z.object({
  index: z.number().int().nonnegative(),
  listenHost: z.string(),
  listenPort: z.number().int(),
  upstreamUrl: z.string(),
  controlUrl: z.string(),
  stateDir: z.string(),
  policiesDir: z.string().optional(),
  policyDir: z.string(),
  repoRoot: z.string(),
  codeowners: z.string().optional(),
  tls: z.object({ certFile: z.string(), keyFile: z.string() }).optional(),
  maxMessageLength: z.number().int().positive().optional(),
  leaseMs: z.number().int().optional(),
  noCatalog: z.boolean().optional(),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;

export const WORKER_CONFIG_ENV = 'SLUICE_WORKER_CONFIG';
