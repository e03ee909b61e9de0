// The primary of `sluice proxy --workers N`: forks N workers that share the listen port
// (node:cluster hands each accepted connection to the next worker in turn), relays
// CancelRequests between them (a cancel arrives on a fresh connection, which may land on
// any worker), gathers their metrics for one /metrics, forwards policy reloads, restarts a
// worker that dies, and drains them all on SIGTERM. Approvals need no relay: each worker
// is a replica of the control database, which wakes the holder (src/approval/replica-broker.ts).
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../../util/log.js';
import {
  FromWorker,
  WORKER_CONFIG_ENV,
  type ToWorker,
  type WorkerConfig,
} from './worker-messages.js';

export const WorkerState = {
  starting: 'starting',
  ready: 'ready',
  stopping: 'stopping',
  exited: 'exited',
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

interface Slot {
  index: number;
  worker: Worker;
  state: WorkerState;
  restarts: number;
}

export interface WorkerReport {
  index: number;
  pid: number | undefined;
  state: WorkerState;
  restarts: number;
  /** Client sessions open on it now (undefined: it did not answer in time). */
  sessions?: number;
  /** Its catalog snapshots (each worker keeps its own). */
  catalog?: unknown;
}

export interface WorkerPoolOptions {
  count: number;
  /** Everything but the index. */
  config: Omit<WorkerConfig, 'index'>;
  logger: Logger;
  /** Progress lines for the operator (a worker died, was restarted). */
  say(line: string): void;
}

/** How long a worker may take to answer a report before /metrics goes on without it. */
const REPORT_TIMEOUT_MS = 2000;
/** A worker that dies is restarted after this, doubling up to the maximum. */
const RESTART_DELAY_MS = 500;

interface Report {
  metrics: string;
  sessions: number;
  catalog: unknown;
}
const RESTART_DELAY_MAX_MS = 30_000;
/** How long past its order (and drain grace) a worker may take to exit before SIGKILL. */
const STOP_MARGIN_MS = 15_000;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private stopping = false;
  /** Sessions the workers had to close when the drain grace period ended. */
  private forced = 0;
  private nextReportId = 1;
  private readonly reports = new Map<number, (r: Report) => void>();
  host = '';
  port = 0;

  private constructor(private readonly o: WorkerPoolOptions) {}

  /** Forks the workers; resolves once every one listens, rejects if one fails to start. */
  static async start(o: WorkerPoolOptions): Promise<WorkerPool> {
    // Workers run the same command line; `cluster.isWorker` sends them to runWorker().
    cluster.setupPrimary({ silent: false });
    const pool = new WorkerPool(o);
    try {
      for (let i = 0; i < o.count; i++) {
        // Port 0 too is shared: node:cluster binds one listener per address and port as
        // asked, so every worker asking for port 0 gets the same free port.
        const at = await pool.fork(i, 0);
        pool.host = at.host;
        pool.port = at.port;
      }
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private fork(index: number, restarts: number): Promise<{ host: string; port: number }> {
    const config: WorkerConfig = { ...this.o.config, index };
    const worker = cluster.fork({ [WORKER_CONFIG_ENV]: JSON.stringify(config) });
    const slot: Slot = { index, worker, state: WorkerState.starting, restarts };
    this.slots[index] = slot;
    return new Promise((resolve, reject) => {
      let failure: string | undefined;
      worker.on('message', (raw: unknown) => {
        const parsed = FromWorker.safeParse(raw);
        if (!parsed.success) {
          this.o.logger.error({ raw, worker: index }, 'unexpected message from a worker');
          return;
        }
        const m = parsed.data;
        switch (m.type) {
          case 'ready':
            slot.state = WorkerState.ready;
            resolve({ host: m.host, port: m.port });
            return;
          case 'failed':
            failure = m.message;
            return;
          case 'cancel':
            // Every other worker looks the key up; unknown keys are dropped there.
            for (const s of this.slots)
              if (s !== slot && s.state === WorkerState.ready) this.sendTo(s, m);
            return;
          case 'report':
            this.reports.get(m.id)?.({
              metrics: m.metrics,
              sessions: m.sessions,
              catalog: m.catalog,
            });
            return;
          case 'drained':
            this.forced += m.forced;
            return;
        }
      });
      worker.on('exit', (code, signal) => {
        const wasStarting = slot.state === WorkerState.starting;
        slot.state = WorkerState.exited;
        if (wasStarting) {
          reject(
            new Error(`worker ${index}: ${failure ?? `exited (${signal ?? code}) while starting`}`),
          );
          // At start-up the pool gives up; a restart that fails is tried again, later.
          if (restarts === 0) return;
        }
        if (this.stopping) return;
        const delay = Math.min(RESTART_DELAY_MS * 2 ** restarts, RESTART_DELAY_MAX_MS);
        this.o.logger.error({ worker: index, code, signal }, 'worker died; restarting it');
        this.o.say(`Worker ${index} died (${signal ?? `exit ${code}`}); restarting it.`);
        setTimeout(() => {
          if (this.stopping) return;
          this.fork(index, restarts + 1).catch((err: unknown) =>
            this.o.logger.error({ err, worker: index }, 'worker restart failed'),
          );
        }, delay).unref();
      });
    });
  }

  private sendTo(slot: Slot, m: ToWorker): void {
    if (slot.worker.isConnected()) slot.worker.send(m);
  }

  /** Each live worker's metrics text (for one merged /metrics) and sessions. */
  async collect(): Promise<{ metrics: string[]; workers: WorkerReport[] }> {
    const answers = await Promise.all(
      this.slots.map(async (s) => {
        if (s.state !== WorkerState.ready) return undefined;
        const id = this.nextReportId++;
        let timer: NodeJS.Timeout | undefined;
        const answer = await Promise.race([
          new Promise<Report>((resolve) => {
            this.reports.set(id, resolve);
            this.sendTo(s, { type: 'report', id });
          }),
          new Promise<undefined>(
            (resolve) => (timer = setTimeout(() => resolve(undefined), REPORT_TIMEOUT_MS)),
          ),
        ]);
        clearTimeout(timer);
        this.reports.delete(id);
        return answer;
      }),
    );
    return {
      metrics: answers.flatMap((a) => (a ? [a.metrics] : [])),
      workers: this.slots.map((s, i) => ({
        index: s.index,
        pid: s.worker.process.pid,
        state: s.state,
        restarts: s.restarts,
        ...(answers[i] ? { sessions: answers[i].sessions, catalog: answers[i].catalog } : {}),
      })),
    };
  }

  readyCount(): number {
    return this.slots.filter((s) => s.state === WorkerState.ready).length;
  }

  get count(): number {
    return this.o.count;
  }

  reload(): void {
    for (const s of this.slots)
      if (s.state === WorkerState.ready) this.sendTo(s, { type: 'reload' });
  }

  /** SIGTERM: every worker drains (see src/proxy/server.ts); resolves when all have exited. */
  async drain(graceMs: number): Promise<{ forced: number }> {
    await this.stopAll({ type: 'drain', graceMs }, graceMs + STOP_MARGIN_MS);
    return { forced: this.forced };
  }

  /** Stops every worker now (a held statement is cancelled). */
  close(): Promise<void> {
    return this.stopAll({ type: 'stop' }, STOP_MARGIN_MS);
  }

  /**
   * Gives every worker the order and waits for it to exit. A worker that outlives the
   * order by far (stuck) is killed: the primary must not hang on its way out.
   */
  private async stopAll(m: ToWorker, killAfterMs: number): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.worker.isDead()) return;
        const exited = new Promise<void>((resolve) => s.worker.once('exit', () => resolve()));
        s.state = WorkerState.stopping;
        if (s.worker.isConnected()) this.sendTo(s, m);
        const timer = setTimeout(() => s.worker.process.kill('SIGKILL'), killAfterMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
