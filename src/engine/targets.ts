/**
 * Target I/O for the change engine: how each kind of target is read (fresh, with the
 * exact JSON GitHub returned — the before-state the store keeps) and written (through
 * the gateway's idempotent `ensure*` operations). The decisions between the read and
 * the write are pure (src/core/changes.ts); the protocol around them is the
 * executor's (executor.ts).
 *
 * A new kind of target (rulesets, commit statuses…) is a new case in `readTarget` and
 * `writeTarget`, plus its intent in src/core/changes.ts — never a new executor.
 */
import { selectApplicableRule } from '../core/branch-patterns.js';
import { ExitCode, QmsError } from '../core/errors.js';
import type { CustomPropertyValue, ProtectionRule, RepoInfo } from '../core/github-types.js';
import { parseCommitStatusKey, type LiveTarget, type PlannedChange, type WriteOp } from '../core/changes.js';
import type { EnsureOutcome, GitHubGateway } from '../github/gateway.js';

/** A step that cannot be done for a reason about this target (not the whole run). */
export class TargetError extends QmsError {
  constructor(message: string) {
    super(message, ExitCode.Partial);
  }
}

/** A target read fresh; classic targets also carry the repository's rule list when it was read. */
export interface FreshTarget extends LiveTarget {
  rules?: ProtectionRule[] | null;
}

export interface ReadOptions {
  /**
   * `decide`: everything the decision needs (for classic targets: which rule applies,
   * and for restores the live pattern of the rule that applied before). `verify`: the
   * target only (read-back after a write).
   */
  purpose: 'decide' | 'verify';
}

function describe(change: Pick<PlannedChange, 'repo' | 'key' | 'kind'>): string {
  return change.kind === 'merge_settings' ? `${change.repo} merge settings` : `${change.repo}@${change.key}`;
}

/** Read one target as it is on GitHub now. TargetError when it cannot be seen. */
export async function readTarget(
  gateway: GitHubGateway,
  repo: RepoInfo,
  change: PlannedChange,
  options: ReadOptions,
): Promise<FreshTarget> {
  switch (change.kind) {
    case 'classic_protection': {
      const read = await gateway.getBranchProtection(repo, change.key);
      if (read.kind === 'unknown' || read.kind === 'not_applicable') {
        throw new TargetError(
          `classic protection of ${describe(change)} is ${read.kind === 'unknown' ? 'not visible' : 'not applicable'}: ${read.reason}`,
        );
      }
      const undoNode = change.intent.mode === 'restore' ? change.intent.undo.targetNodeId : null;
      // Which rule applies (an exact-name rule, or a wildcard that rollback must hand the
      // branch back to) needs the rule list: read it only when the decision can use it.
      const needRules = options.purpose === 'decide' && (read.kind === 'protected' || undoNode !== null);
      const rules = needRules ? await gateway.listProtectionRules(repo) : null;
      const fresh: FreshTarget =
        read.kind === 'unprotected'
          ? { exists: false, model: null, raw: null, nodeId: null, rules }
          : {
              exists: true,
              model: read.protection,
              raw: read.raw,
              nodeId: rules ? (selectApplicableRule(rules, change.key)?.id ?? null) : null,
              rules,
            };
      if (change.intent.mode === 'restore') {
        fresh.beforeRulePattern = undoNode === null ? null : (rules?.find((r) => r.id === undoNode)?.pattern ?? null);
      }
      return fresh;
    }
    case 'protection_rule': {
      const rules = await gateway.listProtectionRules(repo);
      const rule = rules.find((r) => r.pattern === change.key);
      return rule
        ? { exists: true, model: rule.protection, raw: rule.raw, nodeId: rule.id, rules }
        : { exists: false, model: null, raw: null, nodeId: null, rules };
    }
    case 'merge_settings': {
      const { settings, raw } = await gateway.readMergeSettings(repo);
      if (settings === null) throw new TargetError(`the merge settings of ${repo.fullName} are not visible to this token`);
      return { exists: true, model: settings, raw, nodeId: null };
    }
    case 'custom_property': {
      const { value, raw } = await gateway.readCustomProperty(repo, change.key);
      return value === null ? { exists: false, model: null, raw: null, nodeId: null } : { exists: true, model: value, raw, nodeId: null };
    }
    case 'commit_status': {
      const { sha, context } = parseCommitStatusKey(change.key);
      const { status, raw } = await gateway.readCommitStatus(repo, sha, context);
      return status === null
        ? { exists: false, model: null, raw: null, nodeId: null }
        : { exists: true, model: { state: status.state, description: status.description, targetUrl: status.targetUrl }, raw, nodeId: null };
    }
  }
}

/** What a write left, as far as its answer tells (null model: the target is gone). */
export interface WriteOutcome {
  outcome: EnsureOutcome;
  model: LiveTarget['model'];
  raw: unknown;
}

/** Perform one write through the gateway's `ensure*`. `live` is the state the decision was taken on. */
export async function writeTarget(
  gateway: GitHubGateway,
  repo: RepoInfo,
  change: PlannedChange,
  op: WriteOp,
  live: FreshTarget,
): Promise<WriteOutcome> {
  switch (op.kind) {
    case 'put_classic':
    case 'delete_classic': {
      const desired = op.kind === 'put_classic' ? op.model : null;
      // The decision was taken on this state: pass it so the ensure does not read again.
      const current = live.exists
        ? { kind: 'protected' as const, protection: live.model as NonNullable<typeof desired>, raw: live.raw }
        : { kind: 'unprotected' as const };
      const r = await gateway.ensureBranchProtection(repo, change.key, desired, current);
      return { outcome: r.outcome, model: r.protection, raw: r.raw };
    }
    case 'create_rule':
    case 'update_rule':
    case 'delete_rule': {
      // The rule with exactly this pattern, as the decision saw it.
      const current = live.rules ? (live.rules.find((r) => r.pattern === change.key) ?? null) : undefined;
      const r = await gateway.ensureProtectionRule(repo, change.key, op.kind === 'delete_rule' ? null : op.model, current);
      return { outcome: r.outcome, model: r.rule?.protection ?? null, raw: r.rule?.raw ?? null };
    }
    case 'patch_merge': {
      const r = await gateway.ensureMergeSettings(repo, op.model, live.exists ? (live.model as typeof op.model) : null);
      return { outcome: r.outcome, model: r.settings, raw: r.raw };
    }
    case 'set_property': {
      const r = await gateway.ensureCustomPropertyValues(repo.owner, [repo.name], { [op.name]: op.value });
      return { outcome: r.outcome, model: op.value, raw: null };
    }
    case 'post_status': {
      const posted = await gateway.createCommitStatus(repo, op.sha, {
        context: op.context,
        state: op.status.state,
        ...(op.status.description !== null ? { description: op.status.description } : {}),
        ...(op.status.targetUrl !== null ? { targetUrl: op.status.targetUrl } : {}),
      });
      return {
        outcome: live.exists ? 'updated' : 'created',
        model: { state: posted.state, description: posted.description, targetUrl: posted.targetUrl },
        raw: null,
      };
    }
  }
}

/**
 * Custom property values are written in bulk: changes of one organization, one
 * property and one value share a PATCH of up to 30 repositories (GitHub's limit).
 * null for kinds that are written one at a time.
 */
export function batchKeyOf(change: PlannedChange, op: WriteOp): string | null {
  if (op.kind !== 'set_property') return null;
  const owner = change.repo.slice(0, change.repo.indexOf('/'));
  return JSON.stringify([owner.toLowerCase(), op.name, op.value]);
}

export const PROPERTY_BATCH_SIZE = 30;

/** One PATCH for a batch of property writes (same owner, property and value). */
export async function writePropertyBatch(
  gateway: GitHubGateway,
  owner: string,
  names: readonly string[],
  property: string,
  value: CustomPropertyValue,
): Promise<EnsureOutcome> {
  return (await gateway.ensureCustomPropertyValues(owner, names, { [property]: value })).outcome;
}
