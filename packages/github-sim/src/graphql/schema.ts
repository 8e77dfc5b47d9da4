/**
 * GitHub's GraphQL schema (`@octokit/graphql-schema`), built once per process
 * on first use: the SDL is 1.2 MB and takes ~0.3 s to build, so neither
 * `qms --help` nor REST-only commands pay for it.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildSchema, type GraphQLSchema } from 'graphql';

const require = createRequire(import.meta.url);

let cached: { schema: GraphQLSchema; buildMs: number; path: string } | undefined;

/**
 * Where `schema.graphql` lives. The package's `exports` map exposes only its
 * index (which eagerly parses the 5 MB introspection JSON), so the file is
 * located along Node's own node_modules search path instead.
 */
export function githubSchemaPath(): string {
  const candidates = (require.resolve.paths('@octokit/graphql-schema') ?? []).map((dir) =>
    join(dir, '@octokit', 'graphql-schema', 'schema.graphql'),
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('@octokit/graphql-schema/schema.graphql not found (is the dependency installed?)');
  return found;
}

/** The schema, built on first call and cached for the life of the process. */
export function githubSchema(): GraphQLSchema {
  return loadGithubSchema().schema;
}

/** The schema plus how long building it took (reported by tests and `sandbox status`). */
export function loadGithubSchema(): { schema: GraphQLSchema; buildMs: number; path: string } {
  if (cached) return cached;
  const path = githubSchemaPath();
  const started = performance.now();
  // assumeValidSDL: GitHub's published SDL defines two fields of
  // EnterpriseOwnerInfo twice (repositoryDeployKeySetting[Organizations]),
  // which strict SDL validation rejects; skipping it is also ~2x faster.
  const schema = buildSchema(readFileSync(path, 'utf8'), { assumeValidSDL: true });
  cached = { schema, buildMs: performance.now() - started, path };
  return cached;
}
