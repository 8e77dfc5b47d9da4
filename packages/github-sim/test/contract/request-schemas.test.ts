/**
 * src/openapi/request-schemas.json is a committed extract of
 * @octokit/openapi: it must equal a fresh extraction for the routes the
 * simulator serves, so it can drift from neither the description nor the
 * route list. Regenerate with:
 *   npm run build && node scripts/extract-openapi-subset.mjs
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { githubRoutes } from '../../src/routes/index.js';
import { loadRequestSchemas, requestSchemasPath, validateRequestBody } from '../../src/openapi/request-validator.js';
import { extractRequestSchemas, loadDerefSpec, OUTPUT, renderRequestSchemas } from '../../scripts/extract-openapi-subset.mjs';

describe('request-schemas.json', () => {
  it('equals a fresh extraction from @octokit/openapi for the simulator’s routes', () => {
    const { spec, packageVersion } = loadDerefSpec();
    const fresh = renderRequestSchemas(extractRequestSchemas(spec, packageVersion, githubRoutes));
    const committed = readFileSync(OUTPUT, 'utf8');
    // Compare parsed first for a readable diff, then the exact text (key order, formatting).
    expect(JSON.parse(committed)).toEqual(JSON.parse(fresh));
    expect(committed).toBe(fresh);
  });

  it('is the file the runtime validator loads, with an entry for every REST route', () => {
    expect(requestSchemasPath()).toBe(OUTPUT);
    const keys = Object.keys(loadRequestSchemas().routes).sort();
    const rest = githubRoutes.filter((r) => r.template !== '/graphql').map((r) => `${r.method} ${r.template}`);
    expect(keys).toEqual([...new Set(rest)].sort());
  });

  it('gives the validator GitHub’s schema for the protection PUT', () => {
    expect(validateRequestBody('PUT', '/repos/{owner}/{repo}/branches/{branch}/protection', {})).toBe(
      [
        `"required_status_checks" wasn't supplied.`,
        `"enforce_admins" wasn't supplied.`,
        `"required_pull_request_reviews" wasn't supplied.`,
        `"restrictions" wasn't supplied.`,
      ].join('\n'),
    );
    expect(
      validateRequestBody('PUT', '/repos/{owner}/{repo}/branches/{branch}/protection', {
        required_status_checks: null,
        enforce_admins: null,
        required_pull_request_reviews: null,
        restrictions: null,
      }),
    ).toBeNull();
    // No JSON body schema: nothing to check.
    expect(validateRequestBody('POST', '/repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins', { any: 'thing' })).toBeNull();
  });

  it('accepts null where OpenAPI marks a oneOf nullable (custom property values)', () => {
    expect(
      validateRequestBody('PATCH', '/repos/{owner}/{repo}/properties/values', { properties: [{ property_name: 'tier', value: null }] }),
    ).toBeNull();
    expect(
      validateRequestBody('PATCH', '/repos/{owner}/{repo}/properties/values', { properties: [{ property_name: 'tier', value: 3 }] }),
    ).toBe(`For 'properties/value', 3 is not a string or an array or null.`);
  });
});
