// Spaces content-creating GitHub calls (GitHub: "wait at least one second between each"
// POST/PATCH/PUT/DELETE) without queueing one request's follow-ups ahead of another's opening.
// The throttling plugin asks for a turn before each write; turns go to retried calls first,
// then to calls opening a request, then to the rest, the oldest request first within each.
// A caller whose request deadline passes while it waits is refused (fail closed, on time).
import { GitHubUnreachableError } from './github-unreachable.js';
import { currentWork, WorkKind } from './github-work.js';

interface Waiter {
  tier: number;
  rank: number;
  seq: number;
  go: () => void;
  timer?: NodeJS.Timeout;
}

const TIER: Record<WorkKind, number> = { [WorkKind.open]: 1, [WorkKind.followUp]: 2 };

function before(a: Waiter, b: Waiter): boolean {
  if (a.tier !== b.tier) return a.tier < b.tier;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.seq < b.seq;
}

export class WritePacer {
  readonly #waiting: Waiter[] = [];
  #nextAt = 0;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly gapMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Bottleneck Group shape the throttling plugin calls: one pacer for every key. */
  key(): this {
    return this;
  }

  /** Bottleneck's schedule(): runs `fn` once it is this caller's turn. */
  async schedule<A extends unknown[], R>(
    jobOptions: { priority?: number } | undefined,
    fn: (...args: A) => R,
    ...args: A
  ): Promise<Awaited<R>> {
    await this.turn(jobOptions?.priority === 0);
    return await fn(...args);
  }

  /** Calls waiting for a turn (the bench and tests watch it). */
  get waiting(): number {
    return this.#waiting.length;
  }

  private turn(retried: boolean): Promise<void> {
    const work = currentWork();
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        tier: retried ? 0 : TIER[work?.kind ?? WorkKind.followUp],
        rank: work?.rank ?? Infinity,
        seq: this.#seq++,
        go: resolve,
      };
      if (work?.deadline !== undefined) {
        w.timer = setTimeout(
          () => {
            const i = this.#waiting.indexOf(w);
            if (i < 0) return;
            this.#waiting.splice(i, 1);
            reject(
              new GitHubUnreachableError(
                0,
                new Error('still waiting for a turn to write to GitHub (1 s between writes)'),
                true,
              ),
            );
          },
          Math.max(0, work.deadline - this.now()),
        );
      }
      let i = this.#waiting.length;
      while (i > 0 && before(w, this.#waiting[i - 1]!)) i--;
      this.#waiting.splice(i, 0, w);
      this.pump();
    });
  }

  private pump(): void {
    if (this.#timer || this.#waiting.length === 0) return;
    const wait = this.#nextAt - this.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.pump();
      }, wait);
      return;
    }
    const w = this.#waiting.shift()!;
    clearTimeout(w.timer);
    this.#nextAt = this.now() + this.gapMs;
    w.go();
    this.pump();
  }
}
