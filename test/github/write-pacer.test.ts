// The write pacer: turns go to retried calls, then to calls opening a request, then to
// follow-ups, the older request first; a caller whose deadline passes while waiting is
// refused with GitHubUnreachableError instead of waiting past the request's timeout.
import { describe, expect, it } from 'vitest';
import { WritePacer } from '../../src/github/write-pacer.js';
import { runWork, WorkKind, type GitHubWork } from '../../src/github/github-work.js';
import { GitHubUnreachableError } from '../../src/github/github-unreachable.js';

function take(
  pacer: WritePacer,
  order: string[],
  name: string,
  work: GitHubWork | undefined,
  retried = false,
): Promise<void> {
  const go = () =>
    pacer.schedule(retried ? { priority: 0 } : {}, () => {
      order.push(name);
    });
  return work ? runWork(work, go) : go();
}

describe('WritePacer', () => {
  it('orders waiting writes: retries, then openings (oldest first), then follow-ups', async () => {
    const pacer = new WritePacer(5);
    const order: string[] = [];
    const all = [
      // Takes the free turn at once; everything below has to wait for the next ones.
      take(pacer, order, 'first', { kind: WorkKind.followUp, rank: 1 }),
      take(pacer, order, 'merge of request 1', { kind: WorkKind.followUp, rank: 1 }),
      take(pacer, order, 'webhook reply', undefined),
      take(pacer, order, 'open request 3', { kind: WorkKind.open, rank: 3 }),
      take(pacer, order, 'open request 2', { kind: WorkKind.open, rank: 2 }),
      take(pacer, order, 'comment on request 2', { kind: WorkKind.followUp, rank: 2 }),
      take(pacer, order, 'retry', { kind: WorkKind.followUp, rank: 9 }, true),
    ];
    expect(pacer.waiting).toBe(6);
    await Promise.all(all);
    expect(order).toEqual([
      'first',
      'retry',
      'open request 2',
      'open request 3',
      'merge of request 1',
      'comment on request 2',
      'webhook reply',
    ]);
  });

  it('refuses a caller whose deadline passes while it waits, and keeps serving the rest', async () => {
    const pacer = new WritePacer(60_000);
    const order: string[] = [];
    await take(pacer, order, 'first', undefined);
    const late = take(pacer, order, 'late', {
      kind: WorkKind.open,
      rank: 1,
      deadline: Date.now() + 20,
    });
    await expect(late).rejects.toBeInstanceOf(GitHubUnreachableError);
    await expect(late).rejects.toThrow(/still waiting for a turn to write to GitHub/);
    expect(pacer.waiting).toBe(0);
    expect(order).toEqual(['first']);
  });
});
