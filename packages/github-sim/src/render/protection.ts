/**
 * Classic branch protection as REST returns it (GET and PUT responses):
 * `{url, enabled}` objects, full user/team/app objects, sections absent when
 * off (GITHUB-API.md §1 "GET response vs PUT body").
 */
import type { SimActorIds, SimProtectionRule, SimRepo, SimState } from '../model.js';
import { findApp, findTeamById, findUserById } from '../access.js';
import { renderApp, renderSimpleUser, renderTeam } from './actors.js';
import type { Urls } from './urls.js';

/** Resolves stored actor ids to GitHub objects; ids that no longer resolve are skipped. */
export function renderActors(state: SimState, repo: SimRepo, ids: SimActorIds, urls: Urls) {
  const users = ids.users.flatMap((id) => {
    const u = findUserById(state, id);
    return u ? [renderSimpleUser(u, urls)] : [];
  });
  const teams = ids.teams.flatMap((id) => {
    const t = findTeamById(state, id);
    return t ? [renderTeam(t.org, t.team, urls, repo.teams[t.team.slug] ?? 'read')] : [];
  });
  const apps = ids.apps.flatMap((id) => {
    const a = findApp(state, id);
    return a ? [renderApp(state, a, urls)] : [];
  });
  return { users, teams, apps };
}

/** The `protected-branch` / `branch-protection` object for `branch` under `rule`. */
export function renderProtection(state: SimState, repo: SimRepo, branch: string, rule: SimProtectionRule, urls: Urls) {
  const b = urls.protection(repo.owner, repo.name, branch);
  const out: Record<string, unknown> = { url: b };
  if (rule.requiredStatusChecks) {
    const checks = rule.requiredStatusChecks.checks;
    out['required_status_checks'] = {
      url: `${b}/required_status_checks`,
      strict: rule.requiredStatusChecks.strict,
      contexts: checks.map((c) => c.context),
      contexts_url: `${b}/required_status_checks/contexts`,
      checks: checks.map((c) => ({ context: c.context, app_id: c.appId })),
    };
  }
  if (rule.requiredReviews) {
    const r = rule.requiredReviews;
    const reviews: Record<string, unknown> = { url: `${b}/required_pull_request_reviews` };
    if (r.dismissalRestrictions) {
      reviews['dismissal_restrictions'] = {
        url: `${b}/dismissal_restrictions`,
        users_url: `${b}/dismissal_restrictions/users`,
        teams_url: `${b}/dismissal_restrictions/teams`,
        ...renderActors(state, repo, r.dismissalRestrictions, urls),
      };
    }
    // Absent when nobody may bypass, as GitHub answers (docs/github-api.md, "Pull request bypass allowances").
    const bypass = r.bypassAllowances ? renderActors(state, repo, r.bypassAllowances, urls) : null;
    if (bypass && bypass.users.length + bypass.teams.length + bypass.apps.length > 0) {
      reviews['bypass_pull_request_allowances'] = bypass;
    }
    reviews['dismiss_stale_reviews'] = r.dismissStale;
    reviews['require_code_owner_reviews'] = r.codeOwners;
    reviews['required_approving_review_count'] = r.count;
    reviews['require_last_push_approval'] = r.lastPushApproval;
    out['required_pull_request_reviews'] = reviews;
  }
  out['required_signatures'] = { url: `${b}/required_signatures`, enabled: rule.requiredSignatures };
  out['enforce_admins'] = { url: `${b}/enforce_admins`, enabled: rule.enforceAdmins };
  out['required_linear_history'] = { enabled: rule.linearHistory };
  out['allow_force_pushes'] = { enabled: rule.allowForcePushes };
  out['allow_deletions'] = { enabled: rule.allowDeletions };
  out['block_creations'] = { enabled: rule.blockCreations };
  out['required_conversation_resolution'] = { enabled: rule.conversationResolution };
  out['lock_branch'] = { enabled: rule.lockBranch };
  out['allow_fork_syncing'] = { enabled: rule.allowForkSyncing };
  if (rule.restrictions) {
    out['restrictions'] = {
      url: `${b}/restrictions`,
      users_url: `${b}/restrictions/users`,
      teams_url: `${b}/restrictions/teams`,
      apps_url: `${b}/restrictions/apps`,
      ...renderActors(state, repo, rule.restrictions, urls),
    };
  }
  return out;
}

/** The `protection` summary inside branch objects (GET /branches, /branches/{b}). */
export function renderProtectionSummary(rule: SimProtectionRule | undefined) {
  const checks = rule?.requiredStatusChecks?.checks ?? [];
  const level = !rule?.requiredStatusChecks ? 'off' : rule.enforceAdmins ? 'everyone' : 'non_admins';
  return {
    enabled: rule !== undefined,
    required_status_checks: {
      enforcement_level: level,
      contexts: checks.map((c) => c.context),
      checks: checks.map((c) => ({ context: c.context, app_id: c.appId })),
    },
  };
}
