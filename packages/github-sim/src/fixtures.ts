/**
 * Loads the simulator's seed from a fixture directory (default: the
 * package's fixtures/): users.yml, orgs/*.yml, repos/<owner>.yml. Every file is
 * schema-checked on load; errors name file, line, column and the offending
 * field, and all of them are reported at once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { SimState } from './model.js';
import { orgFileSchema, reposFileSchema, usersFileSchema } from './fixture-schema.js';
import { buildState, type FixtureInput, type Locate } from './fixture-build.js';

/** The package's fixtures/, found from src/ or dist/ alike. */
export const DEFAULT_FIXTURE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export class SandboxFixtureError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid sandbox fixture:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'SandboxFixtureError';
  }
}

interface LoadedFile {
  file: string;
  doc: Document;
  lines: LineCounter;
  data: unknown;
}

let validators: { users: ValidateFunction; org: ValidateFunction; repos: ValidateFunction } | undefined;

function getValidators() {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    validators = {
      users: ajv.compile(usersFileSchema),
      org: ajv.compile(orgFileSchema),
      repos: ajv.compile(reposFileSchema),
    };
  }
  return validators;
}

function pointerSegments(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `file:line:col` of a path inside a loaded YAML document (the nearest existing ancestor). */
function position(f: LoadedFile, segments: readonly (string | number)[]): string {
  for (let n = segments.length; n >= 0; n--) {
    const node = f.doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      const { line, col } = f.lines.linePos(node.range[0]);
      return `${f.file}:${line}:${col}`;
    }
  }
  return `${f.file}:1:1`;
}

function describe(err: ErrorObject): string {
  const at = err.instancePath || '/';
  if (err.keyword === 'additionalProperties') return `${at}: unknown key "${String(err.params['additionalProperty'])}"`;
  if (err.keyword === 'enum') return `${at}: must be one of ${(err.params['allowedValues'] as unknown[]).join(', ')}`;
  return `${at}: ${err.message ?? 'is invalid'}`;
}

function readYaml(file: string, problems: string[]): LoadedFile | null {
  const lines = new LineCounter();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot read (${(err as Error).message})`);
    return null;
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const { line, col } = lines.linePos(e.pos[0]);
      problems.push(`${file}:${line}:${col}: YAML syntax error: ${e.message.split('\n')[0]}`);
    }
    return null;
  }
  return { file, doc, lines, data: doc.toJS() };
}

function check(f: LoadedFile, validate: ValidateFunction, problems: string[]): boolean {
  if (validate(f.data)) return true;
  // Drop oneOf/anyOf summary noise when a more precise error exists at the same place.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf' || (validate.errors ?? []).length === 1);
  for (const e of errors) problems.push(`${position(f, pointerSegments(e.instancePath))}: ${describe(e)}`);
  return false;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  // Sorted by name without extension, so `acme` precedes `acme-labs` (plain sort puts '-' before '.').
  const stem = (n: string) => n.replace(/\.ya?ml$/, '');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.yml') || n.endsWith('.yaml'))
    .sort((a, b) => (stem(a) < stem(b) ? -1 : stem(a) > stem(b) ? 1 : 0))
    .map((n) => path.join(dir, n));
}

/**
 * Reads, validates and builds the fixture into a fresh SimState.
 * Throws SandboxFixtureError listing every problem found.
 */
export function loadFixture(dir: string = DEFAULT_FIXTURE_DIR): SimState {
  const problems: string[] = [];
  const v = getValidators();
  const usersPath = path.join(dir, 'users.yml');
  if (!existsSync(usersPath)) throw new SandboxFixtureError([`${usersPath}: missing (a fixture needs users.yml)`]);
  const usersFile = readYaml(usersPath, problems);
  const orgFiles = yamlFiles(path.join(dir, 'orgs')).map((f) => readYaml(f, problems));
  const repoFiles = yamlFiles(path.join(dir, 'repos')).map((f) => readYaml(f, problems));
  if (usersFile) check(usersFile, v.users, problems);
  for (const f of orgFiles) if (f) check(f, v.org, problems);
  for (const f of repoFiles) if (f) check(f, v.repos, problems);
  if (problems.length > 0 || !usersFile) throw new SandboxFixtureError(problems);

  const byFile = new Map<string, LoadedFile>();
  for (const f of [usersFile, ...orgFiles, ...repoFiles]) if (f) byFile.set(f.file, f);
  const locate: Locate = (file, segments, message) => {
    const f = byFile.get(file);
    problems.push(`${f ? position(f, segments) : file}: ${message}`);
  };
  const input: FixtureInput = {
    users: { file: usersFile.file, data: usersFile.data as FixtureInput['users']['data'] },
    orgs: orgFiles.flatMap((f) => (f ? [{ file: f.file, data: f.data as FixtureInput['orgs'][number]['data'] }] : [])),
    repos: repoFiles.flatMap((f) =>
      f
        ? [{ file: f.file, owner: path.basename(f.file).replace(/\.ya?ml$/, ''), data: f.data as FixtureInput['repos'][number]['data'] }]
        : [],
    ),
  };
  const state = buildState(input, locate);
  if (problems.length > 0) throw new SandboxFixtureError(problems);
  return state;
}
