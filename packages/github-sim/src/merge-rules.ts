/**
 * Whether a pull request may be merged by a given user, as GitHub decides it
 * (docs/github-api.md "Merging a pull request"): the classic rule of the base
 * branch (unless the user is an admin and enforce admins is off, or — for the pull
 * request requirement — named in its bypass allowances) and every active ruleset
 * targeting the base branch (unless the user is one of its bypass actors: merging a
 * pull request is what `pull_request` mode bypasses; `always` and `exempt` bypass
 * everything). `evaluate` rulesets never block. The first unmet requirement is the
 * answer (405), in GitHub's words where they are known; wordings marked UNCONFIRMED
 * are the sandbox's.
 */
import { atLeast, findUserById, ownerOrg, permissionOf, teamSlugsOf } from './access.js';
import { ownersOf } from './codeowners.js';
import type { SimProtectionRule, SimPull, SimRepo, SimRuleset, SimState, SimUser } from './model.js';
import { viewerBypass } from './render/rulesets.js';
import { classicRuleFor, protectionAvailable, rulesetTargetsBranch, rulesetsForRepo } from './rules-engine.js';

export type MergeMethod = 'merge' | 'squash' | 'rebase';

interface Requirements {
  approvals: number;
  codeOwners: boolean;
  dismissStale: boolean;
  lastPush: boolean;
  pullRequest: boolean;
  checks: { context: string; appId: number | null }[];
  strict: boolean;
  linear: boolean;
  signatures: boolean;
  locked: boolean;
  updateRestricted: boolean;
}

function none(): Requirements {
  return {
    approvals: 0,
    codeOwners: false,
    dismissStale: false,
    lastPush: false,
    pullRequest: false,
    checks: [],
    strict: false,
    linear: false,
    signatures: false,
    locked: false,
    updateRestricted: false,
  };
}

function inAllowance(state: SimState, repo: SimRepo, user: SimUser, rule: SimProtectionRule): boolean {
  const allow = rule.requiredReviews?.bypassAllowances;
  if (!allow) return false;
  if (allow.users.includes(user.id)) return true;
  const org = ownerOrg(state, repo);
  if (!org) return false;
  const mine = teamSlugsOf(state, org, user.login);
  return org.teams.some((t) => allow.teams.includes(t.id) && mine.has(t.slug));
}

function addClassic(req: Requirements, rule: SimProtectionRule, bypassPullRequests: boolean): void {
  const r = rule.requiredReviews;
  if (r && !bypassPullRequests) {
    req.pullRequest = true;
    req.approvals = Math.max(req.approvals, r.count);
    req.codeOwners ||= r.codeOwners;
    req.dismissStale ||= r.dismissStale;
    req.lastPush ||= r.lastPushApproval;
  }
  const c = rule.requiredStatusChecks;
  if (c) {
    req.checks.push(...c.checks);
    req.strict ||= c.strict;
  }
  req.linear ||= rule.linearHistory;
  req.signatures ||= rule.requiredSignatures;
  req.locked ||= rule.lockBranch;
}

function addRuleset(req: Requirements, rs: SimRuleset): void {
  for (const rule of rs.rules) {
    const p = (rule.parameters ?? {}) as Record<string, unknown>;
    switch (rule.type) {
      case 'pull_request':
        req.pullRequest = true;
        req.approvals = Math.max(req.approvals, Number(p['required_approving_review_count'] ?? 0));
        req.codeOwners ||= p['require_code_owner_review'] === true;
        req.dismissStale ||= p['dismiss_stale_reviews_on_push'] === true;
        req.lastPush ||= p['require_last_push_approval'] === true;
        break;
      case 'required_status_checks': {
        const raw = p['required_status_checks'];
        const list = Array.isArray(raw) ? (raw as { context: string; integration_id?: number }[]) : [];
        req.checks.push(...list.map((c) => ({ context: c.context, appId: c.integration_id ?? null })));
        req.strict ||= p['strict_required_status_checks_policy'] === true;
        break;
      }
      case 'required_linear_history':
        req.linear = true;
        break;
      case 'required_signatures':
        req.signatures = true;
        break;
      case 'update':
        req.updateRestricted = true;
        break;
    }
  }
}

/** What binds `user` when merging into `pull.base`. */
export function mergeRequirements(state: SimState, repo: SimRepo, pull: SimPull, user: SimUser): Requirements {
  const req = none();
  if (!protectionAvailable(state, repo)) return req;
  const perm = permissionOf(state, user, repo);
  const classic = classicRuleFor(repo, pull.base);
  if (classic && (perm !== 'admin' || classic.enforceAdmins)) addClassic(req, classic, inAllowance(state, repo, user, classic));
  for (const rs of rulesetsForRepo(state, repo)) {
    if (rs.enforcement !== 'active' || !rulesetTargetsBranch(rs, repo, pull.base)) continue;
    // Merging a pull request: `pull_request`, `always` and `exempt` bypass actors are all let through.
    if (viewerBypass(state, user, rs, repo) !== 'never') continue;
    addRuleset(req, rs);
  }
  return req;
}

/** Latest review per reviewer (GitHub counts a reviewer's most recent approving or blocking review). */
function latestReviews(pull: SimPull): SimPull['reviews'] {
  const byUser = new Map<number, SimPull['reviews'][number]>();
  for (const r of pull.reviews) {
    if (r.state === 'COMMENTED' || r.state === 'PENDING') continue;
    byUser.set(r.userId, r);
  }
  return [...byUser.values()];
}

function isOwner(state: SimState, repo: SimRepo, owner: string, user: SimUser): boolean {
  const name = owner.replace(/^@/, '');
  if (!name.includes('/')) return name.toLowerCase() === user.login.toLowerCase();
  const org = ownerOrg(state, repo);
  const slug = name.split('/')[1]!.toLowerCase();
  return org !== undefined && teamSlugsOf(state, org, user.login).has(slug);
}

/**
 * Why `user` may not merge the pull request with `method`, or null when it may.
 * Checked in GitHub's order of likelihood: lock, reviews, code owners, last push,
 * checks, up to date, linear history, signatures.
 */
export function mergeBlocker(state: SimState, repo: SimRepo, pull: SimPull, user: SimUser, method: MergeMethod): string | null {
  const req = mergeRequirements(state, repo, pull, user);
  if (req.locked) return 'Cannot merge into a locked branch.'; // UNCONFIRMED wording
  // UNCONFIRMED wording (GH013 on pushes).
  if (req.updateRestricted) return `Repository rule violations found\n\nCannot update this protected ref.\n`;
  if (req.pullRequest) {
    const canWrite = (userId: number) => atLeast(permissionOf(state, findUserById(state, userId) ?? null, repo), 'write');
    const writers = latestReviews(pull).filter((r) => r.userId !== pull.userId && canWrite(r.userId));
    if (writers.some((r) => r.state === 'CHANGES_REQUESTED')) return 'Changes have been requested.'; // UNCONFIRMED wording (GH006 text)
    const approvals = writers.filter((r) => r.state === 'APPROVED' && (!req.dismissStale || r.commitId === pull.headSha));
    if (approvals.length < req.approvals) {
      const n = req.approvals;
      return `At least ${n} approving review${n === 1 ? ' is' : 's are'} required by reviewers with write access.`;
    }
    if (req.codeOwners) {
      for (const f of pull.files) {
        const owners = ownersOf(state, repo, f.filename);
        if (owners.length === 0) continue;
        const ok = approvals.some((r) => {
          const reviewer = findUserById(state, r.userId);
          return reviewer !== undefined && owners.some((o) => isOwner(state, repo, o, reviewer));
        });
        if (!ok) return `Waiting on code owner review from ${owners.join(', ')}.`; // UNCONFIRMED wording
      }
    }
    if (req.lastPush) {
      const lastPusher = pull.commits.at(-1)?.authorId ?? pull.userId;
      // UNCONFIRMED wording.
      if (!approvals.some((r) => r.userId !== lastPusher)) return 'Approval from someone other than the last pusher is required.';
    }
  }
  const statuses = repo.statuses[pull.headSha] ?? [];
  for (const check of req.checks) {
    const fromSource = (s: (typeof statuses)[number]) => check.appId === null || s.appId === check.appId;
    const latest = [...statuses].reverse().find((s) => s.context.toLowerCase() === check.context.toLowerCase() && fromSource(s));
    if (!latest || latest.state === 'pending') return `Required status check "${check.context}" is expected.`;
    if (latest.state !== 'success') return `Required status check "${check.context}" is failing.`; // UNCONFIRMED wording
  }
  if (req.strict && req.checks.length > 0 && pull.baseSha !== undefined && pull.baseSha !== repo.branches[pull.base]) {
    return 'Head branch is not up to date with the base branch.'; // UNCONFIRMED wording
  }
  if (req.linear && method === 'merge') return 'This branch must not contain merge commits.'; // UNCONFIRMED wording
  if (req.signatures && pull.commits.some((c) => !c.verified)) return 'Commits must have verified signatures.'; // UNCONFIRMED wording
  return null;
}
