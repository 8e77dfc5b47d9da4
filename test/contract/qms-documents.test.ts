/**
 * Contract: every GraphQL document qms sends validates against GitHub's
 * schema (@octokit/graphql-schema, through the simulator's schema helpers).
 * The simulator's own answers to such documents are proven in
 * packages/github-sim/test/contract/graphql.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkGithubQuery, githubSchema } from '@qms/github-sim/contract';
import { findSourceDocuments } from './source-documents.js';

const source = await findSourceDocuments();

describe('documents qms sends', () => {
  it('finds qms’s own documents in src/github', () => {
    // Documents assembled at run time are validated by the harness whenever a test sends them.
    if (Object.keys(source.dynamic).length > 0) console.info('GraphQL documents built at run time:', source.dynamic);
    expect(Object.keys(source.documents).length + Object.keys(source.dynamic).length).toBeGreaterThan(0);
  });

  it.each(Object.entries(source.documents))('%s validates against GitHub’s schema', (_name, query) => {
    expect(checkGithubQuery(githubSchema(), query).errors).toEqual([]);
  });
});
