// Runs the GitHub Action the way the runner does: INPUT_* variables built from action.yml's
// defaults plus a workflow's `with:`, the fixture repository as working directory, a real
// event payload from @octokit/webhooks-examples at GITHUB_EVENT_PATH, and GITHUB_OUTPUT /
// GITHUB_STEP_SUMMARY files. Workflow commands (annotations) are parsed from stdout.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { parse } from 'yaml';
import { vi } from 'vitest';
import { run } from '../../action/src/main.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/action');
/** The examples' repository and pull request: Codertocat/Hello-World #2. */
export const GH_REPO = 'Codertocat/Hello-World';
export const PR_NUMBER = 2;
export const TOKEN = 'ghs_actiontesttoken';

// Webhook payloads are edited field by field: loosely typed on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples',
) as WebhookDefinition[];

/** A deep copy of the first example of `event` (with `action`, when given). */
export function example(event: string, action?: string): Loose {
  const def = examples.find((d) => d.name === event);
  const found = (def?.examples as Loose[] | undefined)?.find(
    (e) => action === undefined || e.action === action,
  );
  if (!found) throw new Error(`no ${event}${action ? `.${action}` : ''} example`);
  return structuredClone(found);
}

interface ActionYml {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; main: string };
}

export async function actionYml(): Promise<ActionYml> {
  return parse(await readFile(path.join(REPO_ROOT, 'action/action.yml'), 'utf8')) as ActionYml;
}

/**
 * INPUT_* as the runner sets them: every input of action.yml with its default, overridden by
 * `with`. The runner evaluates `${{ github.token }}`; here it is the test token.
 */
export async function inputEnv(
  withInputs: Record<string, string>,
): Promise<Record<string, string>> {
  const { inputs } = await actionYml();
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const value = withInputs[name] ?? spec.default ?? '';
    env[`INPUT_${name.toUpperCase()}`] = value === '${{ github.token }}' ? TOKEN : value;
  }
  for (const name of Object.keys(withInputs))
    if (!(name in inputs)) throw new Error(`action.yml has no input ${name}`);
  return env;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  title?: string;
  file?: string;
  line?: number;
  col?: number;
  message: string;
}

const unescapeData = (s: string) =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProp = (s: string) => unescapeData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));

/** `::error file=a.yml,line=3::message` lines from stdout (other commands ignored). */
export function annotationsIn(stdout: string): Annotation[] {
  const out: Annotation[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const a: Annotation = { level: m[1] as Annotation['level'], message: unescapeData(m[3]!) };
    for (const prop of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = prop.indexOf('=');
      const key = prop.slice(0, eq);
      const value = unescapeProp(prop.slice(eq + 1));
      if (key === 'title' || key === 'file') a[key] = value;
      if (key === 'line' || key === 'col') a[key] = Number(value);
    }
    out.push(a);
  }
  return out;
}

/** The `name<<delimiter` records core.setOutput appends to GITHUB_OUTPUT. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

export interface RunResult {
  stdout: string;
  annotations: Annotation[];
  outputs: Record<string, string>;
  summary: string;
  /** process.exitCode after the run: 1 when core.setFailed was called. */
  exitCode: number;
}

export interface RunOptions {
  /** The repository root: a fixture directory or this repository. */
  cwd: string;
  with: Record<string, string>;
  /** Event name and payload; no payload file when omitted. */
  event?: { name: string; payload: unknown };
}

/** Temporary files for one test file; removed by cleanup(). */
export class Workdir {
  private dir: string | undefined;
  async path(name: string): Promise<string> {
    this.dir ??= await mkdtemp(path.join(tmpdir(), 'sluice-action-'));
    return path.join(this.dir, name);
  }
  async cleanup(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Environment of one step: INPUT_*, GITHUB_* files and event; nothing else from the host's GITHUB_*. */
export async function stepEnv(o: RunOptions, work: Workdir, n: number) {
  const env: Record<string, string> = { ...(await inputEnv(o.with)) };
  const output = await work.path(`output-${n}`);
  await writeFile(output, '');
  env.GITHUB_OUTPUT = output;
  // @actions/core remembers the summary file it first wrote to: one per test file.
  env.GITHUB_STEP_SUMMARY = await work.path('summary.md');
  await writeFile(env.GITHUB_STEP_SUMMARY, '');
  env.GITHUB_REPOSITORY = GH_REPO;
  env.GITHUB_WORKSPACE = o.cwd;
  if (o.event) {
    const eventPath = await work.path(`event-${n}.json`);
    await writeFile(eventPath, JSON.stringify(o.event.payload));
    env.GITHUB_EVENT_NAME = o.event.name;
    env.GITHUB_EVENT_PATH = eventPath;
  }
  return env;
}

export async function collect(env: Record<string, string>, stdout: string, exitCode: number) {
  return {
    stdout,
    annotations: annotationsIn(stdout),
    outputs: parseOutputs(await readFile(env.GITHUB_OUTPUT!, 'utf8')),
    summary: await readFile(env.GITHUB_STEP_SUMMARY!, 'utf8'),
    exitCode,
  };
}

let runs = 0;

/** Runs action/src/main.ts in this process, in `o.cwd`, and restores everything after. */
export async function runInProcess(o: RunOptions, work: Workdir): Promise<RunResult> {
  const env = await stepEnv(o, work, ++runs);
  const saved = { ...process.env };
  const cwd = process.cwd();
  for (const k of Object.keys(process.env))
    if (k.startsWith('INPUT_') || k.startsWith('GITHUB_')) delete process.env[k];
  Object.assign(process.env, env);
  let stdout = '';
  const spy = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((stdout += String(chunk)), true));
  process.exitCode = undefined;
  try {
    process.chdir(o.cwd);
    await run();
  } finally {
    spy.mockRestore();
    process.chdir(cwd);
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return collect(env, stdout, exitCode);
}

/** Runs the committed bundle (`node action/dist/index.js`) as a child process in `o.cwd`. */
export async function runBundle(o: RunOptions, work: Workdir): Promise<RunResult> {
  const env = await stepEnv(o, work, ++runs);
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')) base[k] = v;
  const child = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      execFile(
        process.execPath,
        [path.join(REPO_ROOT, 'action/dist/index.js')],
        { cwd: o.cwd, env: { ...base, ...env }, timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
          if (err && code === null) reject(err);
          else resolve({ code, stdout, stderr });
        },
      );
    },
  );
  if (child.stderr.trim() !== '') throw new Error(`the bundle wrote to stderr:\n${child.stderr}`);
  return collect(env, child.stdout, child.code ?? -1);
}

/** `level file:line` of an annotation, `-` for what it lacks: compact to assert on. */
export const at = (a: Annotation) => `${a.level} ${a.file ?? '-'}:${a.line ?? '-'}`;
