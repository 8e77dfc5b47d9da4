/**
 * GraphQL errors in the shapes GitHub's API (graphql-ruby) returns them.
 *
 * - Static validation: `{path, extensions: {code, ...}, locations, message}`
 *   where `path` starts with the operation ("query", "query Name").
 * - Execution: `{type, path, locations, message}` with GitHub's `type`
 *   (NOT_FOUND, FORBIDDEN, UNPROCESSABLE, EXCESSIVE_PAGINATION, …).
 * - Whole-request refusals (node limit, rate limit): `{type, message}`.
 */
import { GraphQLError, type ASTNode } from 'graphql';

export interface GithubLocation {
  line: number;
  column: number;
}

/** One entry of a GitHub GraphQL response's `errors` array. */
export interface GithubGraphqlError {
  type?: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
  locations?: GithubLocation[];
  message: string;
}

/** An execution error carrying GitHub's `type`; thrown from resolvers. */
export function githubError(type: string, message: string, nodes?: readonly ASTNode[] | ASTNode): GraphQLError {
  return new GraphQLError(message, { nodes: nodes ?? null, extensions: { type } });
}

export const notFoundError = (message: string): GraphQLError => githubError('NOT_FOUND', message);
export const forbiddenError = (message: string): GraphQLError => githubError('FORBIDDEN', message);
export const unprocessableError = (message: string): GraphQLError => githubError('UNPROCESSABLE', message);

/**
 * Serialises an execution error the way GitHub orders its keys. graphql-js
 * errors without a GitHub `type` (e.g. a non-null violation) keep only
 * path/locations/message.
 */
export function formatExecutionError(error: GraphQLError): GithubGraphqlError {
  const out = {} as GithubGraphqlError;
  const type = error.extensions?.['type'];
  if (typeof type === 'string') out.type = type;
  if (error.path) out.path = [...error.path];
  if (error.locations) out.locations = error.locations.map((l) => ({ line: l.line, column: l.column }));
  out.message = error.message;
  return out;
}
