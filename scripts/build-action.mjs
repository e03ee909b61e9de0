#!/usr/bin/env node
// Builds the GitHub Action's committed bundle, action/dist/:
//   index.js          action/src/index.ts and everything it imports, one ESM file
//   libpg-query.wasm  PostgreSQL's parser; libpg-query loads it from the bundle's directory
//   package.json      {"type":"module"}, so index.js is ESM wherever the repository is checked out
//
//   node scripts/build-action.mjs            rebuild action/dist
//   node scripts/build-action.mjs --check    build into a temporary directory and compare it
//                                            byte for byte with action/dist; exit 1 on any
//                                            difference (CI: the committed bundle is fresh)
//   node scripts/build-action.mjs --check --dist DIR   the same against another directory
//
// The output depends only on the sources, the lockfile and esbuild's version: no timestamps,
// no absolute paths (absWorkingDir is the repository), no source maps.
import { build } from 'esbuild';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(REPO, 'action', 'dist');
const WASM = path.join(
  path.dirname(createRequire(import.meta.url).resolve('libpg-query')),
  'libpg-query.wasm',
);

// Bundled CommonJS code (libpg-query's Emscripten loader) uses require() for Node's
// built-ins and __dirname to find its .wasm file: give the ESM bundle all three, pointing at
// the bundle itself.
const BANNER = [
  "import { createRequire as __sluiceCreateRequire } from 'node:module';",
  "import { fileURLToPath as __sluiceFileURLToPath } from 'node:url';",
  "import { dirname as __sluiceDirname } from 'node:path';",
  'const require = __sluiceCreateRequire(import.meta.url);',
  'const __filename = __sluiceFileURLToPath(import.meta.url);',
  'const __dirname = __sluiceDirname(__filename);',
].join('\n');

/** Builds the bundle into `outDir` (emptied first). */
export async function buildAction(outDir) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    absWorkingDir: REPO,
    entryPoints: ['action/src/index.ts'],
    outfile: path.join(outDir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: BANNER },
    charset: 'utf8',
    legalComments: 'eof',
    sourcemap: false,
    logLevel: 'warning',
  });
  await copyFile(WASM, path.join(outDir, 'libpg-query.wasm'));
  await writeFile(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
}

async function listFiles(dir, rel = '') {
  const out = [];
  let entries;
  try {
    entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, child)));
    else out.push(child);
  }
  return out.sort();
}

/** File names that differ between two directories (missing on either side, or other bytes). */
export async function compareDirs(expected, actual) {
  const a = await listFiles(expected);
  const b = await listFiles(actual);
  const differ = [];
  for (const f of [...new Set([...a, ...b])].sort()) {
    if (!a.includes(f)) differ.push(`${f}: not in the fresh build`);
    else if (!b.includes(f)) differ.push(`${f}: missing`);
    else if (!(await readFile(path.join(expected, f))).equals(await readFile(path.join(actual, f))))
      differ.push(`${f}: differs`);
  }
  return differ;
}

async function main(argv) {
  const at = argv.indexOf('--dist');
  const dist = at >= 0 && argv[at + 1] ? path.resolve(argv[at + 1]) : DIST;
  if (argv.includes('--check')) {
    const tmp = await mkdtemp(path.join(tmpdir(), 'sluice-action-'));
    try {
      await buildAction(tmp);
      const differ = await compareDirs(tmp, dist);
      if (differ.length > 0) {
        process.stderr.write(
          `${path.relative(REPO, dist)} is not the build of the current sources:\n${differ.map((d) => `  ${d}\n`).join('')}` +
            'run `npm run build:action` and commit action/dist\n',
        );
        return 1;
      }
      process.stdout.write(`${path.relative(REPO, dist)} is up to date\n`);
      return 0;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  await buildAction(dist);
  process.stdout.write(`built ${path.relative(REPO, dist)}\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
