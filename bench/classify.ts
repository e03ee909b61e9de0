// `npx tsx bench/classify.ts`: classifications per second, cached and uncached, for a
// 200-byte INSERT and a 2 KB SELECT; then a 1 MB statement through classifyAsync with
// the longest event-loop stall measured while it is parsed in the worker.
// Env: SECONDS per measurement (default 2).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  classify,
  classifyAsync,
  configureClassifier,
  initClassifier,
} from '../src/sql/classify.js';
import { stopClassifierWorker } from '../src/sql/worker-client.js';

const SECONDS = Number(process.env.SECONDS ?? 2);

function insert200(): string {
  const base =
    "INSERT INTO public.accounts (id, owner_email, balance, currency, created_at, note) VALUES (12345, 'alice@example.com', 1000.50, 'EUR', now(), 'opening balance') RETURNING id";
  return base.padEnd(200, ' ');
}

function select2k(): string {
  const cols = Array.from({ length: 40 }, (_, i) => `o.col_${i}`).join(', ');
  let sql = `SELECT ${cols}, lower(c.name) AS name, coalesce(sum(l.amount), 0) AS total
FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN order_lines l ON l.order_id = o.id
WHERE o.created_at > now() - interval '30 days' AND c.country IN ('FR', 'DE', 'NL', 'BE')`;
  let i = 0;
  while (Buffer.byteLength(sql) < 1950)
    sql += `\n  AND (o.flag_${i} IS NULL OR o.flag_${i++} <> 'x')`;
  return `${sql}\nGROUP BY 1 ORDER BY 2 DESC LIMIT 100`;
}

function rate(fn: () => void): number {
  const until = performance.now() + SECONDS * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return n / ((performance.now() - start) / 1000);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(12);
}

await initClassifier();
const cases = [
  { name: `INSERT (${Buffer.byteLength(insert200())} bytes)`, sql: insert200() },
  { name: `SELECT (${Buffer.byteLength(select2k())} bytes)`, sql: select2k() },
];
process.stdout.write(`classifications per second (${SECONDS}s each)\n`);
process.stdout.write(
  `${'statement'.padEnd(24)}${'uncached'.padStart(12)}${'cached'.padStart(12)}\n`,
);
for (const c of cases) {
  configureClassifier({ cacheSize: 0 });
  const uncached = rate(() => classify(c.sql));
  configureClassifier({ cacheSize: 2000 });
  classify(c.sql);
  const cached = rate(() => classify(c.sql));
  process.stdout.write(`${c.name.padEnd(24)}${fmt(uncached)}${fmt(cached)}\n`);
}

const row = "(1, 'some text value here', 3.14, now()),";
const big = `INSERT INTO t VALUES ${row.repeat(Math.ceil(1_000_000 / row.length))}(1, 'x', 1, now())`;
const delay = monitorEventLoopDelay({ resolution: 5 });
const ticker = setInterval(() => {}, 5);
delay.enable();
const t0 = performance.now();
const result = await classifyAsync(big);
const elapsed = performance.now() - t0;
delay.disable();
clearInterval(ticker);
process.stdout.write(
  `\n1 MB INSERT via classifyAsync (worker): ${Math.round(elapsed)} ms, class ${result.class}, ` +
    `longest event-loop stall ${(delay.max / 1e6).toFixed(1)} ms\n`,
);
const t1 = performance.now();
classify(big);
process.stdout.write(
  `same text via classify() (sync, refused as oversized): ${(performance.now() - t1).toFixed(2)} ms\n`,
);
await stopClassifierWorker();
