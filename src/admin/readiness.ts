// What GET /readyz answers: whether a load balancer should send this replica new
// connections. Each named check is run with a timeout and its result kept briefly, so a
// health checker polling every second costs the upstream one TCP connect a second at most.
// While the proxy drains (SIGTERM) the answer is "not ready" without running anything.
import net from 'node:net';
import pg from 'pg';

export type CheckResult = { ok: true; detail?: string } | { ok: false; error: string };
export type ReadinessCheck = () => Promise<CheckResult>;

export interface ReadinessReport {
  ready: boolean;
  /** Names of the checks that failed ('draining' while draining). */
  failing: string[];
  checks: Record<string, CheckResult>;
}

export interface ReadinessOptions {
  /** How long a result is reused (default 1000 ms). */
  cacheMs?: number;
  /** How long one check may take before it counts as failed (default 2000 ms). */
  timeoutMs?: number;
}

interface Cached {
  at: number;
  result: Promise<CheckResult>;
}

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly cache = new Map<string, Cached>();
  private draining = false;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;

  constructor(opts: ReadinessOptions = {}) {
    this.cacheMs = opts.cacheMs ?? 1000;
    this.timeoutMs = opts.timeoutMs ?? 2000;
  }

  add(name: string, check: ReadinessCheck): this {
    this.checks.set(name, check);
    return this;
  }

  /** From now on /readyz answers 503 'draining' (the load balancer stops routing here). */
  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async report(): Promise<ReadinessReport> {
    if (this.draining) {
      return {
        ready: false,
        failing: ['draining'],
        checks: { draining: { ok: false, error: 'shutting down: draining sessions' } },
      };
    }
    const names = [...this.checks.keys()];
    const results = await Promise.all(names.map((n) => this.run(n)));
    const checks: Record<string, CheckResult> = {};
    const failing: string[] = [];
    names.forEach((n, i) => {
      checks[n] = results[i]!;
      if (!results[i]!.ok) failing.push(n);
    });
    return { ready: failing.length === 0, failing, checks };
  }

  /** Concurrent callers share one run; a result is reused for cacheMs after it started. */
  private run(name: string): Promise<CheckResult> {
    const now = Date.now();
    const hit = this.cache.get(name);
    if (hit && now - hit.at < this.cacheMs) return hit.result;
    const result = withTimeout(this.checks.get(name)!, this.timeoutMs);
    this.cache.set(name, { at: now, result });
    return result;
  }
}

async function withTimeout(check: ReadinessCheck, ms: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check().catch((err: unknown) => ({
        ok: false as const,
        error: err instanceof Error ? err.message : String(err),
      })),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${ms} ms` }), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The upstream accepts TCP connections. Not a query: the upstream URL often has no
 * credentials (clients bring their own), and a listening postmaster is what a new
 * session needs first.
 */
export function tcpCheck(host: string, port: number): ReadinessCheck {
  return () =>
    new Promise<CheckResult>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve({ ok: true });
      });
      socket.once('error', (err) => {
        socket.destroy();
        resolve({ ok: false, error: `cannot connect to ${host}:${port}: ${err.message}` });
      });
    });
}

/** `SELECT 1` on a fresh connection to the control database (never the shared pool). */
export function pgCheck(connectionString: string, timeoutMs = 2000): ReadinessCheck {
  return async () => {
    const client = new pg.Client({
      connectionString,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `control database: ${(err as Error).message}` };
    } finally {
      await client.end().catch(() => {});
    }
  };
}
