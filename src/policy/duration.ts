// Durations in policies are strings with units ('90s', '15m', '2h', '1h30m'); a bare number
// would leave the unit to guesswork.

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

export function parseDuration(text: string): DurationResult {
  const expected = `expected a duration like "15m", "2h" or "1h30m" (units: ms, s, m, h, d), got ${JSON.stringify(text)}`;
  if (!/^(?:\d+(?:ms|s|m|h|d))+$/.test(text)) return { ok: false, message: expected };
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    ms += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  if (!Number.isSafeInteger(ms) || ms <= 0)
    return { ok: false, message: `expected a positive duration, got ${JSON.stringify(text)}` };
  return { ok: true, ms };
}

/** The shortest exact rendering, for explanations ('15m', '1h30m'). */
export function formatDuration(ms: number): string {
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out || '0s';
}
