/**
 * Shared by the apply/rollback/crash/lock e2e tests: run the built qms against a
 * simulator, capture the live state of repositories exactly as GitHub's API
 * answers (plain fetch, no qms code in between), and count write requests.
 */
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Exchange } from '@qms/github-sim';
import { ACTOR_FRAGMENT, RULE_FIELDS } from '../../src/github/map/protection-rule.js';
import { runQms, type QmsRun, type TempDirs } from '../helpers/e2e.js';

export const ADA = 'qms_sandbox_ada';

export interface Api {
  url: string;
}

/** A request as a plain client would make it (ada's token). */
export async function api(
  sb: Api,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sb.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `token ${ADA}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

const RULES_QUERY = `
query Rules($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    branchProtectionRules(first: 100) { nodes { ${RULE_FIELDS} } }
  }
}
${ACTOR_FRAGMENT}`;

/**
 * Everything a rollback must restore, per repository, as the API returns it:
 * GET …/branches/{b}/protection (status + exact JSON) for every branch, every classic
 * rule node (GraphQL, every field qms reads), and the repository's merge settings.
 */
export async function captureLive(sb: Api, owner: string, repos: readonly string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const name of repos) {
    const repo = await api(sb, `/repos/${owner}/${name}`);
    const r = repo.body as Record<string, unknown>;
    out[`${name} merge`] = { squash: r['allow_squash_merge'], merge: r['allow_merge_commit'], rebase: r['allow_rebase_merge'] };
    const branches = (await api(sb, `/repos/${owner}/${name}/branches?per_page=100`)).body as { name: string }[];
    for (const b of branches) {
      out[`${name}@${b.name}`] = await api(sb, `/repos/${owner}/${name}/branches/${encodeURIComponent(b.name)}/protection`);
    }
    const rules = await api(sb, '/graphql', { method: 'POST', body: { query: RULES_QUERY, variables: { owner, name } } });
    out[`${name} rules`] = rules.body;
  }
  return out;
}

/** A write request to GitHub: REST other than GET/HEAD, or a GraphQL mutation. */
export function isWrite(e: Pick<Exchange, 'method' | 'route' | 'requestBody'>): boolean {
  if (e.route === '/graphql') {
    const q = (e.requestBody as { query?: unknown } | null)?.query;
    return typeof q === 'string' && /^\s*mutation\b/.test(q);
  }
  return e.method !== 'GET' && e.method !== 'HEAD';
}

export function writesOf(stats: { restWrite: number; graphqlMutations: number }): number {
  return stats.restWrite + stats.graphqlMutations;
}

export function qmsRunner(sb: Api, dirs: TempDirs, extraEnv: Record<string, string> = {}) {
  return (args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<QmsRun> =>
    runQms(['--api-url', sb.url, '--db', dirs.db, ...args], {
      env: { ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: ADA, ...extraEnv },
      timeoutMs: options.timeoutMs ?? 120_000,
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
}

/** Parse a command's JSON stdout, or fail with its stderr. */
export function jsonOf<T = any>(run: QmsRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`no JSON on stdout (exit ${run.code}):\n${run.stdout.slice(0, 2000)}\n--- stderr ---\n${run.stderr.slice(0, 4000)}`);
  }
}

const require = createRequire(import.meta.url);

/** ajv for the output schemas (draft 2020-12, formats). `file` relative to this directory. */
export function compileSchema(file: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  const addFormats =
    (addFormatsModule as unknown as { default?: (a: Ajv2020) => void }).default ?? (addFormatsModule as unknown as (a: Ajv2020) => void);
  addFormats(ajv);
  return ajv.compile(require(file) as object);
}
