// How `sluice proxy` stops. SIGINT (Ctrl-C) stops at once. SIGTERM (what orchestrators
// and systemd send) drains: /readyz turns 503 so the load balancer stops routing here,
// the listener stops accepting, each session is closed at its next idle moment outside a
// transaction, and held statements may still get their verdicts until the grace period
// ends; then whatever is left is closed (a held statement is cancelled). A second
// SIGTERM, or a SIGINT, during the drain stops at once.
import type { Logger } from '../util/log.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface Drainable {
  drain(graceMs: number): Promise<{ forced: number }>;
}

export interface StopOptions {
  proxy: Drainable;
  graceMs: number;
  /** Called when the drain starts (readiness turns 503, the draining gauge goes to 1). */
  onDrainStart(): void;
  logger: Logger;
  /** Progress lines for the operator. */
  say(line: string): void;
}

/** Resolves once the proxy may be shut down: after the drain, or at once. */
export async function waitForStop(opts: StopOptions): Promise<StopSignal> {
  const first = await nextSignal();
  if (first === 'SIGINT') return first;
  opts.onDrainStart();
  opts.say(
    `SIGTERM: draining (new connections refused; up to ${Math.round(opts.graceMs / 1000)}s for held statements)…`,
  );
  const drained = opts.proxy.drain(opts.graceMs).then((r) => {
    if (r.forced > 0) {
      opts.logger.warn({ sessions: r.forced }, 'drain grace period over: sessions closed');
      opts.say(`Drain grace period over: closed ${r.forced} session(s).`);
    }
    return 'drained' as const;
  });
  const outcome = await Promise.race([drained, nextSignal()]);
  if (outcome !== 'drained') opts.say(`${outcome} during the drain: stopping now.`);
  return first;
}

function nextSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const done = (s: StopSignal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(s);
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
