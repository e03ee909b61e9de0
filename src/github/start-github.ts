// GitHub mode, in the proxy's process: the Probot app on the admin listener (webhooks at
// /api/github/webhooks), subscribed to the broker so held statements become PRs. Without
// credentials it serves the registration flow at /probot instead. Credentials without a
// webhook secret are refused (readGitHubEnv throws GitHubConfigError).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Probot } from 'probot';
import type { ApprovalBroker } from '../approval/types.js';
import type { AuditLog } from '../audit/audit-types.js';
import { silentLogger, type Logger } from '../util/log.js';
import { catchUp, subscribeGitHub } from './channel-router.js';
import { MemoryDeliveryGuard, type DeliveryGuard } from './delivery-guard.js';
import type { GitHubDeps } from './github-deps.js';
import { readGitHubEnv, type GitHubAppEnv } from './github-env.js';
import type { GitHubSettingsSource } from './github-settings.js';
import { InstallationClients } from './installation-clients.js';
import { KeyedLock } from './keyed-lock.js';
import { createOctokitClass, type ApiErrorListener, type OctokitTuning } from './octokit-class.js';
import { githubSettingsFromPolicy, type PolicyGitHubView } from './policy-settings.js';
import { estimateRows } from './row-estimate.js';
import { createSetupHandler, SETUP_PATH, WEBHOOK_PATH } from './setup-flow.js';
import { registerWebhooks } from './webhook-handlers.js';
import { signatureGate } from './signature-gate.js';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The part of the admin listener GitHub mode needs (src/admin/admin-server.ts). */
export interface AdminMount {
  use(prefix: string, handler: NodeHandler): unknown;
  addStatus?(name: string, provider: () => unknown): unknown;
}

export interface StartGitHubOptions {
  broker: ApprovalBroker;
  /** The policy store: approvals repo and base branch (settings.github), identity map, Slack. */
  policy?: PolicyGitHubView;
  /** Or the settings directly (tests, embedding); wins over `policy`. */
  settings?: GitHubSettingsSource;
  /** Where to mount the webhook (and setup) handlers; omit to mount them yourself. */
  admin?: AdminMount;
  logger?: Logger;
  /** APP_ID, PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST, GHE_PROTOCOL, GH_ORG. */
  env?: NodeJS.ProcessEnv;
  /** The audit log: GitHub votes refused before reaching the broker are recorded here. */
  audit?: Pick<AuditLog, 'append'>;
  /** postgres:// URL for row estimates (EXPLAIN); the database is set per request. */
  estimateUrl?: string;
  /** Retry/backoff/pacing knobs (tests shorten the waits). */
  tuning?: OctokitTuning;
  /** The webhook replay guard; replicas share one in the control database. Default: in memory. */
  deliveryGuard?: DeliveryGuard;
  /** Setup mode: where to write the new App's credentials (default ./.env). */
  envFile?: string;
  /** Told of each GitHub API call that failed after retries (metrics). */
  onApiError?: ApiErrorListener;
}

export type GitHubService =
  | { mode: 'setup'; path: string; handler: NodeHandler; close(): Promise<void> }
  | {
      mode: 'app';
      appId: number;
      baseUrl: string;
      webhookPath: string;
      /** owner/repo requests go to (the policy's settings.github), null when none is set. */
      repo(): string | null;
      probot: Probot;
      handler: NodeHandler;
      /** Resolves when every queued GitHub update has finished (tests, shutdown). */
      idle(): Promise<void>;
      close(): Promise<void>;
    };

export async function startGitHub(opts: StartGitHubOptions): Promise<GitHubService> {
  const logger = (opts.logger ?? silentLogger).child({ component: 'github' });
  const env = readGitHubEnv(opts.env ?? process.env);

  if (env.mode === 'setup') {
    const handler = createSetupHandler({
      env,
      logger,
      ...(opts.envFile ? { envFile: opts.envFile } : {}),
    });
    opts.admin?.use(SETUP_PATH, handler);
    opts.admin?.addStatus?.('github', () => ({ mode: 'setup', path: SETUP_PATH }));
    // Not a warning: local approvals are the zero-config default; the banner says where.
    logger.info(
      `GitHub App not configured: open ${SETUP_PATH} on the admin listener to register it`,
    );
    return { mode: 'setup', path: SETUP_PATH, handler, close: async () => {} };
  }
  return startApp(opts, env, logger);
}

async function startApp(
  opts: StartGitHubOptions,
  env: GitHubAppEnv,
  logger: Logger,
): Promise<GitHubService> {
  const settings =
    opts.settings ??
    (opts.policy ? githubSettingsFromPolicy(opts.policy, opts.env ?? process.env) : undefined);
  if (!settings) throw new Error('startGitHub needs the policy (or settings)');
  const probot = new Probot({
    appId: env.appId,
    privateKey: env.privateKey,
    secret: env.webhookSecret,
    baseUrl: env.baseUrl,
    // Probot's Logger is pino's, like ours; the cast bridges two copies of the typings.
    log: logger.child({ component: 'probot' }) as unknown as NonNullable<
      ConstructorParameters<typeof Probot>[0]
    >['log'],
    Octokit: createOctokitClass(logger, opts.tuning, opts.onApiError),
  });
  await probot.ready();

  const estimateUrl = opts.estimateUrl;
  const deps: GitHubDeps = {
    broker: opts.broker,
    settings,
    clients: new InstallationClients(probot),
    lock: new KeyedLock(),
    logger,
    ...(opts.audit ? { audit: opts.audit } : {}),
    ...(estimateUrl ? { estimate: (request) => estimateRows(estimateUrl, request) } : {}),
  };
  registerWebhooks(probot, deps, opts.deliveryGuard ?? new MemoryDeliveryGuard());
  const unsubscribe = subscribeGitHub(deps);
  const handler = signatureGate(
    env.webhookSecret,
    logger,
    await probot.getNodeMiddleware({ path: WEBHOOK_PATH }),
  );

  opts.admin?.use('/api/github', handler);
  opts.admin?.addStatus?.('github', () => {
    const s = settings();
    return {
      mode: 'app',
      appId: env.appId,
      baseUrl: env.baseUrl,
      repo: s ? `${s.owner}/${s.repo}` : null,
    };
  });
  // PRs of requests that ended while nobody was listening (restart): close them now.
  const caughtUp = catchUp(deps).then(
    (n) =>
      void (
        n > 0 && logger.info({ count: n }, 'closed GitHub requests left open by a previous run')
      ),
    (err: unknown) => logger.error({ err }, 'GitHub catch-up failed'),
  );
  const idle = async () => {
    await caughtUp;
    await deps.lock.idle();
  };

  return {
    mode: 'app',
    appId: env.appId,
    baseUrl: env.baseUrl,
    webhookPath: WEBHOOK_PATH,
    repo: () => {
      const s = settings();
      return s ? `${s.owner}/${s.repo}` : null;
    },
    probot,
    handler,
    idle,
    async close() {
      unsubscribe();
      await idle();
    },
  };
}
