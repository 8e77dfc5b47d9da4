/**
 * The contract between the simulator and GitHub, checked on every exchange a
 * test makes (issue 2 item 4):
 *
 * REST — against GitHub's OpenAPI description (@octokit/openapi
 * `generated/api.github.com.json`, the non-dereferenced file: 0.3 s to parse
 * and ~160 MB, versus 1.6 s and ~290 MB for the .deref.json; component
 * schemas are shared through one ajv `$id`, so each response schema compiles
 * once per worker, lazily, on first use):
 *   - the route + method exists in the description;
 *   - a request body that breaks the route's request schema was refused with 422
 *     (the schema as GitHub's validator applies it: where recorded answers show it
 *     differs from the description, the corrections in request-validator.ts);
 *   - the response body matches the schema documented for its status
 *     (application/json); 204/304 carry no body (and a 304 no content type); undocumented success
 *     statuses are violations; undocumented error statuses (401, 403 rate
 *     limits, …) must at least be GitHub's `{message}` error shape.
 * GraphQL (`/graphql`) — the query is parsed and validated against GitHub's
 * schema (@octokit/graphql-schema): an invalid query is a violation (unless
 * the test declared it deliberate — then it must come back as errors without
 * data); a valid one's `data` must match the shape the query and schema
 * imply (types, nullability, enum values, no missing/extra keys).
 *
 * Exchanges shaped by an injected fault are not GitHub behaviour and are skipped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import {
  Kind,
  getOperationAST,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Exchange } from '../index.js';
import { correctRequestSchema, createOpenApiAjv, normaliseOpenApiSchema, recordedRequestProblems } from '../openapi/request-validator.js';
import { githubSchema } from '../graphql/schema.js';
import { checkGithubQuery } from '../graphql/validation.js';

const require = createRequire(import.meta.url);

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
  responses: Record<string, ResponseObject>;
}
interface Spec {
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, ResponseObject>; schemas: Record<string, unknown> };
}

let loaded: { spec: Spec; ajv: ReturnType<typeof createOpenApiAjv>; loadMs: number; rssDeltaMb: number } | undefined;
const validators = new Map<string, ValidateFunction | null>();

/** GitHub's REST description, parsed once per worker. */
export function loadRestSpec() {
  if (loaded) return loaded;
  const rss = process.memoryUsage().rss;
  const started = performance.now();
  const spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as Spec;
  const ajv = createOpenApiAjv();
  // Components under one $id; operation schemas point into it with `spec#/components/…`.
  ajv.addSchema({ ...(normaliseOpenApiSchema({ components: spec.components }) as object), $id: 'spec' });
  loaded = { spec, ajv, loadMs: performance.now() - started, rssDeltaMb: (process.memoryUsage().rss - rss) / 1e6 };
  return loaded;
}

function compile(schema: unknown, options: { response?: boolean } = {}): ValidateFunction {
  const { ajv } = loadRestSpec();
  let text = JSON.stringify(schema).replace(/"#\/components\//g, '"spec#/components/');
  // Response alternatives in GitHub's description overlap (e.g. a 409 is
  // `oneOf: [basic-error, repository-rule-violation-error]`, and a plain
  // {message, documentation_url} matches both), so "exactly one" cannot hold
  // for real GitHub answers either: a response must match at least one.
  // Only the operation's own top level is relaxed; shared components keep oneOf.
  if (options.response) text = text.replace(/"oneOf":/g, '"anyOf":');
  const rooted = JSON.parse(text);
  return ajv.compile(normaliseOpenApiSchema(rooted) as object);
}

function operationOf(method: string, route: string): Operation | undefined {
  return loadRestSpec().spec.paths[route]?.[method.toLowerCase()];
}

function resolveResponse(response: ResponseObject | undefined): ResponseObject | undefined {
  if (!response?.$ref) return response;
  const name = response.$ref.split('/').pop() ?? '';
  return loadRestSpec().spec.components.responses[name];
}

function cached(key: string, make: () => ValidateFunction | null): ValidateFunction | null {
  if (!validators.has(key)) validators.set(key, make());
  return validators.get(key) ?? null;
}

/** Does the description define METHOD route? */
export function specHasRoute(method: string, route: string): boolean {
  return operationOf(method, route) !== undefined;
}

const describeAjv = (v: ValidateFunction): string =>
  (v.errors ?? [])
    .slice(0, 6)
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''}`,
    )
    .join('; ');

function isGithubErrorBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string';
}

function checkRest(e: Exchange & { route: string }): string[] {
  const method = e.method === 'HEAD' ? 'GET' : e.method;
  const op = operationOf(method, e.route);
  if (!op) return [`${method} ${e.route} is not in GitHub's OpenAPI description`];
  const problems: string[] = [];

  // (a) The request body.
  const requestSchema = op.requestBody?.content?.['application/json']?.schema;
  const hasBody = e.requestBody !== undefined && e.requestBody !== null;
  if (requestSchema && hasBody) {
    // The description as GitHub's own validator applies it (where the two differ, recorded
    // answers decide: correctRequestSchema/recordedRequestProblems, docs/github-api.md).
    const key = `${method} ${e.route}`;
    const v = cached(`req ${key}`, () => compile(correctRequestSchema(key, requestSchema)));
    // A refusal of any kind (422, or 400 "Problems parsing JSON", or an auth error
    // GitHub checks first) is fine; accepting the body is the violation.
    if (v && !v(e.requestBody) && e.status < 400) {
      problems.push(`accepted (${e.status}) a request body GitHub's schema refuses: ${describeAjv(v)}`);
    }
    const recorded = recordedRequestProblems(key, e.requestBody);
    if (recorded.length > 0 && e.status < 400) problems.push(`accepted (${e.status}) a request body GitHub refuses: ${recorded.join(' ')}`);
  }
  if (op.requestBody?.required && !hasBody && e.status < 400) {
    problems.push(`accepted (${e.status}) a request without the body GitHub requires`);
  }

  // (b) The response.
  if (e.status === 204 || e.status === 304) {
    if (e.responseBody !== null && e.responseBody !== undefined && e.responseBody !== '') problems.push(`${e.status} must have no body`);
    if (e.status === 304 && e.responseHeaders['content-type'] !== undefined) problems.push('304 must not carry a content type');
    if (!op.responses[String(e.status)] && e.status === 204) problems.push('204 is not documented for this route');
    return problems;
  }
  const response = resolveResponse(op.responses[String(e.status)]);
  if (!response) {
    if (e.status < 400) problems.push(`status ${e.status} is not documented for this route`);
    else if (!isGithubErrorBody(e.responseBody)) problems.push(`error ${e.status} without GitHub's {message} body`);
    return problems;
  }
  const schema = response.content?.['application/json']?.schema;
  if (!schema) {
    if (e.responseBody !== null && e.responseBody !== undefined && e.status < 400)
      problems.push(`status ${e.status} is documented without a body, got one`);
    return problems;
  }
  const v = cached(`res ${method} ${e.route} ${e.status}`, () => compile(schema, { response: true }));
  if (v && !v(e.responseBody)) problems.push(`response does not match the ${e.status} schema: ${describeAjv(v)}`);
  return problems;
}

// ------------------------------------------------------------------ GraphQL

interface GraphqlBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface CheckOptions {
  /**
   * Query texts a test sends on purpose although GitHub's schema refuses
   * them (to check the error answer). Any other invalid query is a violation:
   * it is a query GitHub would refuse, sent by qms or a test.
   */
  expectedInvalidQueries?: ReadonlySet<string>;
}

function checkGraphql(e: Exchange, options: CheckOptions): string[] {
  const req = (e.requestBody ?? {}) as GraphqlBody;
  const res = (e.responseBody ?? {}) as { data?: unknown; errors?: unknown };
  if (e.status !== 200) return isGithubErrorBody(e.responseBody) ? [] : [`GraphQL error ${e.status} without GitHub's {message} body`];
  if (typeof req.query !== 'string') return res.data == null ? [] : ['answered data to a request without a query'];
  const schema = githubSchema();
  const checked = checkGithubQuery(schema, req.query);
  if (checked.errors.length > 0 || !checked.document) {
    const reasons = checked.errors.map((x) => x.message).join('; ');
    if (res.data != null || !Array.isArray(res.errors) || res.errors.length === 0)
      return [`executed a query GitHub's schema refuses: ${reasons}`];
    return options.expectedInvalidQueries?.has(req.query) ? [] : [`sent a query GitHub's schema refuses: ${reasons}`];
  }
  if (res.data === undefined || res.data === null) {
    return Array.isArray(res.errors) && res.errors.length > 0 ? [] : ['neither data nor errors'];
  }
  const variables = (typeof req.variables === 'object' && req.variables !== null ? req.variables : {}) as Record<string, unknown>;
  const operationName = typeof req.operationName === 'string' ? req.operationName : null;
  return checkGraphqlData(schema, checked.document, operationName, variables, res.data);
}

/**
 * Does `data` have the shape the operation asks for? Checks every selected
 * key is present and no other, scalars have the right JSON type, enums are
 * schema values, non-null fields are not null, abstract types name a
 * possible `__typename`.
 */
export function checkGraphqlData(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
  variables: Record<string, unknown>,
  data: unknown,
): string[] {
  const operation = getOperationAST(document, operationName);
  if (!operation) return ['no operation to check the data against'];
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return ['schema has no root type for the operation'];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const problems: string[] = [];

  const included = (
    node:
      | FieldNode
      | { directives?: readonly { name: { value: string }; arguments?: readonly { name: { value: string }; value: unknown }[] }[] },
  ): boolean => {
    for (const d of node.directives ?? []) {
      if (d.name.value !== 'include' && d.name.value !== 'skip') continue;
      const arg = d.arguments?.find((a) => a.name.value === 'if')?.value as
        { kind: string; value?: boolean; name?: { value: string } } | undefined;
      const value = arg?.kind === Kind.VARIABLE ? variables[arg.name?.value ?? ''] === true : arg?.value === true;
      if (d.name.value === 'include' ? !value : value) return false;
    }
    return true;
  };

  const applies = (typeName: string, runtime: GraphQLObjectType): boolean => {
    if (typeName === runtime.name) return true;
    const t = schema.getType(typeName);
    return t !== undefined && t !== null && isAbstractType(t) && schema.isSubType(t, runtime);
  };

  const collect = (
    runtime: GraphQLObjectType,
    sets: readonly SelectionSetNode[],
    out = new Map<string, FieldNode[]>(),
    seen = new Set<string>(),
  ) => {
    for (const set of sets) {
      for (const s of set.selections) {
        if (!included(s)) continue;
        if (s.kind === Kind.FIELD) {
          const key = s.alias?.value ?? s.name.value;
          out.set(key, [...(out.get(key) ?? []), s]);
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          if (!s.typeCondition || applies(s.typeCondition.name.value, runtime)) collect(runtime, [s.selectionSet], out, seen);
        } else {
          const f = fragments.get(s.name.value);
          if (f && !seen.has(f.name.value) && applies(f.typeCondition.name.value, runtime)) {
            seen.add(f.name.value);
            collect(runtime, [f.selectionSet], out, seen);
          }
        }
      }
    }
    return out;
  };

  const check = (type: GraphQLOutputType, value: unknown, sets: readonly SelectionSetNode[], path: string): void => {
    if (isNonNullType(type)) {
      if (value === null || value === undefined) problems.push(`${path}: null for non-null ${String(type)}`);
      else check(type.ofType, value, sets, path);
      return;
    }
    if (value === null) return;
    if (value === undefined) {
      problems.push(`${path}: missing`);
      return;
    }
    if (isListType(type)) {
      if (!Array.isArray(value)) problems.push(`${path}: expected a list for ${String(type)}`);
      else value.forEach((item, i) => check(type.ofType, item, sets, `${path}[${i}]`));
      return;
    }
    if (isEnumType(type)) {
      if (typeof value !== 'string' || !type.getValue(value))
        problems.push(`${path}: ${JSON.stringify(value)} is not a ${type.name} value`);
      return;
    }
    if (isScalarType(type)) {
      const ok =
        type.name === 'Int'
          ? Number.isInteger(value)
          : type.name === 'Float'
            ? typeof value === 'number'
            : type.name === 'Boolean'
              ? typeof value === 'boolean'
              : // String, ID and GitHub's custom scalars (DateTime, URI, GitObjectID, HTML, …) are strings on the wire.
                typeof value === 'string';
      if (!ok) problems.push(`${path}: ${JSON.stringify(value)} is not a ${type.name}`);
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${path}: expected an object for ${type.name}`);
      return;
    }
    const obj = value as Record<string, unknown>;
    let runtimes: GraphQLObjectType[];
    if (isObjectType(type)) runtimes = [type];
    else if (isAbstractType(type)) runtimes = [...schema.getPossibleTypes(type)];
    else return;
    // With __typename selected, the object names its type; else it must fit one possible type.
    const typenameKey = [...collect(runtimes[0] as GraphQLObjectType, sets).entries()].find(
      ([, nodes]) => nodes[0]?.name.value === '__typename',
    )?.[0];
    const named = typenameKey !== undefined ? obj[typenameKey] : undefined;
    if (typeof named === 'string') {
      const runtime = runtimes.find((t) => t.name === named);
      if (!runtime) {
        problems.push(`${path}: __typename ${named} is not a possible ${type.name}`);
        return;
      }
      runtimes = [runtime];
    }
    let best: string[] | undefined;
    for (const runtime of runtimes) {
      const local: string[] = [];
      const fields = collect(runtime, sets);
      for (const key of Object.keys(obj)) if (!fields.has(key)) local.push(`${path}.${key}: not selected`);
      for (const [key, nodes] of fields) {
        const node = nodes[0] as FieldNode;
        const at = `${path}.${key}`;
        if (node.name.value === '__typename') {
          if (obj[key] !== runtime.name) local.push(`${at}: expected ${runtime.name}, got ${JSON.stringify(obj[key])}`);
          continue;
        }
        const def = runtime.getFields()[node.name.value];
        if (!def) {
          local.push(`${at}: ${runtime.name} has no field ${node.name.value}`);
          continue;
        }
        const childSets = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
        const before = problems.length;
        check(def.type, obj[key], childSets, at);
        local.push(...problems.splice(before));
      }
      if (local.length === 0) return;
      if (!best || local.length < best.length) best = local;
    }
    problems.push(...(best ?? []));
  };

  const rootType: GraphQLOutputType = root;
  check(rootType, data, [operation.selectionSet], 'data');
  return problems;
}

// ------------------------------------------------------------------ entry

/**
 * Contract violations in one exchange (empty when it is what GitHub would
 * send). Each line starts with the exchange.
 */
export function checkExchange(e: Exchange, options: CheckOptions = {}): string[] {
  if (e.fault) return [];
  const label = `${e.method} ${e.path} → ${e.status}`;
  let problems: string[];
  if (e.route === null) {
    // No such route: GitHub answers 404 {message}; nothing else to hold it to.
    problems = e.status === 404 && isGithubErrorBody(e.responseBody) ? [] : [`unknown route answered ${e.status}`];
  } else if (e.route === '/graphql') {
    problems = checkGraphql(e, options);
  } else {
    problems = checkRest(e as Exchange & { route: string });
  }
  return problems.map((p) => `${label}: ${p}`);
}

/** Numbers for the report: how long the spec took to load and what it cost in memory. */
export function contractStats(): { specLoadMs: number; specRssMb: number; compiledSchemas: number; infoVersion: string } {
  const l = loadRestSpec();
  return {
    specLoadMs: Math.round(l.loadMs),
    specRssMb: Math.round(l.rssDeltaMb),
    compiledSchemas: validators.size,
    infoVersion: l.spec.info.version,
  };
}
