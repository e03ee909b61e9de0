// `npm run bench`: pgbench select-only, simple and prepared, 8 clients, against a direct
// connection, Sluice (classifying every statement under the default policy) and a bare
// Node socket.pipe proxy, interleaved in the same run. Prints TPS and the ratios, and
// each proxy's own CPU time per transaction (user + system, from /proc on Linux), which
// is steadier than TPS on a small shared machine.
//
// Each proxy first serves WARMUP seconds of every workload (JIT and WASM tier-up are not
// what is measured), and each round runs the targets in a rotated order. The bar is judged on the median over rounds of each round's own
// sluice/nodepipe ratio: the runs of one round are seconds apart, so a slow spell of
// this shared machine moves both sides of a ratio, not one.
//
// Env: ROUNDS (5), DURATION seconds (6), WARMUP seconds (5), CLIENTS (8), SCALE (10),
// TARGETS (a comma list of sluice, wire-only; direct and nodepipe always run).
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../src/util/free-port.js';
import {
  cpuSeconds,
  runPgbench,
  startChild,
  startPgbenchDatabase,
  waitPort,
} from './bench-processes.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const DURATION = Number(process.env.DURATION ?? 6);
const WARMUP = Number(process.env.WARMUP ?? 5);
const CLIENTS = Number(process.env.CLIENTS ?? 8);
const SCALE = Number(process.env.SCALE ?? 10);

async function main(): Promise<void> {
  const { db: pg, env: pgEnv } = await startPgbenchDatabase(SCALE, 100);
  const children: ChildProcess[] = [];
  try {
    const sluicePort = await freePort();
    const rawPort = await freePort();
    const pipePort = await freePort();
    const sluice = startChild(
      process.execPath,
      [
        'dist/src/cli/main.js',
        'proxy',
        '--listen',
        `127.0.0.1:${sluicePort}`,
        '--upstream',
        `postgres://${pg.host}:${pg.port}/postgres`,
        '--admin',
        '127.0.0.1:0',
        '--state',
        `${pg.dataDir}-state`,
      ],
      { SLUICE_ADMIN_TOKEN: 'bench-admin-token-0123456789' },
    );
    const pipe = startChild(process.execPath, ['bench/nodepipe.mjs'], {
      LISTEN_PORT: String(pipePort),
      TARGET_PORT: String(pg.port),
    });
    const raw = startChild(process.execPath, ['bench/passthrough.mjs'], {
      LISTEN_PORT: String(rawPort),
      UPSTREAM: `postgres://${pg.host}:${pg.port}/postgres`,
    });
    children.push(sluice, pipe, raw);
    await waitPort(sluicePort);
    await waitPort(pipePort);
    await waitPort(rawPort);

    // sluice: the real thing (every statement classified under the default policy);
    // wire-only: Sluice's protocol layer without classification.
    const all: Record<string, { port: number; process?: ChildProcess }> = {
      direct: { port: pg.port },
      sluice: { port: sluicePort, process: sluice },
      'wire-only': { port: rawPort, process: raw },
      nodepipe: { port: pipePort, process: pipe },
    };
    const chosen = process.env.TARGETS?.split(',');
    const targets = Object.entries(all).filter(
      ([t]) => !chosen || chosen.includes(t) || t === 'direct' || t === 'nodepipe',
    );
    const workloads = {
      'select-simple': ['-S', '-M', 'simple'],
      'select-prepared': ['-S', '-M', 'prepared'],
    };
    const pgbench = (flags: string[], seconds: number, port: number) =>
      runPgbench(flags, { seconds, port, clients: CLIENTS, env: pgEnv });
    if (WARMUP > 0) {
      process.stderr.write(`warming up each proxy for ${WARMUP}s per workload…\n`);
      for (const flags of Object.values(workloads))
        for (const [t, { port }] of targets) if (t !== 'direct') await pgbench(flags, WARMUP, port);
    }
    const tps: Record<string, Record<string, number[]>> = {};
    /** Proxy CPU seconds and transactions, summed over rounds. */
    const cpu: Record<string, Record<string, { seconds: number; tx: number }>> = {};
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [w, flags] of Object.entries(workloads)) {
        // Each round starts with another target, so that none always follows the direct
        // run (the busiest) or always comes first.
        const shift = (round - 1) % targets.length;
        const order = [...targets.slice(shift), ...targets.slice(0, shift)];
        for (const [t, { port, process: proxy }] of order) {
          const cpuBefore = cpuSeconds(proxy?.pid);
          const r = await pgbench(flags, DURATION, port);
          const cpuAfter = cpuSeconds(proxy?.pid);
          const m = /tps = ([\d.]+)/.exec(r.stdout);
          const n = /transactions actually processed: (\d+)/.exec(r.stdout);
          if (r.code !== 0 || !m || !n) throw new Error(`pgbench ${w} ${t} failed: ${r.stderr}`);
          ((tps[w] ??= {})[t] ??= []).push(Number(m[1]));
          let cpuNote = '';
          if (cpuBefore !== undefined && cpuAfter !== undefined) {
            const acc = ((cpu[w] ??= {})[t] ??= { seconds: 0, tx: 0 });
            acc.seconds += cpuAfter - cpuBefore;
            acc.tx += Number(n[1]);
            cpuNote = `  ${(((cpuAfter - cpuBefore) / Number(n[1])) * 1e6).toFixed(1)} µs CPU/tx`;
          }
          process.stderr.write(
            `round ${round} ${w.padEnd(16)} ${t.padEnd(9)} ${Number(m[1]).toFixed(0)} tps${cpuNote}\n`,
          );
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const median = (xs: number[]) => {
      const o = [...xs].sort((a, b) => a - b);
      const m = Math.floor(o.length / 2);
      return o.length % 2 ? o[m]! : (o[m - 1]! + o[m]!) / 2;
    };
    console.log(
      `\npgbench -S, ${CLIENTS} clients, ${DURATION}s × ${ROUNDS} rounds, interleaved (scale ${SCALE})\n`,
    );
    console.log(
      'workload          target       mean tps   ×direct   ×nodepipe   per round ×nodepipe (median)   proxy CPU µs/tx',
    );
    const verdicts: string[] = [];
    for (const [w, byTarget] of Object.entries(tps)) {
      const direct = mean(byTarget.direct!);
      const pipes = byTarget.nodepipe!;
      for (const [t, xs] of Object.entries(byTarget)) {
        const m = mean(xs);
        const c = cpu[w]?.[t];
        const perTx = c && c.tx > 0 ? ((c.seconds / c.tx) * 1e6).toFixed(1) : '';
        const perRound = xs.map((x, i) => x / pipes[i]!);
        const rounds = `${perRound.map((r) => r.toFixed(2)).join(' ')} (${median(perRound).toFixed(2)})`;
        console.log(
          `${w.padEnd(17)} ${t.padEnd(10)} ${m.toFixed(0).padStart(10)} ${(m / direct).toFixed(2).padStart(9)} ${(m / mean(pipes)).toFixed(2).padStart(11)}   ${rounds.padEnd(30)} ${perTx.padStart(15)}`,
        );
        if (t === 'sluice') {
          const r = median(perRound);
          verdicts.push(`${w}: ${r.toFixed(2)} ${r >= 0.9 ? 'meets' : 'misses'} the bar`);
        }
      }
    }
    console.log(
      `\nThe bar: sluice ≥ 0.90 × nodepipe (median of per-round ratios). ${verdicts.join('; ')}.`,
    );
    console.log('The ambition: pgbouncer (see ../shared/bench for a run with it).');
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
