/**
 * Repository and organization rulesets, and the rules that apply to a branch
 * (GITHUB-API.md §2). List answers are summaries without rules, so each
 * ruleset is fetched by id.
 */
import { NotFoundError, PermissionError } from '../core/errors.js';
import type { AppliedRule, RepoRef, Ruleset } from '../core/github-types.js';
import type { RepoRulesetsOptions } from './gateway.js';
import type { GitHubClient } from './octokit-client.js';
import { mapAppliedRule, mapRuleset, mapRulesetId } from './map/rulesets.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export async function listRepoRulesets(client: GitHubClient, repo: RepoRef, options: RepoRulesetsOptions = {}): Promise<Ruleset[]> {
  const includeParents = options.includeParents ?? true;
  const base = { owner: repo.owner, repo: repo.name, includes_parents: includeParents };
  const ids = await collect(client.paginate('GET /repos/{owner}/{repo}/rulesets', base, mapRulesetId));
  const route = 'GET /repos/{owner}/{repo}/rulesets/{ruleset_id}';
  const rulesets: Ruleset[] = [];
  for (const id of ids) {
    let data: unknown;
    try {
      data = (await client.request<unknown>(route, { ...base, ruleset_id: id })).data;
    } catch (err) {
      // Anyone who can read the repository may read its rulesets (docs/github-api.md,
      // "Who may read rulesets"); should GitHub still refuse one, the caller decides.
      if (options.onUnreadable && (err instanceof NotFoundError || err instanceof PermissionError)) {
        options.onUnreadable(id, err.message);
        continue;
      }
      throw err;
    }
    rulesets.push(client.mapResponse(route, () => mapRuleset(data)));
  }
  return rulesets;
}

export async function listOrgRulesets(client: GitHubClient, org: string): Promise<Ruleset[]> {
  const ids = await collect(client.paginate('GET /orgs/{org}/rulesets', { org }, mapRulesetId));
  const route = 'GET /orgs/{org}/rulesets/{ruleset_id}';
  const rulesets: Ruleset[] = [];
  for (const id of ids) {
    const res = await client.request<unknown>(route, { org, ruleset_id: id });
    rulesets.push(client.mapResponse(route, () => mapRuleset(res.data)));
  }
  return rulesets;
}

export function getRulesForBranch(client: GitHubClient, repo: RepoRef, branch: string): Promise<AppliedRule[]> {
  return collect(
    client.paginate('GET /repos/{owner}/{repo}/rules/branches/{branch}', { owner: repo.owner, repo: repo.name, branch }, mapAppliedRule),
  );
}
