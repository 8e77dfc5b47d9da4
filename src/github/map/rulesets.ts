/**
 * Rulesets (repository and organization) and the rules that apply to a branch
 * → qms types (GITHUB-API.md §2). Unknown rule types are kept as `other`, so a
 * new GitHub rule never breaks an audit.
 */
import type {
  AppliedRule,
  RefCondition,
  RepositoryPropertyCondition,
  Ruleset,
  RulesetEnforcement,
  RulesetRule,
  RulesetSourceType,
  RulesetTarget,
} from '../../core/github-types.js';
import { arr, childPath, num, obj, objects, optBool, optNum, optObj, optStr, ResponseShapeError, str, type Json } from './check.js';

const PARAMETERLESS = new Set(['required_linear_history', 'non_fast_forward', 'deletion', 'required_signatures', 'creation', 'update']);

function strings(value: unknown, path: string): string[] {
  const list = value === undefined || value === null ? [] : arr(value, path);
  if (list.some((v) => typeof v !== 'string')) throw new ResponseShapeError(path, 'a list of strings');
  return list as string[];
}

function oneOf<T extends string>(value: string, allowed: readonly T[], path: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new ResponseShapeError(path, allowed.join(' or '));
  return value as T;
}

/**
 * The two vocabularies a rule arrives in: REST's snake_case (`required_approving_review_count`,
 * `type: "pull_request"`) and GraphQL's `RepositoryRule` camelCase with upper-case
 * types (`requiredApprovingReviewCount`, `PULL_REQUEST`). Same fields otherwise.
 */
export type RuleWire = 'rest' | 'graphql';

const camelCase = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** One rule `{type, parameters}` (REST) or `RepositoryRule` node (GraphQL) → RulesetRule. */
export function mapRule(json: unknown, path: string, wire: RuleWire = 'rest'): RulesetRule {
  const k = wire === 'graphql' ? camelCase : (key: string) => key;
  const o = obj(json, path);
  const rawType = str(o, 'type', path);
  const type = wire === 'graphql' ? rawType.toLowerCase() : rawType;
  const pp = childPath(path, 'parameters');
  if (type === 'pull_request') {
    const p = obj(o['parameters'], pp);
    return {
      type,
      requiredApprovingReviewCount: num(p, k('required_approving_review_count'), pp),
      dismissStaleReviewsOnPush: optBool(p, k('dismiss_stale_reviews_on_push'), pp) ?? false,
      requireCodeOwnerReview: optBool(p, k('require_code_owner_review'), pp) ?? false,
      requireLastPushApproval: optBool(p, k('require_last_push_approval'), pp) ?? false,
      requiredReviewThreadResolution: optBool(p, k('required_review_thread_resolution'), pp) ?? false,
    };
  }
  if (type === 'required_status_checks') {
    const p = obj(o['parameters'], pp);
    const checks = k('required_status_checks');
    return {
      type,
      strict: optBool(p, k('strict_required_status_checks_policy'), pp) ?? false,
      checks: objects(p, checks, pp).map((c, i) => {
        const cp = childPath(childPath(pp, checks), i);
        return { context: str(c, 'context', cp), integrationId: optNum(c, k('integration_id'), cp) ?? null };
      }),
    };
  }
  if (PARAMETERLESS.has(type)) return { type } as RulesetRule;
  return { type: 'other', name: type };
}

function mapRefCondition(o: Json | undefined, path: string): RefCondition | null {
  if (!o) return null;
  return { include: strings(o['include'], `${path}.include`), exclude: strings(o['exclude'], `${path}.exclude`) };
}

function mapPropertyConditions(list: unknown, path: string): RepositoryPropertyCondition[] {
  if (list === undefined || list === null) return [];
  return arr(list, path).map((item, i) => {
    const p = childPath(path, i);
    const c = obj(item, p);
    const source = optStr(c, 'source', p) ?? 'custom';
    return {
      name: str(c, 'name', p),
      propertyValues: strings(c['property_values'], `${p}.property_values`),
      source: oneOf(source, ['custom', 'system'] as const, `${p}.source`),
    };
  });
}

/** A full ruleset (GET …/rulesets/{id}) → Ruleset. */
export function mapRuleset(json: unknown): Ruleset {
  const o = obj(json, '');
  const conditions = optObj(o, 'conditions', '');
  const ruleset: Ruleset = {
    id: num(o, 'id', ''),
    name: str(o, 'name', ''),
    target: oneOf(optStr(o, 'target', '') ?? 'branch', ['branch', 'tag', 'push', 'repository'] as RulesetTarget[], 'target'),
    enforcement: oneOf(str(o, 'enforcement', ''), ['active', 'disabled', 'evaluate'] as RulesetEnforcement[], 'enforcement'),
    source: {
      type: oneOf(optStr(o, 'source_type', '') ?? 'Repository', ['Repository', 'Organization'] as RulesetSourceType[], 'source_type'),
      name: optStr(o, 'source', '') ?? '',
    },
    refName: mapRefCondition(conditions ? optObj(conditions, 'ref_name', 'conditions') : undefined, 'conditions.ref_name'),
    rules: (o['rules'] === undefined || o['rules'] === null ? [] : arr(o['rules'], 'rules')).map((r, i) => mapRule(r, `rules[${i}]`)),
    // "only returned if the user … has write access to the ruleset" — absent means unknown, not none.
    bypassActors:
      o['bypass_actors'] === undefined || o['bypass_actors'] === null
        ? null
        : objects(o, 'bypass_actors', '').map((b, i) => {
            const p = `bypass_actors[${i}]`;
            return {
              actorId: optNum(b, 'actor_id', p) ?? null,
              actorType: str(b, 'actor_type', p),
              bypassMode: optStr(b, 'bypass_mode', p) ?? 'always',
            };
          }),
    raw: json,
  };
  if (conditions) {
    const byName = optObj(conditions, 'repository_name', 'conditions');
    if (byName) {
      ruleset.repositoryName = {
        include: strings(byName['include'], 'conditions.repository_name.include'),
        exclude: strings(byName['exclude'], 'conditions.repository_name.exclude'),
        protected: optBool(byName, 'protected', 'conditions.repository_name') ?? false,
      };
    }
    const byId = optObj(conditions, 'repository_id', 'conditions');
    if (byId) {
      const ids = byId['repository_ids'] === undefined ? [] : arr(byId['repository_ids'], 'conditions.repository_id.repository_ids');
      if (ids.some((v) => typeof v !== 'number')) throw new ResponseShapeError('conditions.repository_id.repository_ids', 'a list of numbers');
      ruleset.repositoryIds = ids as number[];
    }
    const byProperty = optObj(conditions, 'repository_property', 'conditions');
    if (byProperty) {
      ruleset.repositoryProperty = {
        include: mapPropertyConditions(byProperty['include'], 'conditions.repository_property.include'),
        exclude: mapPropertyConditions(byProperty['exclude'], 'conditions.repository_property.exclude'),
      };
    }
  }
  return ruleset;
}

/** The id of a list item (list answers are summaries without rules). */
export function mapRulesetId(json: unknown): number {
  return num(obj(json, ''), 'id', '');
}

/** An item of GET /repos/{o}/{r}/rules/branches/{branch} → AppliedRule. */
export function mapAppliedRule(json: unknown): AppliedRule {
  const o = obj(json, '');
  const rule = mapRule(o, '');
  return {
    ...rule,
    source: {
      type: oneOf(str(o, 'ruleset_source_type', ''), ['Repository', 'Organization'] as RulesetSourceType[], 'ruleset_source_type'),
      name: str(o, 'ruleset_source', ''),
      rulesetId: num(o, 'ruleset_id', ''),
    },
  };
}
