// CODEOWNERS: our own parser and matcher, following GitHub's documented rules
// (docs/policy.md lists them). Owners of a request path are the owners of the last
// matching line; a matching line without owners makes the path unowned.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { compileCodeownersPattern } from './codeowners-pattern.js';

export interface CodeownersRule {
  pattern: string;
  owners: string[];
  line: number;
}

export interface CodeownersFile {
  path: string;
  rules: CodeownersRule[];
  errors: { line: number; message: string }[];
}

/** GitHub refuses to load CODEOWNERS files of 3 MB or more. */
export const CODEOWNERS_MAX_BYTES = 3 * 1024 * 1024;

/** Where GitHub looks, in order; the first file found wins. */
export const CODEOWNERS_LOCATIONS = [
  '.github/CODEOWNERS',
  'CODEOWNERS',
  'docs/CODEOWNERS',
] as const;

const USER = /^@[A-Za-z0-9](?:[A-Za-z0-9_-]{0,99})$/;
const TEAM = /^@[A-Za-z0-9](?:[A-Za-z0-9_-]{0,99})\/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const EMAIL = /^[^@\s#]+@[^@\s#]+\.[^@\s#]+$/;

/** `@user`, `@org/team` or an email address, as GitHub accepts them in CODEOWNERS. */
export function isValidOwner(owner: string): boolean {
  return USER.test(owner) || TEAM.test(owner) || EMAIL.test(owner);
}

interface Token {
  text: string;
  /** The token started with `#` after whitespace: the rest of the line is a comment. */
  comment: boolean;
}

/** Splits a line on unescaped whitespace, stopping at an inline comment. */
function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    if (line[i] === '#') {
      tokens.push({ text: line.slice(i), comment: true });
      break;
    }
    let text = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      if (line[i] === '\\' && i + 1 < line.length) {
        text += line[i]! + line[i + 1]!;
        i += 2;
      } else {
        text += line[i]!;
        i++;
      }
    }
    tokens.push({ text, comment: false });
  }
  return tokens;
}

/** Why a pattern is not valid CODEOWNERS syntax, or undefined when it is. */
function patternProblem(pattern: string): string | undefined {
  if (pattern.startsWith('!')) return 'negation with "!" is not supported in CODEOWNERS';
  if (/[[\]]/.test(pattern)) return 'character ranges with "[ ]" are not supported in CODEOWNERS';
  if (pattern.includes('#')) return '"#" inside a pattern is not supported (it starts a comment)';
  if (/\\$/.test(pattern)) return 'pattern ends with a lone "\\"';
  try {
    compileCodeownersPattern(pattern);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return undefined;
}

export function parseCodeowners(text: string, filePath = 'CODEOWNERS'): CodeownersFile {
  const file: CodeownersFile = { path: filePath, rules: [], errors: [] };
  if (Buffer.byteLength(text, 'utf8') >= CODEOWNERS_MAX_BYTES) {
    file.errors.push({
      line: 1,
      message: 'CODEOWNERS files of 3 MB or more are ignored by GitHub',
    });
    return file;
  }
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (trimmed.startsWith('\\#')) {
      file.errors.push({
        line,
        message:
          'escaping "#" with "\\" is not supported in CODEOWNERS: the line would be a comment',
      });
      return;
    }
    const tokens = tokenize(trimmed).filter((t) => !t.comment);
    const [patternTok, ...ownerToks] = tokens;
    if (!patternTok) return;
    const problem = patternProblem(patternTok.text);
    if (problem) {
      file.errors.push({ line, message: `${problem}: ${patternTok.text}` });
      return;
    }
    const bad = ownerToks.find((t) => !isValidOwner(t.text));
    if (bad) {
      file.errors.push({
        line,
        message: `invalid owner ${JSON.stringify(bad.text)}: expected @user, @org/team or an email address`,
      });
      return;
    }
    file.rules.push({ pattern: patternTok.text, owners: ownerToks.map((t) => t.text), line });
  });
  return file;
}

interface Compiled {
  regexes: RegExp[];
  cache: Map<string, string[]>;
}
const compiledFiles = new WeakMap<CodeownersFile, Compiled>();
const CACHE_LIMIT = 10_000;

function compiled(file: CodeownersFile): Compiled {
  let c = compiledFiles.get(file);
  if (!c) {
    // Rules are validated at parse time; a hand-built invalid rule never matches.
    const regexes = file.rules.map((r) => {
      try {
        return compileCodeownersPattern(r.pattern);
      } catch {
        return /(?!)/;
      }
    });
    c = { regexes, cache: new Map() };
    compiledFiles.set(file, c);
  }
  return c;
}

/**
 * Owners of a repository path (a file, or a directory when it ends with `/`):
 * the owners of the last matching line; [] when unowned. The file is compiled on first
 * use and must not be mutated afterwards.
 */
export function ownersFor(file: CodeownersFile, filePath: string): string[] {
  const c = compiled(file);
  const query = filePath.replace(/^\/+/, '');
  const hit = c.cache.get(query);
  if (hit) return [...hit];
  let owners: string[] = [];
  for (let i = c.regexes.length - 1; i >= 0; i--) {
    if (c.regexes[i]!.test(query)) {
      owners = file.rules[i]!.owners;
      break;
    }
  }
  if (c.cache.size >= CACHE_LIMIT) c.cache.clear();
  c.cache.set(query, owners);
  return [...owners];
}

/** The line that decides ownership of a path (for explanations), if any. */
export function ruleFor(file: CodeownersFile, filePath: string): CodeownersRule | undefined {
  const c = compiled(file);
  const query = filePath.replace(/^\/+/, '');
  for (let i = c.regexes.length - 1; i >= 0; i--) {
    if (c.regexes[i]!.test(query)) return file.rules[i];
  }
  return undefined;
}

/** `.github/CODEOWNERS`, then `CODEOWNERS`, then `docs/CODEOWNERS`: the first that exists. */
export async function findCodeowners(
  repoRoot: string,
): Promise<{ path: string; text: string } | undefined> {
  for (const rel of CODEOWNERS_LOCATIONS) {
    const p = path.join(repoRoot, rel);
    try {
      if (!(await stat(p)).isFile()) continue;
      return { path: p, text: await readFile(p, 'utf8') };
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code === 'ENOENT' ||
        (err as NodeJS.ErrnoException).code === 'ENOTDIR'
      ) {
        continue;
      }
      throw err;
    }
  }
  return undefined;
}
