// One unref'd timer per held request. Node keeps timers in per-duration lists, so
// thousands cost little; the only trap is setTimeout's 2^31-1 ms ceiling (~24.8 days),
// above which it fires at once: longer timeouts re-arm in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

export function armExpiry(
  deadline: number,
  now: () => number,
  onExpire: () => void,
): { clear(): void } {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const remaining = deadline - now();
    const delay = Math.min(Math.max(remaining, 0), MAX_TIMER_MS);
    timer = setTimeout(() => (remaining > MAX_TIMER_MS ? arm() : onExpire()), delay);
    // A held statement keeps its client's socket open; the timer alone must not keep
    // the process alive (tests, CLI embedding, shutdown).
    timer.unref();
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
