/**
 * `@qms/github-sim/contract`: the simulator checked against GitHub's own
 * descriptions, for tests (this package's and its users'). Every exchange a
 * test sandbox serves can be checked against GitHub's OpenAPI description
 * (@octokit/openapi, a devDependency: install it where these helpers run)
 * and GraphQL schema; see check.ts for what is checked.
 *
 * Dev-only: test-sandbox.ts registers vitest hooks (`useContractSandbox`),
 * so only test code imports this entry point, never a product runtime path.
 */
export { checkExchange, checkGraphqlData, contractStats, loadRestSpec, specHasRoute, type CheckOptions } from './check.js';
export {
  apiFor,
  coveredRoutes,
  sandboxToken,
  startCheckedSandbox,
  startTestSandbox,
  useContractSandbox,
  type ApiOptions,
  type ApiResponse,
  type TestSandbox,
} from './test-sandbox.js';
export { githubSchema, loadGithubSchema } from '../graphql/schema.js';
export { checkGithubQuery } from '../graphql/validation.js';
/** GitHub's real request validator where its published schema differs (recorded answers): for checking request bodies. */
export { correctRequestSchema, recordedRequestProblems } from '../openapi/request-validator.js';
