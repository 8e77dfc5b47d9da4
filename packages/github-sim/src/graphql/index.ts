/**
 * POST /graphql for the GitHub simulator: GitHub's real schema
 * (@octokit/graphql-schema), validated and executed with graphql-js over the
 * simulator state, answering the way api.github.com does:
 *
 * - every answer to a well-formed request is HTTP 200; syntax, validation,
 *   node-limit and rate-limit problems come back in `errors` (GITHUB-API.md §3);
 * - the cost is computed statically before execution (docs: "Rate limits and
 *   query limits for the GraphQL API") and returned so the server can charge
 *   it; a viewer whose remaining points are below it gets RATE_LIMITED and
 *   nothing runs;
 * - connections need first/last (≤ 100) and a call may request ≤ 500,000 nodes.
 */
import { defaultFieldResolver, execute, getOperationAST, getVariableValues, GraphQLError, type GraphQLFieldResolver } from 'graphql';
import type { GraphqlContext } from './context.js';
import { githubSchema } from './schema.js';
import { parseGithubQuery, validateGithubDocument } from './validation.js';
import { analyzeOperation, NODE_LIMIT, nodeLimitMessage } from './cost.js';
import { formatExecutionError, githubError, notFoundError, type GithubGraphqlError } from './errors.js';
import { findOrg, findUser } from '../access.js';
import { buildOrganizationNode, buildUserNode, resolveNode, resolveRepository, type Exec, type GraphqlRateBudget } from './objects.js';
import { createBranchProtectionRule, deleteBranchProtectionRule, updateBranchProtectionRule } from './mutations.js';

export type { GraphqlContext } from './context.js';
export type { GraphqlRateBudget } from './objects.js';
export type { GithubGraphqlError } from './errors.js';

/**
 * What the server may add to the context: the viewer's GraphQL budget before
 * this request (limit/used/remaining/reset, e.g. the rate limiter's pool
 * view). Without it the executor assumes a fresh 5,000-point window.
 */
export type ExecuteGraphqlContext = GraphqlContext & { rateLimit?: GraphqlRateBudget };

export interface GraphqlResult {
  status: number;
  body: unknown;
  /** Points to charge: the computed cost; 1 for requests refused before execution; 0 when rate limited. */
  cost: number;
  mutation: boolean;
}

/** Default primary budget for users (docs: 5,000 points per hour). */
const DEFAULT_LIMIT = 5000;

const refused = (errors: GithubGraphqlError[], cost = 1): GraphqlResult => ({ status: 200, body: { errors }, cost, mutation: false });

interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | null;
}

function readRequest(body: unknown): GraphqlRequest | GithubGraphqlError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const query = b['query'];
  if (typeof query !== 'string' || query.trim() === '') {
    // GitHub's text; HTTP 200 is UNCONFIRMED (clients report it as a GraphQL error).
    return { message: 'A query attribute must be specified and must be a string.' };
  }
  let variables = b['variables'];
  if (typeof variables === 'string') {
    try {
      variables = variables.trim() === '' ? {} : JSON.parse(variables);
    } catch {
      return { message: 'Variables are invalid JSON.' }; // wording UNCONFIRMED
    }
  }
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return { message: 'Variables are invalid JSON.' };
  }
  const operationName = typeof b['operationName'] === 'string' && b['operationName'] !== '' ? b['operationName'] : null;
  return { query, variables: (variables ?? {}) as Record<string, unknown>, operationName };
}

/**
 * graphql-js's default resolver, except that a field the simulator does not
 * model is an explicit error instead of a silent null.
 */
const fieldResolver: GraphQLFieldResolver<unknown, Exec> = (source, args, exec, info) => {
  if (source !== null && typeof source === 'object' && !(info.fieldName in source)) {
    throw githubError('SANDBOX_UNIMPLEMENTED', `The GitHub sandbox does not implement \`${info.parentType.name}.${info.fieldName}\`.`);
  }
  return defaultFieldResolver(source, args, exec, info);
};

function rootValue(exec: Exec) {
  const { state } = exec;
  const { analysis, budget } = exec;
  return {
    viewer: () => buildUserNode(exec, exec.viewer),
    rateLimit: () => ({
      __typename: 'RateLimit',
      cost: analysis.cost,
      limit: budget.limit,
      nodeCount: analysis.nodeCount,
      used: budget.used + analysis.cost,
      remaining: Math.max(0, budget.remaining - analysis.cost),
      resetAt: new Date(budget.reset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    }),
    node: ({ id }: { id: string }) => resolveNode(exec, id),
    // Unresolvable ids become null entries with an error each.
    nodes: ({ ids }: { ids: string[] }) =>
      ids.map((id) => {
        try {
          return resolveNode(exec, id);
        } catch (e) {
          return e;
        }
      }),
    organization: ({ login }: { login: string }) => {
      const org = findOrg(state, login);
      if (!org) throw notFoundError(`Could not resolve to an Organization with the login of '${login}'.`);
      return buildOrganizationNode(exec, org);
    },
    user: ({ login }: { login: string }) => {
      const user = findUser(state, login);
      if (!user) throw notFoundError(`Could not resolve to a User with the login of '${login}'.`);
      return buildUserNode(exec, user);
    },
    repositoryOwner: ({ login }: { login: string }) => {
      const org = findOrg(state, login);
      if (org) return buildOrganizationNode(exec, org);
      const user = findUser(state, login);
      return user ? buildUserNode(exec, user) : null;
    },
    repository: ({ owner, name }: { owner: string; name: string }) => resolveRepository(exec, owner, name),
    createBranchProtectionRule: ({ input }: { input: Parameters<typeof createBranchProtectionRule>[1] }) =>
      createBranchProtectionRule(exec, input),
    updateBranchProtectionRule: ({ input }: { input: Parameters<typeof updateBranchProtectionRule>[1] }) =>
      updateBranchProtectionRule(exec, input),
    deleteBranchProtectionRule: ({ input }: { input: Parameters<typeof deleteBranchProtectionRule>[1] }) =>
      deleteBranchProtectionRule(exec, input),
  };
}

/** graphql-ruby's wording for variables that do not coerce (`problems` as graphql-ruby lists them). */
function formatVariableError(error: GraphQLError, variables: Record<string, unknown>): GithubGraphqlError {
  const node = error.nodes?.[0];
  if (node && node.kind === 'VariableDefinition') {
    const name = node.variable.name.value;
    const type = error.source ? error.source.body.slice(node.type.loc?.start ?? 0, node.type.loc?.end ?? 0) : '';
    const explanation = / is null| was not provided/.test(error.message)
      ? 'Expected value to not be null'
      : error.message.replace(/^Variable "\$\w+" got invalid value [^;]*; /, '');
    return {
      extensions: { value: variables[name] ?? null, problems: [{ path: [], explanation }] },
      locations: (error.locations ?? []).map((l) => ({ line: l.line, column: l.column })),
      message: `Variable $${name} of type ${type} was provided invalid value`,
    };
  }
  return { message: error.message };
}

/** Executes one POST /graphql body against the simulator state. */
export async function executeGraphql(body: unknown, ctx: ExecuteGraphqlContext): Promise<GraphqlResult> {
  const viewer = ctx.viewer;
  if (!viewer) {
    return {
      status: 401,
      body: {
        message: 'This endpoint requires you to be authenticated.',
        documentation_url: 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
      },
      cost: 0,
      mutation: false,
    };
  }
  const request = readRequest(body);
  if (!('query' in request)) return refused([request]);

  const schema = githubSchema();
  const parsed = parseGithubQuery(request.query);
  if (!parsed.document) return refused(parsed.errors);
  const document = parsed.document;
  const invalid = validateGithubDocument(schema, document);
  if (invalid.length > 0) return refused(invalid);

  const operation = getOperationAST(document, request.operationName);
  if (!operation) {
    const named = request.operationName;
    return refused([{ message: named ? `No operation named "${named}"` : 'An operation name is required' }]);
  }
  const mutation = operation.operation === 'mutation';
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables, { maxErrors: 50 });
  if (coerced.errors) return refused(coerced.errors.map((e) => formatVariableError(e, request.variables)));

  const analysis = analyzeOperation(schema, document, operation, coerced.coerced);
  if (analysis.nodeCount > NODE_LIMIT) {
    return refused([{ type: 'MAX_NODE_LIMIT_EXCEEDED', message: nodeLimitMessage(analysis.nodeCount) }]);
  }
  const nowSeconds = Math.floor(ctx.now().getTime() / 1000);
  const budget: GraphqlRateBudget = ctx.rateLimit ?? { limit: DEFAULT_LIMIT, used: 0, remaining: DEFAULT_LIMIT, reset: nowSeconds + 3600 };
  if (budget.remaining < analysis.cost) {
    return { ...refused([{ type: 'RATE_LIMITED', message: `API rate limit exceeded for user ID ${viewer.id}.` }], 0), mutation };
  }

  const web = ctx.apiUrl.replace(/\/api\/v3\/?$/, '').replace(/\/$/, '');
  const exec: Exec = { ctx, state: ctx.state, viewer, analysis, budget, web };
  const result = await execute({
    schema,
    document,
    rootValue: rootValue(exec),
    contextValue: exec,
    variableValues: request.variables,
    operationName: request.operationName,
    fieldResolver,
  });
  const out: Record<string, unknown> = { data: result.data ?? null };
  if (result.errors && result.errors.length > 0) out['errors'] = result.errors.map(formatExecutionError);
  return { status: 200, body: out, cost: analysis.cost, mutation };
}
