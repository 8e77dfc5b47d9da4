/**
 * Idempotent writes (`ensure*`): make a target equal a desired state and say what
 * that took — `created`, `updated`, `deleted`, or `unchanged` (no request made). The
 * change engine passes the state it has just read, so an ensure costs no extra GET;
 * without it, the ensure reads first. Retrying an ensure after a lost answer is safe:
 * a PUT/PATCH of the same state, or a DELETE of what is already gone, changes nothing.
 *
 * Every answer comes back with the exact JSON GitHub returned (`raw`), which the
 * engine stores as the after-state.
 */
import type { ClassicProtectionRead, CustomPropertyValue, ProtectionRule, RepoInfo, RepoRef } from '../core/github-types.js';
import { mergeSettingsEqual, protectionEquals, type BranchProtection, type MergeSettings } from '../core/protection.js';
import type { GitHubClient } from './octokit-client.js';
import * as protection from './protection.js';
import * as repos from './repos.js';
import * as rules from './rules-graphql.js';

export type EnsureOutcome = 'created' | 'updated' | 'deleted' | 'unchanged';

export interface EnsuredProtection {
  outcome: EnsureOutcome;
  /** What the branch's classic protection is now (null: no classic rule). */
  protection: BranchProtection | null;
  raw: unknown;
}

export interface EnsuredRule {
  outcome: EnsureOutcome;
  /** The rule now (null: deleted). */
  rule: ProtectionRule | null;
}

export interface EnsuredMergeSettings {
  outcome: EnsureOutcome;
  settings: MergeSettings;
  /** The repository JSON GitHub answered with. */
  raw: unknown;
}

/** Classic protection of `branch` made equal to `desired`; null removes the branch's exact-name rule. */
export async function ensureBranchProtection(
  client: GitHubClient,
  repo: RepoRef & { ownerType: RepoInfo['ownerType'] },
  branch: string,
  desired: BranchProtection | null,
  current?: ClassicProtectionRead,
): Promise<EnsuredProtection> {
  const now = current ?? (await protection.getBranchProtection(client, repo, branch));
  const exists = now.kind === 'protected';
  if (desired === null) {
    if (!exists) return { outcome: 'unchanged', protection: null, raw: null };
    await protection.deleteBranchProtection(client, repo, branch);
    return { outcome: 'deleted', protection: null, raw: null };
  }
  if (now.kind === 'protected' && protectionEquals(now.protection, desired)) {
    return { outcome: 'unchanged', protection: now.protection, raw: now.raw };
  }
  const written = await protection.putBranchProtection(client, repo, branch, desired);
  return { outcome: exists ? 'updated' : 'created', protection: written.protection, raw: written.raw };
}

/**
 * The classic rule with exactly `pattern` made equal to `desired` (GraphQL: REST only
 * reaches exact branch names); null deletes it. `current` is the rule as just read
 * (null: there is none); undefined reads the repository's rules first.
 */
export async function ensureProtectionRule(
  client: GitHubClient,
  repo: RepoRef & { nodeId: string },
  pattern: string,
  desired: BranchProtection | null,
  current?: ProtectionRule | null,
): Promise<EnsuredRule> {
  const now =
    current !== undefined ? current : ((await rules.listProtectionRules(client, repo)).find((r) => r.pattern === pattern) ?? null);
  if (desired === null) {
    if (now === null) return { outcome: 'unchanged', rule: null };
    await rules.deleteProtectionRule(client, now.id);
    return { outcome: 'deleted', rule: null };
  }
  if (now !== null && protectionEquals(now.protection, desired)) return { outcome: 'unchanged', rule: now };
  if (now === null) return { outcome: 'created', rule: await rules.createProtectionRule(client, repo.nodeId, pattern, desired) };
  return { outcome: 'updated', rule: await rules.updateProtectionRule(client, now.id, pattern, desired) };
}

/** The repository's merge settings made equal to `desired`. */
export async function ensureMergeSettings(
  client: GitHubClient,
  repo: RepoRef,
  desired: MergeSettings,
  current?: MergeSettings | null,
): Promise<EnsuredMergeSettings> {
  const now = current !== undefined ? current : (await repos.readMergeSettings(client, repo)).settings;
  if (now !== null && mergeSettingsEqual(now, desired)) {
    return { outcome: 'unchanged', settings: now, raw: null };
  }
  const written = await repos.updateMergeSettings(client, repo, desired);
  return { outcome: 'updated', settings: written.settings, raw: written.raw };
}

/**
 * Custom property values of several repositories of one organization (one PATCH per 30
 * repositories, GitHub's limit); `null` unsets. GitHub answers 204 without a body, so the
 * engine reads the values back to verify.
 */
export async function ensureCustomPropertyValues(
  client: GitHubClient,
  org: string,
  repoNames: readonly string[],
  values: Record<string, CustomPropertyValue>,
): Promise<{ outcome: EnsureOutcome }> {
  if (repoNames.length === 0) return { outcome: 'unchanged' };
  await repos.setCustomProperties(client, org, [...repoNames], values);
  return { outcome: 'updated' };
}
