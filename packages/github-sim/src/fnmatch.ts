/**
 * Ruby's `File.fnmatch(pattern, name, File::FNM_PATHNAME)`: the matching GitHub
 * documents for branch protection rule patterns and ruleset name patterns (see
 * the package README, "Branch name patterns"). Written from Ruby's documented
 * behaviour and checked against Ruby itself (test/fnmatch.test.ts):
 *
 * - `*` matches any run of characters within one `/`-separated segment, `?` one
 *   character; neither matches `/`.
 * - `**` followed by `/` at the start of a segment matches zero or more whole
 *   segments (`**` anywhere else is a plain `*`).
 * - `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]`: one character of a class, never `/`
 *   (with `caretIsLiteral`, `[^…]` is a class that contains `^`: only `!` complements).
 *   A class that is never closed makes the pattern match nothing.
 * - `\x` is a literal `x` (with `noEscape`, as FNM_NOESCAPE: `\` is an ordinary character).
 * - No brace expansion, no extglobs (GitHub passes no FNM_EXTGLOB).
 * - Case-sensitive (no FNM_CASEFOLD).
 * - A segment that starts with `.` is matched only by a pattern segment starting
 *   with a literal `.`, and a `**` segment never spans one (no FNM_DOTMATCH).
 *   Git forbids branch name components that start with `.`, so this never
 *   matters for branches; it does for repository names such as `.github`.
 */

type Token =
  { kind: 'char'; cp: number } | { kind: 'one' } | { kind: 'star' } | { kind: 'class'; negated: boolean; ranges: [number, number][] };

/** A pattern part: one name segment, or `**` (any number of segments). */
type Part = { kind: 'segment'; tokens: Token[] } | { kind: 'globstar' };

const SLASH = 0x2f;
const DOT = 0x2e;
const STAR = 0x2a;
const BACKSLASH = 0x5c;

interface Compiled {
  /** null: the pattern can never match (an unclosed `[`). */
  parts: Part[] | null;
}

export interface FnmatchOptions {
  /** FNM_NOESCAPE: `\` is an ordinary character, not a quote. */
  noEscape?: boolean;
  /** `^` right after `[` is a member, not a complement (only `!` complements). */
  caretIsLiteral?: boolean;
}

const cache = new Map<string, Compiled>();

/** Does `name` match `pattern` as `File.fnmatch(pattern, name, File::FNM_PATHNAME)` does? */
export function fnmatchPathname(pattern: string, name: string, options: FnmatchOptions = {}): boolean {
  const compiled = compile(pattern, options);
  if (compiled.parts === null) return false;
  const segments = name.split('/').map((s) => Array.from(s, (c) => c.codePointAt(0) as number));
  return matchParts(compiled.parts, 0, segments, 0, new Map());
}

function compile(pattern: string, options: FnmatchOptions): Compiled {
  const key = `${options.noEscape ? 1 : 0}${options.caretIsLiteral ? 1 : 0}${pattern}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = {
      parts: parse(
        Array.from(pattern, (c) => c.codePointAt(0) as number),
        options,
      ),
    };
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}

function parse(p: number[], options: FnmatchOptions): Part[] | null {
  const escape = options.noEscape !== true;
  const parts: Part[] = [];
  let i = 0;
  for (;;) {
    // `**/` at a segment start (repeats collapse into one).
    if (p[i] === STAR && p[i + 1] === STAR && p[i + 2] === SLASH) {
      while (p[i] === STAR && p[i + 1] === STAR && p[i + 2] === SLASH) i += 3;
      if (parts[parts.length - 1]?.kind !== 'globstar') parts.push({ kind: 'globstar' });
      continue;
    }
    const tokens: Token[] = [];
    while (i < p.length && p[i] !== SLASH) {
      const c = p[i] as number;
      if (c === STAR) {
        while (p[i] === STAR) i++;
        tokens.push({ kind: 'star' });
      } else if (c === 0x3f /* ? */) {
        tokens.push({ kind: 'one' });
        i++;
      } else if (c === 0x5b /* [ */) {
        const parsed = parseClass(p, i + 1, escape, options.caretIsLiteral === true);
        if (!parsed) return null;
        tokens.push(parsed.token);
        i = parsed.next;
      } else if (c === BACKSLASH && escape) {
        // `\x` is x; an escaped `/` still ends the segment; a trailing `\` is nothing.
        i++;
        if (i < p.length && p[i] !== SLASH) tokens.push({ kind: 'char', cp: p[i++] as number });
      } else {
        tokens.push({ kind: 'char', cp: c });
        i++;
      }
    }
    parts.push({ kind: 'segment', tokens });
    if (i >= p.length) return parts;
    i++; // the '/'
  }
}

/**
 * A class after its `[`: Ruby reads items up to the first `]` (so `[]` is an
 * empty class and `]` cannot be a member), `a-b` is a range unless `-` comes
 * right before the `]`, `\` escapes. The class may run over a `/` of the
 * pattern; it still never matches a `/` of the name.
 */
function parseClass(p: number[], start: number, escape: boolean, caretIsLiteral: boolean): { token: Token; next: number } | null {
  let i = start;
  let negated = false;
  if (p[i] === 0x21 /* ! */ || (p[i] === 0x5e /* ^ */ && !caretIsLiteral)) {
    negated = true;
    i++;
  }
  const ranges: [number, number][] = [];
  for (;;) {
    if (i >= p.length) return null;
    if (p[i] === 0x5d /* ] */) return { token: { kind: 'class', negated, ranges }, next: i + 1 };
    if (p[i] === BACKSLASH && escape) i++;
    if (i >= p.length) return null;
    const low = p[i++] as number;
    if (i >= p.length) return null;
    if (p[i] === 0x2d /* - */ && p[i + 1] !== 0x5d) {
      i++;
      if (p[i] === BACKSLASH && escape) i++;
      if (i >= p.length) return null;
      ranges.push([low, p[i++] as number]);
    } else {
      ranges.push([low, low]);
    }
  }
}

function inClass(token: Extract<Token, { kind: 'class' }>, c: number): boolean {
  // An inverted range such as [z-a] still matches its two ends, as Ruby's does.
  const member = token.ranges.some(([low, high]) => c === low || c === high || (low <= c && c <= high));
  return member !== token.negated;
}

function matchParts(parts: Part[], pi: number, segments: number[][], si: number, memo: Map<number, boolean>): boolean {
  const key = pi * (segments.length + 1) + si;
  const known = memo.get(key);
  if (known !== undefined) return known;
  let result: boolean;
  const part = parts[pi];
  if (part === undefined) result = si === segments.length;
  else if (part.kind === 'globstar') {
    // Zero segments, or swallow one (never one that starts with a dot) and try again.
    const next = segments[si];
    result =
      matchParts(parts, pi + 1, segments, si, memo) ||
      (next !== undefined && next[0] !== DOT && matchParts(parts, pi, segments, si + 1, memo));
  } else {
    const segment = segments[si];
    result = segment !== undefined && matchSegment(part.tokens, segment) && matchParts(parts, pi + 1, segments, si + 1, memo);
  }
  memo.set(key, result);
  return result;
}

function matchSegment(tokens: Token[], s: number[]): boolean {
  if (s[0] === DOT) {
    const first = tokens[0];
    if (!(first?.kind === 'char' && first.cp === DOT)) return false;
  }
  // Classic wildcard matching with one backtrack point: the last `*` seen.
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < s.length) {
    const token = tokens[t];
    if (token?.kind === 'star') {
      starT = t++;
      starI = i;
      continue;
    }
    const c = s[i] as number;
    const ok = token !== undefined && (token.kind === 'one' || (token.kind === 'char' ? token.cp === c : inClass(token, c)));
    if (ok) {
      t++;
      i++;
    } else if (starT >= 0) {
      t = starT + 1;
      i = ++starI;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}
