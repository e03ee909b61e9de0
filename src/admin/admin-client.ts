// The CLI's side of the admin API: where it is, which token, and one JSON call.
import { DEFAULT_ADMIN_HOST, DEFAULT_ADMIN_PORT } from './admin-server.js';
import { DEFAULT_STATE_DIR, readAdminToken } from './admin-token.js';

export const DEFAULT_ADMIN_URL = `http://${DEFAULT_ADMIN_HOST}:${DEFAULT_ADMIN_PORT}`;

/** parseArgs options every admin-API command accepts. */
export const ADMIN_CLI_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'state-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const ADMIN_CLI_HELP = `Connection:
  --url URL          admin API (env SLUICE_ADMIN_URL, default ${DEFAULT_ADMIN_URL})
  --token TOKEN      admin token (env SLUICE_ADMIN_TOKEN, else <state-dir>/admin-token)
  --state-dir DIR    Sluice state folder (env SLUICE_STATE_DIR, default ${DEFAULT_STATE_DIR})
  --json             print the API's JSON`;

export interface AdminConnection {
  url: string;
  token: string;
}

/** A problem the user fixes by changing how they called the command (exit 2). */
export class CliUsageError extends Error {}

/** The API answered with an error (exit 1). */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function resolveAdminConnection(
  flags: { url?: string | undefined; token?: string | undefined; 'state-dir'?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Promise<AdminConnection> {
  const url = (flags.url ?? env.SLUICE_ADMIN_URL ?? DEFAULT_ADMIN_URL).replace(/\/+$/, '');
  try {
    new URL(url);
  } catch {
    throw new CliUsageError(`--url: not a URL: ${url}`);
  }
  const stateDir = flags['state-dir'] ?? env.SLUICE_STATE_DIR ?? DEFAULT_STATE_DIR;
  const token =
    flags.token ??
    (env.SLUICE_ADMIN_TOKEN?.trim() || undefined) ??
    (await readAdminToken(stateDir));
  if (!token) {
    throw new CliUsageError(
      `no admin token: pass --token, set SLUICE_ADMIN_TOKEN, or run where the proxy wrote ${stateDir}/admin-token`,
    );
  }
  return { url, token };
}

export async function adminCall<T>(
  conn: AdminConnection,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(conn.url + path, {
      method,
      headers: {
        authorization: `Bearer ${conn.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new AdminApiError(
      0,
      'unreachable',
      `cannot reach the Sluice admin API at ${conn.url} (${cause?.code ?? cause?.message ?? (err as Error).message}): is the proxy running?`,
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AdminApiError(
      res.status,
      'bad_response',
      `the admin API answered HTTP ${res.status} with non-JSON`,
    );
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } }).error;
    throw new AdminApiError(res.status, e?.code ?? 'error', e?.message ?? `HTTP ${res.status}`);
  }
  return json as T;
}

/** Shared error handling for the admin commands: message on stderr, exit code. */
export function reportCliError(command: string, err: unknown): number {
  if (
    err instanceof CliUsageError ||
    (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    process.stderr.write(`sluice ${command}: ${(err as Error).message}\n`);
    return 2;
  }
  if (err instanceof AdminApiError) {
    process.stderr.write(`sluice ${command}: ${err.message}\n`);
    return 1;
  }
  throw err;
}
