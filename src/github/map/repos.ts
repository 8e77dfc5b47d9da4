/**
 * Repository, branch, user and rate-limit JSON → qms types.
 */
import type { MergeSettings } from '../../core/protection.js';
import type {
  BranchInfo,
  CustomPropertyValue,
  RateLimitStatus,
  RepoInfo,
  RepoPermission,
  Viewer,
  Visibility,
} from '../../core/github-types.js';
import { bool, childPath, num, obj, optBool, optNum, optObj, optStr, ResponseShapeError, str, type Json } from './check.js';

/** GitHub's `permissions` flags → the highest role they imply; null when GitHub did not say. */
export function mapPermissions(permissions: Json | undefined): RepoPermission | null {
  if (!permissions) return null;
  const flag = (k: string) => permissions[k] === true;
  if (flag('admin')) return 'admin';
  if (flag('maintain')) return 'maintain';
  if (flag('push')) return 'write';
  if (flag('triage')) return 'triage';
  if (flag('pull')) return 'read';
  return null;
}

/** Merge settings are only returned to callers with push access; null when any is missing. */
export function mapMergeSettings(o: Json): MergeSettings | null {
  const squash = optBool(o, 'allow_squash_merge', '');
  const merge = optBool(o, 'allow_merge_commit', '');
  const rebase = optBool(o, 'allow_rebase_merge', '');
  if (squash === undefined || merge === undefined || rebase === undefined) return null;
  return { allowSquashMerge: squash, allowMergeCommit: merge, allowRebaseMerge: rebase };
}

function mapCustomPropertyValue(value: unknown, path: string): CustomPropertyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new ResponseShapeError(path, 'a string, a list of strings or null');
}

export function mapCustomPropertiesObject(o: Json | undefined, path: string): Record<string, CustomPropertyValue> {
  const out: Record<string, CustomPropertyValue> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) out[k] = mapCustomPropertyValue(v, childPath(path, k));
  return out;
}

/** `[{property_name, value}]` → record. */
export function mapPropertyValueList(list: unknown, path: string): Record<string, CustomPropertyValue> {
  if (!Array.isArray(list)) throw new ResponseShapeError(path, 'a list');
  const out: Record<string, CustomPropertyValue> = {};
  list.forEach((item, i) => {
    const p = childPath(path, i);
    const o = obj(item, p);
    out[str(o, 'property_name', p)] = mapCustomPropertyValue(o['value'], childPath(p, 'value'));
  });
  return out;
}

/** Repository JSON (list item or single repo) → RepoInfo. */
export function mapRepo(json: unknown): RepoInfo {
  const o = obj(json, '');
  const owner = obj(o['owner'], 'owner');
  const ownerLogin = str(owner, 'login', 'owner');
  const visibility = (optStr(o, 'visibility', '') ?? (optBool(o, 'private', '') ? 'private' : 'public')) as Visibility;
  if (!['public', 'private', 'internal'].includes(visibility)) throw new ResponseShapeError('visibility', 'public, private or internal');
  const topics = o['topics'] === undefined || o['topics'] === null ? [] : o['topics'];
  if (!Array.isArray(topics) || topics.some((t) => typeof t !== 'string')) throw new ResponseShapeError('topics', 'a list of strings');
  const size = optNum(o, 'size', '');
  return {
    owner: ownerLogin,
    name: str(o, 'name', ''),
    id: num(o, 'id', ''),
    nodeId: str(o, 'node_id', ''),
    ownerType: owner['type'] === 'Organization' ? 'Organization' : 'User',
    fullName: optStr(o, 'full_name', '') ?? `${ownerLogin}/${str(o, 'name', '')}`,
    visibility,
    archived: optBool(o, 'archived', '') ?? false,
    disabled: optBool(o, 'disabled', '') ?? false,
    fork: bool(o, 'fork', ''),
    // REST has no "empty" flag: a repository nobody pushed to has size 0.
    // UNCONFIRMED: GitHub computes size lazily, so a tiny new repository may briefly report 0 too.
    empty: size === 0,
    defaultBranch: optStr(o, 'default_branch', '') ?? 'main',
    topics: topics as string[],
    language: optStr(o, 'language', '') ?? null,
    customProperties: mapCustomPropertiesObject(optObj(o, 'custom_properties', ''), 'custom_properties'),
    viewerPermission: mapPermissions(optObj(o, 'permissions', '')),
    merge: mapMergeSettings(o),
  };
}

export function mapBranch(json: unknown): BranchInfo {
  const o = obj(json, '');
  const commit = obj(o['commit'], 'commit');
  return { name: str(o, 'name', ''), sha: str(commit, 'sha', 'commit'), protected: optBool(o, 'protected', '') ?? false };
}

export function mapViewer(json: unknown): Viewer {
  const o = obj(json, '');
  return { login: str(o, 'login', ''), id: num(o, 'id', ''), type: o['type'] === 'Bot' ? 'Bot' : 'User' };
}

function mapRateResource(o: Json, key: string): RateLimitStatus['core'] {
  const r = obj(o[key], `resources.${key}`);
  const path = `resources.${key}`;
  // resetAt in epoch milliseconds, like RateLimitError.resetAt.
  return { limit: num(r, 'limit', path), remaining: num(r, 'remaining', path), resetAt: num(r, 'reset', path) * 1000 };
}

export function mapRateLimit(json: unknown): RateLimitStatus {
  const resources = obj(obj(json, '')['resources'], 'resources');
  return { core: mapRateResource(resources, 'core'), graphql: mapRateResource(resources, 'graphql') };
}
