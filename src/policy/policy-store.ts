// The live policy of a running proxy. One immutable snapshot (policy + CODEOWNERS) is swapped
// in by a single assignment, so every statement sees either the old or the new policy, never
// a mix and never none. A reload that fails keeps the last good snapshot in force.
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClassifierOptions, Classification } from '../sql/types.js';
import { silentLogger, type Logger } from '../util/log.js';
import { findCodeowners, parseCodeowners, type CodeownersFile } from './codeowners.js';
import { DecisionMemo } from './decision-memo.js';
import { evaluate } from './evaluate.js';
import { formatPolicyError, loadPolicies, type PolicyError } from './load.js';
import {
  defaultPolicy,
  defaultRuleRef,
  type GithubSettings,
  type PolicySet,
} from './policy-set.js';
import type { Decision, PolicyProvider, SessionIdentity } from './types.js';

export interface PolicyStoreOptions {
  dir: string;
  /** An explicit CODEOWNERS file; otherwise GitHub's locations under `repoRoot`. */
  codeownersFile?: string;
  /** Where to look for CODEOWNERS when no file is given; default: the parent of `dir`. */
  repoRoot?: string;
  /** When `dir` does not exist, run on defaultPolicy() instead of refusing to start. */
  defaultsIfMissing?: boolean;
  logger?: Logger;
  /** Quiet period after the last file event before reloading (default 200 ms). */
  debounceMs?: number;
  /** Told of every reload's result (SIGHUP or a file change), e.g. for metrics. */
  onReload?: (ok: boolean) => void;
}

export interface PolicySnapshot {
  policy: PolicySet;
  codeowners?: CodeownersFile;
  loadedAt: Date;
  source: 'files' | 'defaults';
}

export interface PolicyStatus {
  loadedAt: string;
  source: 'files' | 'defaults';
  files: string[];
  codeowners?: string;
  /** The last failed reload, cleared by the next successful one. */
  lastError?: { at: string; errors: PolicyError[] };
}

type LoadOutcome = { ok: true; snapshot: PolicySnapshot } | { ok: false; errors: PolicyError[] };

export class PolicyStore implements PolicyProvider {
  private snapshot: PolicySnapshot;
  /** Decisions per session and verdict; a reload (a new snapshot) starts afresh. */
  private readonly memo = new DecisionMemo();
  private lastError: PolicyStatus['lastError'];
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<{ ok: boolean; errors: PolicyError[] }> | undefined;
  private reloadAgain = false;
  private readonly logger: Logger;

  private constructor(
    private readonly opts: PolicyStoreOptions,
    first: PolicySnapshot,
  ) {
    this.snapshot = first;
    this.logger = opts.logger ?? silentLogger;
  }

  /** Loads the policy; throws (refusing to start) when it is invalid: fail closed. */
  static async open(opts: PolicyStoreOptions): Promise<PolicyStore> {
    const outcome = await PolicyStore.load(opts);
    if (!outcome.ok) {
      const lines = outcome.errors.map(formatPolicyError);
      throw new Error(`policy failed to load:\n  ${lines.join('\n  ')}`);
    }
    const store = new PolicyStore(opts, outcome.snapshot);
    store.logger.info(
      { files: outcome.snapshot.policy.files, source: outcome.snapshot.source },
      'policy loaded',
    );
    return store;
  }

  private static async load(opts: PolicyStoreOptions): Promise<LoadOutcome> {
    const errors: PolicyError[] = [];
    let codeowners: CodeownersFile | undefined;
    try {
      const found = opts.codeownersFile
        ? { path: opts.codeownersFile, text: await readFile(opts.codeownersFile, 'utf8') }
        : await findCodeowners(opts.repoRoot ?? path.dirname(path.resolve(opts.dir)));
      if (found) {
        codeowners = parseCodeowners(found.text, found.path);
        errors.push(
          ...codeowners.errors.map((e) => ({
            file: found.path,
            line: e.line,
            column: 1,
            message: e.message,
          })),
        );
      }
    } catch (err) {
      errors.push({
        file: opts.codeownersFile ?? 'CODEOWNERS',
        line: 0,
        column: 0,
        message: `cannot read: ${(err as Error).message}`,
      });
    }
    const loaded = await loadPolicies(opts.dir);
    let policy: PolicySet | undefined;
    let source: PolicySnapshot['source'] = 'files';
    if (loaded.ok) {
      policy = loaded.policy;
    } else if (
      opts.defaultsIfMissing &&
      loaded.errors.length === 1 &&
      loaded.errors[0]!.message === 'policies directory not found'
    ) {
      policy = defaultPolicy();
      source = 'defaults';
    } else {
      errors.push(...loaded.errors);
    }
    if (errors.length > 0 || !policy) return { ok: false, errors };
    return {
      ok: true,
      snapshot: { policy, ...(codeowners ? { codeowners } : {}), loadedAt: new Date(), source },
    };
  }

  /**
   * Loads again and swaps atomically on success. On failure the current policy stays in
   * force, the errors are logged with file:line and shown in status(). Concurrent calls are
   * coalesced: a reload requested while one runs triggers one more afterwards.
   */
  reload(): Promise<{ ok: boolean; errors: PolicyError[] }> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        let result: { ok: boolean; errors: PolicyError[] };
        do {
          this.reloadAgain = false;
          result = await this.reloadOnce();
        } while (this.reloadAgain);
        return result;
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private async reloadOnce(): Promise<{ ok: boolean; errors: PolicyError[] }> {
    let outcome: LoadOutcome;
    try {
      outcome = await PolicyStore.load(this.opts);
    } catch (err) {
      outcome = {
        ok: false,
        errors: [{ file: this.opts.dir, line: 0, column: 0, message: String(err) }],
      };
    }
    if (!outcome.ok) {
      this.lastError = { at: new Date().toISOString(), errors: outcome.errors };
      for (const e of outcome.errors)
        this.logger.error(
          { file: e.file, line: e.line, column: e.column },
          `policy reload failed, keeping the last good policy: ${formatPolicyError(e)}`,
        );
      this.opts.onReload?.(false);
      return { ok: false, errors: outcome.errors };
    }
    this.snapshot = outcome.snapshot;
    this.lastError = undefined;
    this.opts.onReload?.(true);
    this.logger.info({ files: outcome.snapshot.policy.files }, 'policy reloaded');
    return { ok: true, errors: [] };
  }

  /** Reloads on changes in the policies directory or to the CODEOWNERS file (debounced). */
  watch(): void {
    if (this.watchers.length > 0) return;
    const schedule = () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), this.opts.debounceMs ?? 200);
      this.timer.unref?.();
    };
    const add = (dir: string, filter?: string) => {
      try {
        const w = fsWatch(dir, { persistent: false }, (_event, name) => {
          if (!filter || name === null || name === filter) schedule();
        });
        w.on('error', (err) =>
          this.logger.warn({ err, dir }, 'policy watcher failed; SIGHUP still reloads'),
        );
        this.watchers.push(w);
      } catch (err) {
        this.logger.warn({ err, dir }, 'cannot watch for policy changes; SIGHUP still reloads');
      }
    };
    add(this.opts.dir);
    const co = this.opts.codeownersFile ?? this.snapshot.codeowners?.path;
    // Watch the directory, not the file: editors replace files by renaming over them.
    if (co) add(path.dirname(co), path.basename(co));
  }

  close(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  status(): PolicyStatus {
    const s = this.snapshot;
    return {
      loadedAt: s.loadedAt.toISOString(),
      source: s.source,
      files: [...s.policy.files],
      ...(s.codeowners ? { codeowners: s.codeowners.path } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** The snapshot in force (policy + CODEOWNERS), for callers that evaluate several times. */
  current(): PolicySnapshot {
    return this.snapshot;
  }

  decide(session: SessionIdentity, classification: Classification): Decision {
    const s = this.snapshot;
    const known = this.memo.lookup(s, session, classification);
    if (known) return known;
    try {
      return this.memo.decide(s, session, classification, () =>
        evaluate(s.policy, session, classification, s.codeowners),
      );
    } catch (err) {
      // A bug here must refuse the statement, never let it through or crash the proxy.
      this.logger.error({ err }, 'policy evaluation failed; denying the statement');
      return {
        action: 'deny',
        rule: defaultRuleRef('error'),
        message: 'the statement could not be checked against the policy',
        reasons: [`evaluation error: ${err instanceof Error ? err.message : String(err)}`],
      };
    }
  }

  classifierOptions(): ClassifierOptions {
    const c = this.snapshot.policy.settings.classifier;
    return { ...c, ...(c.safeFunctions ? { safeFunctions: [...c.safeFunctions] } : {}) };
  }

  githubSettings(): GithubSettings {
    return this.snapshot.policy.settings.github;
  }

  /** The GitHub login (without '@') mapped to a PostgreSQL role, if any. */
  githubLoginFor(pgUser: string): string | undefined {
    return this.snapshot.policy.settings.identities.get(pgUser);
  }

  codeowners(): CodeownersFile | undefined {
    return this.snapshot.codeowners;
  }
}
