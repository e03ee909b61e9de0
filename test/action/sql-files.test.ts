// Which SQL files the `sql` globs select, on the disk and in a PR's file list.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, parsePatterns } from '../../action/src/inputs.js';
import { filterChanged, findSqlFiles } from '../../action/src/sql-files.js';
import { FIXTURES } from './harness.js';

const valid = path.join(FIXTURES, 'valid');

describe('sql globs', () => {
  it('one pattern per line; ! excludes; ./ is the repository root; sorted', async () => {
    const patterns = parsePatterns('# all SQL but the broken one\n./**/*.sql\n\n!broken/**\n');
    expect(patterns).toEqual(['./**/*.sql', '!broken/**']);
    expect(await findSqlFiles(valid, patterns)).toEqual([
      'migrations/20240101_orders.sql',
      'migrations/20240102_order_notes.sql',
    ]);
    expect(await findSqlFiles(valid, ['broken/typo.sql', 'nowhere/*.sql'])).toEqual([
      'broken/typo.sql',
    ]);
  });

  it('narrows a PR file list the same way', () => {
    expect(
      filterChanged(
        ['migrations/b.sql', 'README.md', 'migrations/a.sql', 'migrations/seeds/s.sql'],
        ['migrations/**/*.sql', '!migrations/seeds/**'],
      ),
    ).toEqual(['migrations/a.sql', 'migrations/b.sql']);
  });

  it('patterns outside the repository are input errors', async () => {
    for (const p of ['/etc/*.sql', '../other/*.sql', '!../x.sql'])
      await expect(findSqlFiles(valid, [p])).rejects.toThrow(InputError);
  });
});
