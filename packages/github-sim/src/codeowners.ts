/**
 * CODEOWNERS as GitHub reads it (docs/github-api.md "Code owners"): the first of
 * `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`; owners are `@user` or
 * `@org/team` with write access to the repository (an email address is matched to
 * no sandbox user); a line naming an owner GitHub cannot use is an error
 * (GET /repos/{o}/{r}/codeowners/errors) and is skipped (UNCONFIRMED: the whole line,
 * not just the unknown owner). The last matching pattern decides a file's owners.
 */
import picomatch from 'picomatch';
import { atLeast, findUser, ownerOrg, permissionOf } from './access.js';
import type { SimRepo, SimState } from './model.js';

export const CODEOWNERS_LOCATIONS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

export interface CodeownersError {
  line: number;
  column: number;
  kind: string;
  source: string;
  suggestion: string | null;
  message: string;
  path: string;
}

interface OwnerLine {
  line: number;
  pattern: string;
  owners: string[];
}

/** The CODEOWNERS file GitHub uses, or null when there is none (the sandbox keeps one tree: the default branch's). */
export function codeownersFile(repo: SimRepo): { path: string; text: string } | null {
  for (const path of CODEOWNERS_LOCATIONS) {
    const text = repo.files[path];
    if (text !== undefined) return { path, text };
  }
  return null;
}

function parseLines(text: string): OwnerLine[] {
  const out: OwnerLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const body = raw.replace(/(^|[^\\])#.*$/, '$1').trim();
    if (body === '') return;
    const [pattern, ...owners] = body.split(/\s+/);
    out.push({ line: i + 1, pattern: pattern!, owners });
  });
  return out;
}

/** Can this owner token be requested for review? */
function ownerIsValid(state: SimState, repo: SimRepo, owner: string): boolean {
  if (!owner.startsWith('@')) return false; // e-mail owners: no sandbox user has one
  const name = owner.slice(1);
  if (name.includes('/')) {
    const [orgLogin, slug] = name.split('/');
    const org = ownerOrg(state, repo);
    if (!org || org.login.toLowerCase() !== orgLogin!.toLowerCase()) return false;
    const team = org.teams.find((t) => t.slug.toLowerCase() === slug!.toLowerCase());
    return team !== undefined && atLeast(repo.teams[team.slug], 'write');
  }
  const user = findUser(state, name);
  return user !== undefined && atLeast(permissionOf(state, user, repo), 'write');
}

/** The errors GitHub reports for the file (one per unusable owner, as GitHub's "Unknown owner"). */
export function codeownersErrors(state: SimState, repo: SimRepo): CodeownersError[] | null {
  const file = codeownersFile(repo);
  if (!file) return null;
  const lines = file.text.split(/\r?\n/);
  const out: CodeownersError[] = [];
  for (const entry of parseLines(file.text)) {
    const source = lines[entry.line - 1] ?? '';
    for (const owner of entry.owners) {
      if (ownerIsValid(state, repo, owner)) continue;
      const column = source.indexOf(owner) + 1;
      const what =
        owner.startsWith('@') && owner.includes('/')
          ? `the team ${owner} exists, is publicly visible, and has write access to the repository`
          : `${owner} exists and has write access to the repository`;
      out.push({
        line: entry.line,
        column,
        kind: 'Unknown owner',
        source,
        suggestion: null,
        message: `Unknown owner on line ${entry.line}: make sure ${what}\n\n  ${source}\n  ${' '.repeat(Math.max(0, column - 1))}^`,
        path: file.path,
      });
    }
  }
  return out;
}

const matchers = new Map<string, (p: string) => boolean>();
/** gitignore-style CODEOWNERS patterns: `/` anchors to the root, a trailing `/` is a directory, a bare name matches anywhere. */
function patternMatches(pattern: string, path: string): boolean {
  let fn = matchers.get(pattern);
  if (!fn) {
    let glob = pattern.startsWith('/') ? pattern.slice(1) : pattern.includes('/') && !pattern.endsWith('/') ? pattern : `**/${pattern}`;
    if (glob.endsWith('/')) glob = `${glob}**`;
    if (pattern === '*') glob = '**';
    const m = picomatch(glob, { dot: true });
    const under = picomatch(`${glob}/**`, { dot: true });
    fn = (p: string) => m(p) || under(p);
    matchers.set(pattern, fn);
  }
  return fn(path);
}

/** The usable owners of a path (the last matching line wins; an erroneous line is skipped). */
export function ownersOf(state: SimState, repo: SimRepo, path: string): string[] {
  const file = codeownersFile(repo);
  if (!file) return [];
  const bad = new Set((codeownersErrors(state, repo) ?? []).map((e) => e.line));
  let owners: string[] = [];
  for (const entry of parseLines(file.text)) {
    if (bad.has(entry.line) || entry.owners.length === 0) continue;
    if (patternMatches(entry.pattern, path)) owners = entry.owners;
  }
  return owners;
}
