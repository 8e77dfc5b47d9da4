/**
 * Whether a CODEOWNERS file can make "require review from code owners" bind
 * anything. GitHub applies the requirement to content that has a code owner
 * (docs/github-api.md "Code owners"): with no file in `.github/`, the root or
 * `docs/`, or a file whose every owner line GitHub reports as an error
 * (GET /repos/{o}/{r}/codeowners/errors), no pull request needs a code owner.
 */
import type { CodeOwnersRead } from './github-types.js';

/** The three places GitHub looks, in its order: the first file found is used. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

export type CodeOwnersUsability =
  | { status: 'usable'; path: string }
  | { status: 'absent'; reason: string }
  | { status: 'invalid'; path: string; reason: string }
  | { status: 'unknown'; reason: string };

/** Line numbers (1-based) of rule lines: a pattern followed by at least one owner. */
export function ownerLines(text: string): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    // Everything after an unescaped `#` is a comment.
    const body = line.replace(/(^|[^\\])#.*$/, '$1').trim();
    const [, ...owners] = body.split(/\s+/);
    if (owners.some((o) => o.startsWith('@') || o.includes('@'))) out.push(i + 1);
  });
  return out;
}

/**
 * A line GitHub reports an error on is not used (UNCONFIRMED for an unknown owner
 * next to valid ones on the same line: counted as unusable, the conservative reading).
 */
export function codeOwnersUsability(read: CodeOwnersRead | null): CodeOwnersUsability {
  if (read === null) return { status: 'unknown', reason: 'CODEOWNERS was not read' };
  if (read.kind === 'unknown') return { status: 'unknown', reason: read.reason };
  if (read.kind === 'absent') return { status: 'absent', reason: 'no CODEOWNERS file in .github/, the root or docs/' };
  const bad = new Set(read.errors.map((e) => e.line));
  const lines = ownerLines(read.text);
  if (lines.length === 0) return { status: 'invalid', path: read.path, reason: `${read.path} names no owner` };
  if (lines.every((l) => bad.has(l))) {
    const kinds = [...new Set(read.errors.map((e) => e.kind.toLowerCase()))].join(', ');
    return { status: 'invalid', path: read.path, reason: `every owner line of ${read.path} is invalid (${kinds})` };
  }
  return { status: 'usable', path: read.path };
}
