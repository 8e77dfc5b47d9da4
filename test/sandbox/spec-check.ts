/**
 * Validates sandbox responses against GitHub's OpenAPI description (the
 * response schema for route + method + status). A development aid for the
 * REST simulator; the contract suite (test/contract) is the authority.
 */
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Exchange } from '../../src/sandbox/index.js';

const require = createRequire(import.meta.url);
type Spec = { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }> }>>; components: { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> } };

let spec: Spec | undefined;
let ajv: Ajv | undefined;
const cache = new Map<string, ValidateFunction | null>();

function load(): { spec: Spec; ajv: Ajv } {
  if (!spec || !ajv) {
    spec = require('@octokit/openapi/generated/api.github.com.json') as Spec;
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    ajv.addSchema({ ...(normalise(spec) as object), $id: 'spec' });
  }
  return { spec, ajv };
}

/**
 * ajv refuses OpenAPI's `nullable` without a `type` (e.g. on a oneOf); rewrite
 * those as `anyOf: [schema, {type: null}]`. Returns a transformed copy.
 */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = normalise(v);
  if (out['nullable'] === true && out['type'] === undefined) {
    delete out['nullable'];
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function validatorFor(route: string, method: string, status: number): ValidateFunction | null | undefined {
  const key = `${method} ${route} ${status}`;
  if (cache.has(key)) return cache.get(key);
  const { spec: s, ajv: a } = load();
  const op = s.paths[route]?.[method.toLowerCase()];
  if (!op) return undefined;
  let response = op.responses[String(status)];
  let pointer = `spec#/paths/${escape(route)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  if (response?.$ref) {
    const name = response.$ref.split('/').pop() as string;
    response = s.components.responses[name];
    pointer = `spec#/components/responses/${escape(name)}/content/application~1json/schema`;
  }
  if (!response) {
    cache.set(key, null);
    return null;
  }
  if (!response.content?.['application/json']?.schema) {
    cache.set(key, null);
    return null;
  }
  const v = a.compile({ $ref: pointer });
  cache.set(key, v);
  return v;
}

export interface SpecProblem {
  exchange: string;
  problem: string;
}

/** Problems found in these exchanges (faulted and control traffic ignored; GraphQL has its own checks). */
export function checkExchanges(exchanges: readonly Exchange[]): { problems: SpecProblem[]; checked: number } {
  const problems: SpecProblem[] = [];
  let checked = 0;
  for (const e of exchanges) {
    if (e.fault || e.route === null || e.route === '/graphql') continue;
    const label = `${e.method} ${e.path} -> ${e.status}`;
    const v = validatorFor(e.route, e.method === 'HEAD' ? 'GET' : e.method, e.status);
    if (v === undefined) {
      problems.push({ exchange: label, problem: 'route/method not in the spec' });
      continue;
    }
    if (v === null) {
      // Undocumented statuses are fine for errors (GitHub sends them); a success must be documented.
      if (e.status < 400 && e.status !== 304 && e.status !== 204) problems.push({ exchange: label, problem: 'success status not documented' });
      continue;
    }
    checked++;
    if (!v(e.responseBody)) {
      problems.push({ exchange: label, problem: (v.errors ?? []).slice(0, 5).map((x) => `${x.instancePath} ${x.message}`).join('; ') });
    }
  }
  return { problems, checked };
}
