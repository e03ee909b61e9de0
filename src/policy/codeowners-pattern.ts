// One CODEOWNERS pattern compiled to a regular expression over repository paths.
//
// GitHub documents CODEOWNERS patterns as "most of the gitignore rules", with these
// differences, which is what this compiler implements (see docs/policy.md):
// - `!` negation, `[ ]` ranges and `\#` escapes are not supported (the parser reports them);
// - a trailing lone `*` segment (`docs/*`) matches direct children only, never nested files,
//   while `docs/`, `/docs/` and `docs/**` are recursive;
// - every other pattern matches the path itself or anything below it (`/apps/github`
//   owns the whole `apps/github` directory), as gitignore does for directories.
// Matching is case-sensitive, like GitHub's file system.
//
// Queries are repository paths without a leading slash. A query ending in `/` names a
// directory and asks "who owns the files directly inside it": that is how request paths
// (`requests/<db>/<schema>/<table>/`) are resolved, so that they agree with the review
// requests GitHub makes for the request files placed in that directory.

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/** One path segment (no `/`) to a regex fragment; `\x` is a literal x. */
function segmentRegex(seg: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch === '\\' && i + 1 < seg.length) {
      out += escapeRegex(seg[++i]!);
    } else if (ch === '*') {
      while (seg[i + 1] === '*') i++; // runs of stars inside a segment are one star (gitignore)
      out += '[^/]*';
    } else if (ch === '?') {
      out += '[^/]';
    } else {
      out += escapeRegex(ch);
    }
  }
  return out;
}

/** Splits on `/` that are not escaped. */
function splitSegments(p: string): string[] {
  const segs: string[] = [];
  let cur = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '\\' && i + 1 < p.length) {
      cur += ch + p[++i]!;
    } else if (ch === '/') {
      segs.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  segs.push(cur);
  return segs;
}

/**
 * Compiles a pattern that the parser has already validated. Throws on a pattern that
 * matches nothing sensible (empty, `/`, empty segments), which the parser reports.
 */
export function compileCodeownersPattern(pattern: string): RegExp {
  let segs = splitSegments(pattern);
  // A leading slash anchors; so does any slash before the last character.
  let anchored = false;
  if (segs[0] === '') {
    anchored = true;
    segs = segs.slice(1);
  }
  let dirOnly = false;
  if (segs.length > 1 && segs[segs.length - 1] === '') {
    dirOnly = true;
    segs = segs.slice(0, -1);
  }
  if (segs.length > 1) anchored = true;
  // `dir/**` means everything inside dir: the same as `dir/`.
  if (segs.length > 1 && segs[segs.length - 1] === '**') {
    dirOnly = true;
    segs = segs.slice(0, -1);
    while (segs.length > 1 && segs[segs.length - 1] === '**') segs = segs.slice(0, -1);
  }
  if (segs.length === 0 || segs.some((s) => s === '')) {
    throw new Error(`pattern ${JSON.stringify(pattern)} has an empty path segment`);
  }
  if (segs.length === 1 && segs[0] === '**') return /^.*$/s;
  // `***` and longer runs are plain stars (gitignore), only `**` is special.
  segs = segs.map((s) => (/^\*{3,}$/.test(s) ? '*' : s));

  let re = anchored ? '^' : '^(?:.*/)?';
  const last = segs.length - 1;
  segs.forEach((seg, i) => {
    if (seg === '**') {
      // Leading or middle `**/`: zero or more whole directories.
      re += '(?:.*/)?';
      return;
    }
    re += segmentRegex(seg);
    if (i < last) re += '/';
  });
  if (dirOnly) {
    re += '/.*$';
  } else if (segs[last] === '*' && anchored) {
    // `docs/*`, `/*`: direct children only (and, for a directory query `docs/`, the files
    // in it). An unanchored lone `*` floats to every depth and so matches everything.
    re += '$';
  } else {
    re += '(?:/.*)?$';
  }
  return new RegExp(re, 's');
}
