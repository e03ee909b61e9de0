// Makes the compiled CLI entry points executable: tsc writes files without the execute
// bit, and `npx sluice` runs the `bin` file itself, so from a fresh clone it would fail with
// "Permission denied". Run after every build (see package.json).
import { chmodSync, readFileSync } from 'node:fs';
import { URL } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
for (const file of Object.values(pkg.bin ?? {})) {
  chmodSync(new URL(`../${file}`, import.meta.url), 0o755);
}
