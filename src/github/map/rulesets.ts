/**
 * Rulesets (repository and organization) and the rules that apply to a branch
 * → qms types (GITHUB-API.md §2). Unknown rule types are kept as `other`, so a
 * new GitHub rule never breaks an audit.
 */
import type {
  AppliedRule,
  RepositoryPropertyCondition,
  Ruleset,
  RulesetEnforcement,
  RulesetRule,
  RulesetSourceType,
  RulesetTarget,
} from '../../core/github-types.js';
import { arr, childPath, num, obj, objects, optBool, optNum, optObj, optStr, ResponseShapeError, str, type Json } from './check.js';

const PARAMETERLESS = new Set(['required_linear_history', 'non_fast_forward', 'deletion', 'required_signatures', 'creation', 'update']);

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

export function strings(value: unknown, path: string): string[] {
  const list = value === undefined || value === null ? [] : arr(value, path);
  if (list.some((v) => typeof v !== 'string')) throw new ResponseShapeError(path, 'a list of strings');
  return list as string[];
}

type RulesetConditions = Pick<Ruleset, 'refName' | 'repositoryName' | 'repositoryIds' | 'repositoryProperty'>;

/**
 * A ruleset's `conditions` → what it targets, in either vocabulary (see RuleWire).
 * Repository ids are the caller's: REST gives database ids, GraphQL node ids to resolve.
 */
export function mapRulesetConditions(
  conditions: Json | undefined,
  wire: RuleWire,
  repositoryIds: (byId: Json, path: string) => number[],
): RulesetConditions {
  const k = wire === 'graphql' ? camelCase : (key: string) => key;
  const at = (key: string) => `conditions.${k(key)}`;
  const part = (key: string) => (conditions ? optObj(conditions, k(key), 'conditions') : undefined);
  const refName = part('ref_name');
  const out: RulesetConditions = {
    refName: refName
      ? {
          include: strings(refName['include'], `${at('ref_name')}.include`),
          exclude: strings(refName['exclude'], `${at('ref_name')}.exclude`),
        }
      : null,
  };
  const byName = part('repository_name');
  if (byName) {
    out.repositoryName = {
      include: strings(byName['include'], `${at('repository_name')}.include`),
      exclude: strings(byName['exclude'], `${at('repository_name')}.exclude`),
      protected: optBool(byName, 'protected', at('repository_name')) ?? false,
    };
  }
  const byId = part('repository_id');
  if (byId) out.repositoryIds = repositoryIds(byId, at('repository_id'));
  const byProperty = part('repository_property');
  if (byProperty) {
    const targets = (list: unknown, path: string): RepositoryPropertyCondition[] =>
      (list === undefined || list === null ? [] : arr(list, path)).map((item, i) => {
        const p = childPath(path, i);
        const c = obj(item, p);
        const source = optStr(c, 'source', p) ?? 'custom';
        return {
          name: str(c, 'name', p),
          propertyValues: strings(c[k('property_values')], `${p}.${k('property_values')}`),
          source: oneOf(wire === 'graphql' ? source.toLowerCase() : source, ['custom', 'system'] as const, `${p}.source`),
        };
      });
    out.repositoryProperty = {
      include: targets(byProperty['include'], `${at('repository_property')}.include`),
      exclude: targets(byProperty['exclude'], `${at('repository_property')}.exclude`),
    };
  }
  return out;
}

/** A full ruleset (GET …/rulesets/{id}) → Ruleset. */
export function mapRuleset(json: unknown): Ruleset {
  const o = obj(json, '');
  const conditions = optObj(o, 'conditions', '');
  return {
    id: num(o, 'id', ''),
    name: str(o, 'name', ''),
    target: oneOf(optStr(o, 'target', '') ?? 'branch', ['branch', 'tag', 'push', 'repository'] as RulesetTarget[], 'target'),
    enforcement: oneOf(str(o, 'enforcement', ''), ['active', 'disabled', 'evaluate'] as RulesetEnforcement[], 'enforcement'),
    source: {
      type: oneOf(optStr(o, 'source_type', '') ?? 'Repository', ['Repository', 'Organization'] as RulesetSourceType[], 'source_type'),
      name: optStr(o, 'source', '') ?? '',
    },
    ...mapRulesetConditions(conditions, 'rest', (byId, path) => {
      const ids = byId['repository_ids'] === undefined ? [] : arr(byId['repository_ids'], `${path}.repository_ids`);
      if (ids.some((v) => typeof v !== 'number')) throw new ResponseShapeError(`${path}.repository_ids`, 'a list of numbers');
      return ids as number[];
    }),
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
