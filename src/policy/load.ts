// Loading policies/*.yml: YAML with positions, zod validation, errors mapped back to the
// file, line and column of the offending node. All-or-nothing: any error fails the load.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, visit, isAlias, type Document } from 'yaml';
import { compilePolicySet, type ValidatedFile } from './compile.js';
import { policyFileSchema } from './schema.js';
import { issuesToErrors, nodeAt } from './yaml-position.js';
import type { PolicySet } from './policy-set.js';

/** A load error. line/column are 1-based; 0 means the error concerns the whole file or dir. */
export interface PolicyError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type LoadResult = { ok: true; policy: PolicySet } | { ok: false; errors: PolicyError[] };

export function formatPolicyError(e: PolicyError): string {
  return e.line > 0 ? `${e.file}:${e.line}:${e.column}: ${e.message}` : `${e.file}: ${e.message}`;
}

/** Policy files in a directory, in evaluation order: *.yml and *.yaml, dotfiles skipped. */
export async function listPolicyFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || !/\.ya?ml$/.test(e.name)) continue;
    // Follow symlinks (e.g. Kubernetes ConfigMap mounts) but never read directories.
    if (e.isFile() || (e.isSymbolicLink() && (await stat(path.join(dir, e.name))).isFile()))
      names.push(e.name);
  }
  // Plain code-unit order: the same on every machine and locale.
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((n) => path.join(dir, n));
}

interface ParsedFile {
  validated?: ValidatedFile;
  /** Where `settings:` is, when present (to report a second settings block). */
  settingsAt?: { line: number; column: number };
  errors: PolicyError[];
}

/** Parses and validates one policy file's text. `file` is the display path. */
export function parsePolicyFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    return {
      errors: yamlProblems.map((e) => ({
        file,
        ...at(e.pos[0]),
        message: `invalid YAML: ${e.message}`,
      })),
    };
  }
  if (doc.contents === null) {
    return {
      errors: [
        {
          file,
          line: 1,
          column: 1,
          message: 'empty policy file: expected a mapping with rules: and/or settings:',
        },
      ],
    };
  }
  const aliasError = unresolvedAlias(doc, at);
  if (aliasError) return { errors: [{ file, ...aliasError }] };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return {
      errors: [
        {
          file,
          line: 1,
          column: 1,
          message: `invalid YAML: ${err instanceof Error ? err.message : String(err)}`,
        },
      ],
    };
  }
  const parsed = policyFileSchema.safeParse(data);
  if (!parsed.success)
    return {
      errors: issuesToErrors(parsed.error.issues, doc, data, at).map((e) => ({ file, ...e })),
    };
  const ruleLines = (parsed.data.rules ?? []).map(
    (_, i) => at(nodeAt(doc, ['rules', i]).offset).line,
  );
  const result: ParsedFile = { validated: { file, input: parsed.data, ruleLines }, errors: [] };
  if (parsed.data.settings) result.settingsAt = at(nodeAt(doc, ['settings'], true).offset);
  return result;
}

function unresolvedAlias(doc: Document, at: (o: number) => { line: number; column: number }) {
  let found: { line: number; column: number; message: string } | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && node.resolve(doc) === undefined) {
        found = {
          ...at(node.range?.[0] ?? 0),
          message: `invalid YAML: alias *${node.source} has no anchor &${node.source} before it`,
        };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Reads, validates and compiles every policy file in `dir`. Never throws for bad input. */
export async function loadPolicies(dir: string): Promise<LoadResult> {
  let files: string[];
  try {
    files = await listPolicyFiles(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'policies directory not found'
        : code === 'ENOTDIR'
          ? 'not a directory'
          : String(err);
    return { ok: false, errors: [{ file: dir, line: 0, column: 0, message }] };
  }
  const texts: { file: string; text: string }[] = [];
  const errors: PolicyError[] = [];
  for (const file of files) {
    try {
      texts.push({ file, text: await readFile(file, 'utf8') });
    } catch (err) {
      errors.push({ file, line: 0, column: 0, message: `cannot read: ${(err as Error).message}` });
    }
  }
  const result = loadPolicyTexts(texts);
  return errors.length > 0
    ? { ok: false, errors: [...errors, ...(result.ok ? [] : result.errors)] }
    : result;
}

/** The same as loadPolicies over texts already read (in evaluation order). */
export function loadPolicyTexts(texts: { file: string; text: string }[]): LoadResult {
  const errors: PolicyError[] = [];
  const validated: ValidatedFile[] = [];
  let settingsFile: string | undefined;
  for (const { file, text } of texts) {
    const parsed = parsePolicyFile(file, text);
    errors.push(...parsed.errors);
    if (!parsed.validated) continue;
    if (parsed.settingsAt) {
      if (settingsFile !== undefined) {
        errors.push({
          file,
          ...parsed.settingsAt,
          message: `settings are already defined in ${settingsFile}: keep all settings in one file`,
        });
        continue;
      }
      settingsFile = file;
    }
    validated.push(parsed.validated);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, policy: compilePolicySet(validated) };
}
