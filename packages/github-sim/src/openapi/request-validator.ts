/**
 * Validates request bodies against GitHub's OpenAPI request schemas, so the
 * simulator answers a body GitHub would refuse with GitHub's 422
 * `Invalid request.\n\n<problems>` (GITHUB-API.md §1, §7).
 *
 * The schemas are a committed subset of @octokit/openapi
 * (request-schemas.json, written by scripts/extract-openapi-subset.mjs), read
 * on first use and compiled per route on first use. Problems are worded the
 * way GitHub's validator words them — `"restrictions" wasn't supplied.`,
 * `For 'properties/enforce_admins', {"enabled"=>true} is not a boolean or null.`,
 * `No subschema in "oneOf" matched.` — one line per problem. A failed
 * oneOf/anyOf is reported once, followed by the problems of its closest
 * alternative only (ajv reports every alternative's errors: ~45 lines for a
 * ruleset with one bad rule).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

export interface RequestSchemaFile {
  source: string;
  infoVersion: string;
  /** "METHOD /template" → JSON schema of the application/json body, or null (no body). */
  routes: Record<string, unknown>;
}

const FILE_NAME = 'request-schemas.json';

/**
 * Where the schema file is: beside this module (src/ under vitest, dist/ when
 * the build copies it), else in the package's src/openapi (a checkout
 * running dist/ without the copy step).
 */
export function requestSchemasPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, FILE_NAME);
  if (existsSync(beside)) return beside;
  // dist/openapi → package root → src/openapi
  const inSource = join(here, '..', '..', 'src', 'openapi', FILE_NAME);
  if (existsSync(inSource)) return inSource;
  throw new Error(`${FILE_NAME} not found beside ${here} (the build must copy src/openapi/${FILE_NAME} to dist/openapi/)`);
}

let file: RequestSchemaFile | undefined;
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction | null>();

export function loadRequestSchemas(): RequestSchemaFile {
  file ??= JSON.parse(readFileSync(requestSchemasPath(), 'utf8')) as RequestSchemaFile;
  return file;
}

/** One ajv for the process: strict off (OpenAPI keywords), all errors, formats. */
export function createOpenApiAjv(): Ajv {
  // verbose: errors carry their data and parent schema (for `nullable` in messages).
  const instance = new Ajv({ strict: false, allErrors: true, verbose: true });
  // ajv-formats is CommonJS; under NodeNext its default import is the module object.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
  addFormats(instance);
  return instance;
}

/**
 * OpenAPI 3.0's `nullable: true` next to `type` is understood by ajv; next to
 * a oneOf/anyOf without `type` it is not (ajv then refuses null). Add a
 * `{type: 'null'}` alternative to the oneOf/anyOf (or wrap other schemas in
 * one). Returns a transformed copy.
 */
export function normaliseOpenApiSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normaliseOpenApiSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = normaliseOpenApiSchema(v);
  if (out['nullable'] === true && out['type'] === undefined) {
    delete out['nullable'];
    for (const key of ['oneOf', 'anyOf']) {
      const alternatives = out[key];
      if (Array.isArray(alternatives)) return { ...out, [key]: [...alternatives, { type: 'null' }] };
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

function validatorFor(key: string): ValidateFunction | null {
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  const schema = loadRequestSchemas().routes[key];
  let v: ValidateFunction | null = null;
  if (schema !== undefined && schema !== null) {
    ajv ??= createOpenApiAjv();
    v = ajv.compile(normaliseOpenApiSchema(correctRequestSchema(key, schema)) as object);
  }
  compiled.set(key, v);
  return v;
}

/**
 * null when `body` satisfies the route's request schema (or the route has
 * none) as GitHub's validator applies it; else the text GitHub puts after
 * "Invalid request.\n\n".
 */
export function validateRequestBody(method: string, route: string, body: unknown): string | null {
  const key = `${method.toUpperCase()} ${route}`;
  const validate = validatorFor(key);
  const recorded = recordedRequestProblems(key, body);
  const valid = !validate || validate(body);
  if (valid && recorded.length === 0) return null;
  return [...recorded, ...(valid ? [] : describeSchemaErrors(validate?.errors ?? [], body))].join('\n');
}

// ------------------------------------------- GitHub's validator vs its description

const PROTECTION_PUT = 'PUT /repos/{owner}/{repo}/branches/{branch}/protection';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where GitHub's own validator differs from its published description, each
 * difference backed by answers GitHub gave to real requests (docs/github-api.md,
 * "Required status checks in a protection PUT"). The description stays the
 * source (request-schemas.json is a verbatim extract); the simulator, the
 * contract harness and the tests of qms's bodies all apply these corrections,
 * so they agree on what GitHub accepts.
 *
 * `required_status_checks`: the description requires `contexts`; GitHub
 * requires exactly one of `contexts` and `checks` (either may be an empty
 * list). The patched schema drops `contexts` from `required`; the "exactly
 * one" is judged by `recordedRequestProblems`, worded as GitHub words it.
 * Returns a patched copy (or `schema` itself when nothing applies).
 */
export function correctRequestSchema(key: string, schema: unknown): unknown {
  if (key !== PROTECTION_PUT || !isPlainObject(schema)) return schema;
  const props = schema['properties'];
  if (!isPlainObject(props) || !isPlainObject(props['required_status_checks'])) return schema;
  const rsc = props['required_status_checks'];
  const required = Array.isArray(rsc['required']) ? (rsc['required'] as unknown[]).filter((k) => k !== 'contexts') : ['strict'];
  return { ...schema, properties: { ...props, required_status_checks: { ...rsc, required } } };
}

/**
 * A status-check object with neither or both of `contexts` and `checks`,
 * refused line for line as GitHub refuses it (neither: ossf/allstar PR #220,
 * integrations/terraform-provider-github#2261, google/go-github#2976; both:
 * ossf/allstar#155, google/go-github#2976). Judged only once the object is
 * otherwise well-typed: GitHub reports a type error in its place
 * (google/go-github#2467). Both keys with both lists empty: refused
 * (ossf/allstar PR #220), wording UNCONFIRMED — the "exactly one key" rule
 * above predicts "More than one".
 */
function statusCheckAlternatives(rsc: unknown): string[] {
  if (!isPlainObject(rsc) || typeof rsc['strict'] !== 'boolean') return [];
  const has = (k: string) => k in rsc;
  if ((has('contexts') && !Array.isArray(rsc['contexts'])) || (has('checks') && !Array.isArray(rsc['checks']))) return [];
  if (has('contexts') !== has('checks')) return [];
  return [
    'No subschema in "anyOf" matched.',
    has('contexts') ? 'More than one subschema in "oneOf" matched.' : 'No subschema in "oneOf" matched.',
    'Not all subschemas of "allOf" matched.',
    `For 'anyOf/1', ${rubyInspect(rsc)} is not a null.`,
  ];
}

/** Problems GitHub reports beyond the (corrected) schema: lines of its "Invalid request." message. */
export function recordedRequestProblems(key: string, body: unknown): string[] {
  if (key !== PROTECTION_PUT || !isPlainObject(body)) return [];
  return statusCheckAlternatives(body['required_status_checks']);
}

// ------------------------------------------------------------- wording

/** Values as GitHub's (Ruby) validator prints them: `{"enabled"=>true}`, `nil`. */
export function rubyInspect(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(rubyInspect).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}=>${rubyInspect(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

const ARTICLES: Record<string, string> = {
  boolean: 'a boolean',
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** `properties/enforce_admins`, `items`, `anyOf/1`: the schema fragment GitHub names in "For '…'". */
function fragment(schemaPath: string, keyword: string): string {
  const parts = schemaPath.replace(/^#\/?/, '').split('/');
  if (parts[parts.length - 1] === keyword) parts.pop();
  const last = parts[parts.length - 1];
  const before = parts[parts.length - 2];
  if (before === 'properties' || before === 'anyOf' || before === 'oneOf' || before === 'allOf') return `${before}/${last}`;
  return last ?? '';
}

function valueAt(root: unknown, instancePath: string): unknown {
  if (instancePath === '') return root;
  let node: unknown = root;
  for (const raw of instancePath.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function describeOne(e: ErrorObject, body: unknown): string {
  const data = valueAt(body, e.instancePath);
  const at = fragment(e.schemaPath, e.keyword);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${JSON.stringify(p['missingProperty'])} wasn't supplied.`;
    case 'type': {
      const types = String(p['type']).split(',');
      if ((e.parentSchema as { nullable?: boolean } | undefined)?.nullable === true && !types.includes('null')) types.push('null');
      return `For '${at}', ${rubyInspect(data)} is not ${types.map((t) => ARTICLES[t] ?? t).join(' or ')}.`;
    }
    case 'enum':
      return `For '${at}', ${rubyInspect(data)} is not a member of ${rubyInspect(p['allowedValues'])}.`;
    case 'const':
      return `For '${at}', ${rubyInspect(data)} is not ${rubyInspect(p['allowedValue'])}.`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `For '${at}', ${rubyInspect(data)} must be less than ${e.keyword === 'maximum' ? 'or equal to ' : ''}${String(p['limit'])}.`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `For '${at}', ${rubyInspect(data)} must be greater than ${e.keyword === 'minimum' ? 'or equal to ' : ''}${String(p['limit'])}.`;
    case 'maxItems':
      return `For '${at}', ${rubyInspect(data)} has more than ${String(p['limit'])} items.`;
    case 'minItems':
      return `For '${at}', ${rubyInspect(data)} has fewer than ${String(p['limit'])} items.`;
    case 'maxLength':
      return `For '${at}', ${rubyInspect(data)} is longer than ${String(p['limit'])} characters.`;
    case 'minLength':
      return `For '${at}', ${rubyInspect(data)} is shorter than ${String(p['limit'])} characters.`;
    case 'pattern':
      return `For '${at}', ${rubyInspect(data)} does not match /${String(p['pattern'])}/.`;
    case 'format':
      return `For '${at}', ${rubyInspect(data)} is not a valid ${String(p['format'])}.`;
    case 'additionalProperties':
      return `For '${at}', ${rubyInspect(data)} has an unexpected property ${JSON.stringify(p['additionalProperty'])}.`;
    case 'uniqueItems':
      return `For '${at}', ${rubyInspect(data)} has duplicate items.`;
    default:
      return `For '${at}', ${rubyInspect(data)} ${e.message ?? 'is invalid'}.`;
  }
}

const isInside = (e: ErrorObject, prefix: string): boolean => e.schemaPath.startsWith(`${prefix}/`);

/**
 * GitHub-style lines for ajv's errors: combinator failures collapsed to one
 * line plus the problems of the closest alternative (fewest errors, deepest
 * first error — the branch the caller most likely meant).
 */
export function describeSchemaErrors(errors: readonly ErrorObject[], body: unknown): string[] {
  const lines: string[] = [];
  const combinators = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  // Innermost combinators are handled by their enclosing one; start from the outermost.
  const outer = combinators.filter((c) => !combinators.some((o) => o !== c && isInside(c, o.schemaPath)));
  const consumed = new Set<ErrorObject>();
  for (const c of outer) {
    consumed.add(c);
    const inside = errors.filter((e) => isInside(e, c.schemaPath));
    inside.forEach((e) => consumed.add(e));
    const at = fragment(c.schemaPath, c.keyword);
    // For oneOf, ajv also fails when several alternatives pass (params.passingSchemas): then no branch has errors.
    const branches = new Map<string, ErrorObject[]>();
    for (const e of inside) {
      const m = e.schemaPath.slice(c.schemaPath.length + 1).match(/^(\d+)/);
      if (!m) continue;
      const list = branches.get(m[1] as string) ?? [];
      list.push(e);
      branches.set(m[1] as string, list);
    }
    let candidates = [...branches.values()];
    // Alternatives that differ only in type (string | array | null): one "is not a … or …" line.
    const typeOnly =
      candidates.length > 1 &&
      candidates.every((list) => list.length === 1 && list[0]?.keyword === 'type' && list[0].instancePath === c.instancePath);
    if (typeOnly) {
      const types = [...new Set(candidates.flatMap((list) => String((list[0]?.params as { type?: unknown }).type).split(',')))];
      lines.push(`For '${at}', ${rubyInspect(valueAt(body, c.instancePath))} is not ${types.map((t) => ARTICLES[t] ?? t).join(' or ')}.`);
      continue;
    }
    const head = `No subschema in "${c.keyword}" matched.`;
    lines.push(at === '' ? head : `For '${at}', no subschema in "${c.keyword}" matched.`);
    // A discriminator (e.g. a rule's `type`): alternatives that refuse the value by enum/const
    // are not what the caller meant. If all refuse it, say which values would do.
    const refusals = (list: ErrorObject[]) => list.filter((e) => (e.keyword === 'enum' || e.keyword === 'const') && e.instancePath !== '');
    const discriminators = new Set(candidates.flatMap((list) => refusals(list).map((e) => e.instancePath)));
    for (const path of discriminators) {
      const refusing = candidates.filter((list) => refusals(list).some((e) => e.instancePath === path));
      if (refusing.length < 2) continue;
      const accepting = candidates.filter((list) => !refusing.includes(list));
      if (accepting.length > 0) {
        candidates = accepting;
        continue;
      }
      const allowed = [
        ...new Set(
          refusing.flatMap((list) =>
            refusals(list)
              .filter((e) => e.instancePath === path)
              .flatMap((e) => {
                const p = e.params as { allowedValues?: unknown[]; allowedValue?: unknown };
                return p.allowedValues ?? [p.allowedValue];
              }),
          ),
        ),
      ];
      const sample = refusals(refusing[0] as ErrorObject[]).find((e) => e.instancePath === path) as ErrorObject;
      lines.push(
        `For '${fragment(sample.schemaPath, sample.keyword)}', ${rubyInspect(valueAt(body, path))} is not a member of ${rubyInspect(allowed)}.`,
      );
      candidates = [];
      break;
    }
    const depth = (list: ErrorObject[]) => Math.max(...list.map((e) => e.instancePath.split('/').length));
    const closest = candidates.sort((a, b) => a.length - b.length || depth(b) - depth(a))[0];
    if (closest) lines.push(...describeSchemaErrors(closest, body));
  }
  for (const e of errors) if (!consumed.has(e)) lines.push(describeOne(e, body));
  return [...new Set(lines)];
}
