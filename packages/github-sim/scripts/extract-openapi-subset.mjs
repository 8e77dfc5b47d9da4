#!/usr/bin/env node
/**
 * Extracts the JSON request-body schemas of the routes the GitHub simulator
 * serves from GitHub's OpenAPI description (@octokit/openapi, a 390 MB
 * devDependency that must not ship) into src/openapi/request-schemas.json,
 * which the simulator validates request bodies against at runtime.
 *
 *   npm run build && node scripts/extract-openapi-subset.mjs
 *
 * The route list comes from the built simulator (dist/routes/index.js,
 * `githubRoutes`). test/contract/request-schemas.test.ts re-extracts from the
 * TypeScript sources and fails when the committed file differs, so the file
 * cannot drift from either the spec or the route list.
 *
 * Output: { source, infoVersion, routes: { "METHOD /template": schema | null } }
 * with routes sorted; null = the route takes no JSON body. Schemas are copied
 * verbatim from the dereferenced description (key order as in the spec).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(ROOT, 'src', 'openapi', 'request-schemas.json');
export const SPEC_FILE = '@octokit/openapi/generated/api.github.com.deref.json';

/** Routes the simulator serves that are not in GitHub's REST description. */
const NOT_REST = new Set(['POST /graphql']);

/** Reads the dereferenced description (one file only; never the package index, which loads all ten). */
export function loadDerefSpec() {
  const path = require.resolve(SPEC_FILE);
  const pkg = JSON.parse(readFileSync(join(dirname(path), '..', 'package.json'), 'utf8'));
  return { spec: JSON.parse(readFileSync(path, 'utf8')), packageVersion: pkg.version };
}

/**
 * @param {{ paths: Record<string, Record<string, any>>, info: { version: string } }} spec
 * @param {string} packageVersion
 * @param {readonly { method: string, template: string }[]} routes
 */
export function extractRequestSchemas(spec, packageVersion, routes) {
  const keys = [...new Set(routes.map((r) => `${r.method.toUpperCase()} ${r.template}`))].filter((k) => !NOT_REST.has(k)).sort();
  /** @type {Record<string, unknown>} */
  const out = {};
  const missing = [];
  for (const key of keys) {
    const space = key.indexOf(' ');
    const method = key.slice(0, space).toLowerCase();
    const template = key.slice(space + 1);
    const operation = spec.paths[template]?.[method];
    if (!operation) {
      missing.push(key);
      continue;
    }
    out[key] = operation.requestBody?.content?.['application/json']?.schema ?? null;
  }
  if (missing.length > 0) throw new Error(`routes not in GitHub's OpenAPI description: ${missing.join(', ')}`);
  return {
    source: `@octokit/openapi ${packageVersion} generated/api.github.com.deref.json`,
    infoVersion: spec.info.version,
    routes: out,
  };
}

/** The file's exact text (2-space JSON plus newline) — what the drift test compares. */
export function renderRequestSchemas(subset) {
  return `${JSON.stringify(subset, null, 2)}\n`;
}

async function main() {
  const built = join(ROOT, 'dist', 'routes', 'index.js');
  let routes;
  try {
    ({ githubRoutes: routes } = await import(pathToFileURL(built).href));
  } catch (e) {
    console.error(`Cannot load ${built} (${e instanceof Error ? e.message : String(e)}). Run \`npm run build\` first.`);
    process.exit(1);
  }
  const { spec, packageVersion } = loadDerefSpec();
  const subset = extractRequestSchemas(spec, packageVersion, routes);
  writeFileSync(OUTPUT, renderRequestSchemas(subset));
  const withBody = Object.values(subset.routes).filter((s) => s !== null).length;
  console.log(
    `wrote ${OUTPUT}: ${Object.keys(subset.routes).length} routes, ${withBody} with a JSON body schema (info.version ${subset.infoVersion})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
