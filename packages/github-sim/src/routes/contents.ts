/**
 * Repository contents: read files and directories (the repo config and
 * CODEOWNERS live here), and create/update a file on the default branch.
 *
 * Simplification: the model stores one tree (the default branch's); any
 * existing branch or head sha given as `ref` reads that tree, and writes to
 * other branches are refused with a clear message.
 */
import type { SimRepo } from '../model.js';
import { ApiError, bodyObject, invalidRequest, notFound, type RequestContext, type RouteDef } from '../http.js';
import { fakeSha } from '../render/commits.js';
import { blobSha, renderDirectory, renderFile } from '../render/contents.js';
import { encodePathKeepingSlashes } from '../render/urls.js';
import { assertWritable, requireRepo, rubyInspect } from './common.js';
import { codeownersErrors } from '../codeowners.js';

function resolveRef(repo: SimRepo, ref: string | null): string {
  if (Object.keys(repo.branches).length === 0) throw notFound('This repository is empty.');
  if (ref === null || ref === '') return repo.defaultBranch;
  const name = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  if (repo.branches[name] !== undefined) return name;
  if (Object.values(repo.branches).includes(ref)) return ref;
  throw notFound(`No commit found for the ref ${ref}`);
}

function getContents(ctx: RequestContext) {
  const { repo } = requireRepo(ctx);
  const ref = resolveRef(repo, ctx.query.get('ref'));
  const path = (ctx.params['path'] ?? '').replace(/^\/+|\/+$/g, '');
  const file = repo.files[path];
  if (file !== undefined) return { status: 200, body: renderFile(repo, path, file, ref, ctx.urls) };
  const listing = renderDirectory(repo, path, ref, ctx.urls);
  if (listing.length > 0) return { status: 200, body: listing };
  throw notFound();
}

function putContents(ctx: RequestContext) {
  const { repo } = requireRepo(ctx, { min: 'write' });
  assertWritable(repo);
  const body = bodyObject(ctx);
  const path = (ctx.params['path'] ?? '').replace(/^\/+|\/+$/g, '');
  if (typeof body['message'] !== 'string') {
    throw body['message'] === undefined
      ? invalidRequest(`"message" wasn't supplied.`)
      : invalidRequest(`For 'properties/message', ${rubyInspect(body['message'])} is not a string.`);
  }
  if (typeof body['content'] !== 'string') {
    throw body['content'] === undefined
      ? invalidRequest(`"content" wasn't supplied.`)
      : invalidRequest(`For 'properties/content', ${rubyInspect(body['content'])} is not a string.`);
  }
  if (!/^[A-Za-z0-9+/=\s]*$/.test(body['content'])) throw invalidRequest('content is not valid Base64');
  const branch = typeof body['branch'] === 'string' ? body['branch'] : repo.defaultBranch;
  if (branch !== repo.defaultBranch) {
    if (repo.branches[branch] === undefined) throw notFound(`Branch ${branch} not found`);
    throw new ApiError(422, `The sandbox stores files on the default branch (${repo.defaultBranch}) only`);
  }
  const existing = repo.files[path];
  if (existing !== undefined) {
    if (body['sha'] === undefined) throw invalidRequest(`"sha" wasn't supplied.`);
    if (body['sha'] !== blobSha(existing)) throw new ApiError(409, `${path} does not match ${String(body['sha'])}`);
  }
  const content = Buffer.from(body['content'], 'base64').toString('utf8');
  const when = ctx.sim.timestamp();
  const commitSha = fakeSha(`${repo.owner}/${repo.name}:${path}:${blobSha(content)}:${when}`);
  const parent = repo.branches[repo.defaultBranch];
  repo.files[path] = content;
  repo.branches[repo.defaultBranch] = commitSha;
  repo.pushedAt = when;
  repo.updatedAt = when;
  ctx.sim.markDirty();

  const file = renderFile(repo, path, content, repo.defaultBranch, ctx.urls);
  // file-commit's `content` is the file's metadata without the encoded body.
  const { content: _encoded, encoding: _encoding, ...contentMeta } = file;
  void _encoded;
  void _encoding;
  const person = {
    date: when,
    name: ctx.viewer?.name ?? 'Sandbox',
    email: `${ctx.viewer?.login ?? 'sandbox'}@users.noreply.sandbox.invalid`,
  };
  const base = ctx.urls.repo(repo.owner, repo.name);
  const tree = fakeSha(`tree:${commitSha}`);
  return {
    status: existing === undefined ? 201 : 200,
    body: {
      content: contentMeta,
      commit: {
        sha: commitSha,
        node_id: `C_${Buffer.from(commitSha.slice(0, 12)).toString('base64url')}`,
        url: `${base}/git/commits/${commitSha}`,
        html_url: `${ctx.urls.repoHtml(repo.owner, repo.name)}/commit/${commitSha}`,
        author: person,
        committer: person,
        message: body['message'],
        tree: { url: `${base}/git/trees/${tree}`, sha: tree },
        parents: parent
          ? [
              {
                url: `${base}/git/commits/${parent}`,
                html_url: `${ctx.urls.repoHtml(repo.owner, repo.name)}/commit/${parent}`,
                sha: parent,
              },
            ]
          : [],
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
    },
    headers: { location: `${base}/contents/${encodePathKeepingSlashes(path)}` },
  };
}

/**
 * GET …/codeowners/errors: the CODEOWNERS lines GitHub cannot use. `ref` picks the
 * branch (the sandbox keeps one tree). No CODEOWNERS file: 404 (UNCONFIRMED; the
 * description documents 404 without saying when).
 */
function listCodeownersErrors(ctx: RequestContext) {
  const { repo } = requireRepo(ctx);
  resolveRef(repo, ctx.query.get('ref'));
  const errors = codeownersErrors(ctx.sim.state, repo);
  if (errors === null) throw notFound();
  return { status: 200, body: { errors } };
}

export const contentRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/codeowners/errors',
    docs: '/rest/repos/repos#list-codeowners-errors',
    handler: listCodeownersErrors,
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/contents/{path}',
    docs: '/rest/repos/contents#get-repository-content',
    handler: getContents,
  },
  {
    method: 'PUT',
    template: '/repos/{owner}/{repo}/contents/{path}',
    docs: '/rest/repos/contents#create-or-update-file-contents',
    handler: putContents,
  },
];
