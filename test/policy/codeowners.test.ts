// Every rule in GitHub's "About code owners" documentation, plus the gitignore pattern rules
// it inherits, against our own parser and matcher.
import { describe, expect, it } from 'vitest';
import { isValidOwner, ownersFor, parseCodeowners, ruleFor } from '../../src/policy/codeowners.js';

const owners = (text: string, p: string) => ownersFor(parseCodeowners(text), p);

// The example file from GitHub's documentation, verbatim in substance.
const GITHUB_EXAMPLE = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer.
*.go docs@example.com

# Teams can be specified as code owners as well.
*.txt @octo-org/octocats

/build/logs/ @doctocat

docs/*  docs@example.com

apps/ @octocat

/docs/ @doctocat

/scripts/ @doctocat @octocat

**/logs @octocat

/apps/ @octocat
/apps/github
`;

describe('GitHub documentation example file', () => {
  const file = parseCodeowners(GITHUB_EXAMPLE, '.github/CODEOWNERS');

  it('parses without errors, ignoring comments and blank lines', () => {
    expect(file.errors).toEqual([]);
    expect(file.rules.map((r) => r.pattern)).toEqual([
      '*',
      '*.js',
      '*.go',
      '*.txt',
      '/build/logs/',
      'docs/*',
      'apps/',
      '/docs/',
      '/scripts/',
      '**/logs',
      '/apps/',
      '/apps/github',
    ]);
    expect(file.rules[0]).toEqual({
      pattern: '*',
      owners: ['@global-owner1', '@global-owner2'],
      line: 8,
    });
  });

  it('the default owners own everything no later line matches', () => {
    expect(ownersFor(file, 'README.md')).toEqual(['@global-owner1', '@global-owner2']);
    expect(ownersFor(file, 'src/deep/thing.rb')).toEqual(['@global-owner1', '@global-owner2']);
  });

  it('the last matching pattern takes precedence; an inline comment is not an owner', () => {
    expect(ownersFor(file, 'src/index.js')).toEqual(['@js-owner']);
    expect(ruleFor(file, 'src/index.js')?.line).toBe(14);
  });

  it('owners can be emails and @org/team', () => {
    expect(ownersFor(file, 'cmd/main.go')).toEqual(['docs@example.com']);
    expect(ownersFor(file, 'notes/todo.txt')).toEqual(['@octo-org/octocats']);
  });

  it('docs/* matches direct children only, /docs/ is recursive', () => {
    // docs/* is followed by /docs/ in the file, so the recursive rule wins for both.
    expect(ownersFor(file, 'docs/getting-started.md')).toEqual(['@doctocat']);
    expect(ownersFor(file, 'docs/build-app/troubleshooting.md')).toEqual(['@doctocat']);
  });

  it('several owners on one line are all owners', () => {
    expect(ownersFor(file, 'scripts/deploy.sh')).toEqual(['@doctocat', '@octocat']);
  });

  it('**/logs matches a logs directory at any depth', () => {
    for (const p of [
      'build/logs/a.log',
      'scripts/logs/a.log',
      'deeply/nested/logs/a.log',
      'logs/a.log',
    ]) {
      expect(ownersFor(file, p)).toEqual(['@octocat']);
    }
  });

  it('a pattern without owners unowns the path (/apps/github)', () => {
    expect(ownersFor(file, 'apps/web/index.html')).toEqual(['@octocat']);
    expect(ownersFor(file, 'apps/github/index.html')).toEqual([]);
    expect(ownersFor(file, 'apps/github/deep/x.rb')).toEqual([]);
    expect(ownersFor(file, 'apps/github')).toEqual([]);
  });
});

describe('each documented pattern on its own', () => {
  const base = '* @default\n';
  it('/build/logs/: the build/logs directory at the root and its subdirectories', () => {
    const t = `${base}/build/logs/ @doctocat`;
    expect(owners(t, 'build/logs/a.log')).toEqual(['@doctocat']);
    expect(owners(t, 'build/logs/2024/a.log')).toEqual(['@doctocat']);
    expect(owners(t, 'x/build/logs/a.log')).toEqual(['@default']);
    expect(owners(t, 'build/logs')).toEqual(['@default']); // a file named logs is not the directory
  });

  it('docs/*: docs/getting-started.md but not docs/build-app/troubleshooting.md', () => {
    const t = `${base}docs/*  docs@example.com`;
    expect(owners(t, 'docs/getting-started.md')).toEqual(['docs@example.com']);
    expect(owners(t, 'docs/build-app/troubleshooting.md')).toEqual(['@default']);
    // A slash in the middle anchors it to the root, as in gitignore.
    expect(owners(t, 'sub/docs/getting-started.md')).toEqual(['@default']);
  });

  it('apps/: any apps directory anywhere', () => {
    const t = `${base}apps/ @octocat`;
    expect(owners(t, 'apps/a')).toEqual(['@octocat']);
    expect(owners(t, 'x/y/apps/a/b')).toEqual(['@octocat']);
    expect(owners(t, 'x/apps')).toEqual(['@default']);
    expect(owners(t, 'x/myapps/a')).toEqual(['@default']);
  });

  it('/docs/: the docs directory at the root and every subdirectory', () => {
    const t = `${base}/docs/ @doctocat`;
    expect(owners(t, 'docs/a/b/c.md')).toEqual(['@doctocat']);
    expect(owners(t, 'src/docs/a.md')).toEqual(['@default']);
  });

  it('/apps/github @doctocat: a subdirectory with its own owner', () => {
    const t = `/apps/ @octocat\n/apps/github @doctocat`;
    expect(owners(t, 'apps/github/x')).toEqual(['@doctocat']);
    expect(owners(t, 'apps/other/x')).toEqual(['@octocat']);
  });

  it('owners on separate lines for the same pattern: only the last line counts', () => {
    expect(owners('/apps/ @doctocat\n/apps/ @octocat', 'apps/x')).toEqual(['@octocat']);
    expect(owners('/apps/ @doctocat @octocat', 'apps/x')).toEqual(['@doctocat', '@octocat']);
  });

  it('is case sensitive', () => {
    expect(owners('*.JS @a', 'x.js')).toEqual([]);
    expect(owners('/Docs/ @a', 'docs/x')).toEqual([]);
    expect(owners('/Docs/ @a', 'Docs/x')).toEqual(['@a']);
  });

  it('an unmatched path is unowned', () => {
    expect(owners('*.js @a', 'x.rb')).toEqual([]);
    expect(owners('', 'x.rb')).toEqual([]);
  });
});

describe('gitignore pattern rules', () => {
  const cases: [string, Record<string, boolean>][] = [
    [
      'foo',
      {
        foo: true,
        'foo/x': true,
        'a/foo': true,
        'a/foo/x': true,
        'foo.txt': false,
        'a/foobar': false,
      },
    ],
    ['/foo', { foo: true, 'foo/x': true, 'a/foo': false }],
    ['foo/', { foo: false, 'foo/x': true, 'a/foo/x/y': true }],
    ['a/b', { 'a/b': true, 'a/b/c': true, 'x/a/b': false }],
    ['*', { x: true, 'a/b/c': true }],
    ['/*', { x: true, 'a/b': false }],
    ['/*/', { x: false, 'a/b': true, 'a/b/c': true }],
    ['f*', { foo: true, 'foo/x': true, 'a/fa': true, bar: false }],
    ['f?o', { foo: true, fo: false, fooo: false, 'f/o': false }],
    [
      '**/foo/bar',
      { 'foo/bar': true, 'a/b/foo/bar': true, 'a/foo/bar/c': true, 'foo/x/bar': false },
    ],
    ['a/**/b', { 'a/b': true, 'a/x/b': true, 'a/x/y/b': true, 'a/x/y/b/c': true, 'x/a/b': false }],
    ['a/**', { a: false, 'a/x': true, 'a/x/y': true, 'b/a/x': false }],
    ['a/*.txt', { 'a/x.txt': true, 'a/b/x.txt': false }],
    ['a/*/c', { 'a/b/c': true, 'a/b/c/d': true, 'a/c': false }],
    ['**', { x: true, 'a/b': true }],
    ['f\\*o', { 'f*o': true, foo: false }],
    ['my\\ file.txt', { 'my file.txt': true, my: false }],
    ['*.min.js', { 'a/b.min.js': true, 'a/bmin.js': false }],
  ];
  for (const [pattern, paths] of cases) {
    it(`${pattern}`, () => {
      const f = parseCodeowners(`${pattern} @o`);
      expect(f.errors).toEqual([]);
      for (const [p, want] of Object.entries(paths)) {
        expect([p, ownersFor(f, p).length > 0]).toEqual([p, want]);
      }
    });
  }
});

describe('syntax GitHub does not support is reported with its line', () => {
  it('! negation, [ ] ranges and \\# escapes', () => {
    const f = parseCodeowners('* @a\n!*.js @b\n*.[ch] @c\n\\#file @d\n*.rb @e\n');
    expect(f.errors.map((e) => e.line)).toEqual([2, 3, 4]);
    expect(f.errors[0]!.message).toMatch(/negation/);
    expect(f.errors[1]!.message).toMatch(/\[ \]/);
    expect(f.errors[2]!.message).toMatch(/escaping "#"/);
    // Invalid lines are skipped; the rest still applies.
    expect(f.rules.map((r) => r.line)).toEqual([1, 5]);
  });

  it('invalid owners are reported', () => {
    const f = parseCodeowners('*.js octocat\n*.rb @org/\n*.go @ok @org/team a@b.io');
    expect(f.errors.map((e) => e.line)).toEqual([1, 2]);
    expect(f.errors[0]!.message).toMatch(/invalid owner "octocat"/);
    expect(f.rules).toEqual([{ pattern: '*.go', owners: ['@ok', '@org/team', 'a@b.io'], line: 3 }]);
  });

  it('owner formats', () => {
    for (const ok of ['@octocat', '@octo-org/octocats', '@o/t_x.y', 'docs@example.com'])
      expect(isValidOwner(ok)).toBe(true);
    for (const bad of ['octocat', '@', '@-x', '@a/b/c', 'a@b', '@a b'])
      expect(isValidOwner(bad)).toBe(false);
  });

  it('files of 3 MB or more are rejected, as GitHub ignores them', () => {
    const f = parseCodeowners('* @a\n' + '#'.repeat(3 * 1024 * 1024));
    expect(f.rules).toEqual([]);
    expect(f.errors[0]!.message).toMatch(/3 MB/);
  });

  it('CRLF line endings and indentation are fine', () => {
    const f = parseCodeowners('  *.js @a   # js\r\n*.rb\t@b\r\n');
    expect(f.errors).toEqual([]);
    expect(f.rules.map((r) => [r.pattern, r.owners, r.line])).toEqual([
      ['*.js', ['@a'], 1],
      ['*.rb', ['@b'], 2],
    ]);
  });
});
