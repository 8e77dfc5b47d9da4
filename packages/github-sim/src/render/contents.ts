/** Repository contents JSON (`content-file`, `content-directory`, `file-commit`). */
import { createHash } from 'node:crypto';
import type { SimRepo } from '../model.js';
import { encodePathKeepingSlashes, type Urls } from './urls.js';

/** Git's blob id: sha1("blob <size>\0<content>"), so shas match what git would compute. */
export function blobSha(content: string): string {
  const buf = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

/** GitHub wraps base64 content at 60 characters per line. */
export function base64Wrapped(content: string): string {
  const b64 = Buffer.from(content, 'utf8').toString('base64');
  return (b64.match(/.{1,60}/g) ?? ['']).join('\n') + '\n';
}

function entryLinks(repo: SimRepo, path: string, ref: string, sha: string, type: 'file' | 'dir', urls: Urls) {
  const p = encodePathKeepingSlashes(path);
  const self = `${urls.repo(repo.owner, repo.name)}/contents/${p}?ref=${encodeURIComponent(ref)}`;
  const git = `${urls.repo(repo.owner, repo.name)}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`;
  const html = `${urls.repoHtml(repo.owner, repo.name)}/${type === 'file' ? 'blob' : 'tree'}/${encodePathKeepingSlashes(ref)}/${p}`;
  return { self, git, html };
}

export function renderFile(repo: SimRepo, path: string, content: string, ref: string, urls: Urls) {
  const sha = blobSha(content);
  const l = entryLinks(repo, path, ref, sha, 'file', urls);
  return {
    type: 'file',
    encoding: 'base64',
    size: Buffer.byteLength(content, 'utf8'),
    name: path.split('/').at(-1) ?? path,
    path,
    content: base64Wrapped(content),
    sha,
    url: l.self,
    git_url: l.git,
    html_url: l.html,
    download_url: `${urls.web}/raw/${repo.owner}/${repo.name}/${encodePathKeepingSlashes(ref)}/${encodePathKeepingSlashes(path)}`,
    _links: l,
  };
}

/** A directory listing: the direct children of `dir` among the stored files. */
export function renderDirectory(repo: SimRepo, dir: string, ref: string, urls: Urls) {
  const prefix = dir === '' ? '' : `${dir}/`;
  const children = new Map<string, 'file' | 'dir'>();
  for (const path of Object.keys(repo.files)) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const [head = '', ...tail] = rest.split('/');
    children.set(head, tail.length > 0 ? 'dir' : 'file');
  }
  return [...children.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, type]) => {
      const path = `${prefix}${name}`;
      const content = repo.files[path];
      const sha = type === 'file' && content !== undefined ? blobSha(content) : createHash('sha1').update(`tree:${path}`).digest('hex');
      const l = entryLinks(repo, path, ref, sha, type, urls);
      return {
        type,
        size: type === 'file' && content !== undefined ? Buffer.byteLength(content, 'utf8') : 0,
        name,
        path,
        sha,
        url: l.self,
        git_url: l.git,
        html_url: l.html,
        download_url:
          type === 'file'
            ? `${urls.web}/raw/${repo.owner}/${repo.name}/${encodePathKeepingSlashes(ref)}/${encodePathKeepingSlashes(path)}`
            : null,
        _links: l,
      };
    });
}
