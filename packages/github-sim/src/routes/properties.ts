/**
 * Custom properties: the org's schema and per-repository values
 * (GITHUB-API.md §2). The schema and org-wide values are readable by org
 * members; org-level writes need an org owner; repository-level writes need
 * repository admin and a property editable by repository actors.
 */
import type { SimOrg, SimPropertyDefinition, SimRepo } from '../model.js';
import { findRepo, isOrgMember, isOrgOwner, ownerOrg, permissionOf, reposOf } from '../access.js';
import {
  ApiError,
  bodyObject,
  forbidden,
  invalidRequest,
  notFound,
  pagedResult,
  validationFailed,
  type RequestContext,
  type RouteDef,
} from '../http.js';
import { assertWritable, requireOrg, requireRepo, rubyInspect } from './common.js';

/** UNCONFIRMED wording for a member who is not an owner. */
const OWNERS_ONLY = 'You must be an organization owner to manage custom properties.';
const VALUE_TYPES = ['string', 'single_select', 'multi_select', 'true_false', 'url'];

function renderDefinition(ctx: RequestContext, org: SimOrg, d: SimPropertyDefinition) {
  return {
    property_name: d.property_name,
    url: `${ctx.urls.org(org.login)}/properties/schema/${encodeURIComponent(d.property_name)}`,
    source_type: 'organization',
    value_type: d.value_type,
    required: d.required,
    default_value: d.default_value,
    description: d.description,
    allowed_values: d.allowed_values,
    values_editable_by: d.values_editable_by,
  };
}

/** The repository's values, set ones only, in schema order. */
function repoValues(org: SimOrg | undefined, repo: SimRepo) {
  const names = org ? org.propertySchema.map((d) => d.property_name) : Object.keys(repo.customProperties);
  return names.flatMap((name) => {
    const value = repo.customProperties[name];
    return value === undefined || value === null ? [] : [{ property_name: name, value }];
  });
}

/** Checks `{property_name, value}` items against the schema; returns them typed. */
interface PropertyValueInput {
  name: string;
  value: string | string[] | null;
  def: SimPropertyDefinition;
}

function readValues(org: SimOrg, raw: unknown): PropertyValueInput[] {
  if (!Array.isArray(raw)) throw invalidRequest(`For 'properties/properties', ${rubyInspect(raw)} is not an array.`);
  const errors: string[] = [];
  const out = raw.flatMap((item: unknown): PropertyValueInput[] => {
    if (typeof item !== 'object' || item === null || typeof (item as Record<string, unknown>)['property_name'] !== 'string') {
      throw invalidRequest(`For 'items', ${rubyInspect(item)} is not a custom property value.`);
    }
    const name = (item as Record<string, unknown>)['property_name'] as string;
    const value = (item as Record<string, unknown>)['value'];
    const def = org.propertySchema.find((d) => d.property_name === name);
    if (!def) {
      errors.push(`Property ${name} is not defined for ${org.login}`);
      return [];
    }
    if (value === null || value === undefined) return [{ name, value: null, def }];
    const ok =
      def.value_type === 'multi_select'
        ? Array.isArray(value) && value.every((v) => typeof v === 'string' && (def.allowed_values ?? []).includes(v))
        : typeof value === 'string' &&
          (def.value_type !== 'single_select' || (def.allowed_values ?? []).includes(value)) &&
          (def.value_type !== 'true_false' || value === 'true' || value === 'false');
    if (!ok) {
      errors.push(
        `${rubyInspect(value)} is not a valid value for ${name}${def.allowed_values ? ` (allowed: ${def.allowed_values.join(', ')})` : ''}`,
      );
      return [];
    }
    return [{ name, value: value as string | string[], def }];
  });
  if (errors.length > 0) throw validationFailed(errors, 'CustomPropertyValue');
  return out;
}

function applyValues(repo: SimRepo, values: ReturnType<typeof readValues>): void {
  for (const { name, value, def } of values) {
    // Unsetting a required property falls back to its default.
    repo.customProperties[name] = value ?? (def.required ? def.default_value : null);
    if (repo.customProperties[name] === null) delete repo.customProperties[name];
  }
}

/** Minimal `repository_query`: `props.<name>:<value>`, `repo:<owner>/<name>`, bare words match names (UNCONFIRMED syntax coverage). */
function queryMatcher(query: string | null): (repo: SimRepo) => boolean {
  if (!query) return () => true;
  const terms = query.split(/\s+/).filter(Boolean);
  return (repo) =>
    terms.every((term) => {
      const props = /^props\.([^:]+):(.*)$/.exec(term);
      if (props) {
        const v = repo.customProperties[props[1] as string];
        return Array.isArray(v) ? v.includes(props[2] as string) : v === props[2];
      }
      if (term.startsWith('repo:')) return `${repo.owner}/${repo.name}`.toLowerCase() === term.slice(5).toLowerCase();
      return repo.name.toLowerCase().includes(term.toLowerCase());
    });
}

function orgMember(ctx: RequestContext): SimOrg {
  const org = requireOrg(ctx);
  if (!isOrgMember(org, ctx.viewer)) throw notFound();
  return org;
}

function orgOwner(ctx: RequestContext): SimOrg {
  const org = orgMember(ctx);
  if (!isOrgOwner(org, ctx.viewer)) throw forbidden(OWNERS_ONLY);
  return org;
}

export const propertyRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/orgs/{org}/properties/schema',
    docs: '/rest/orgs/custom-properties#get-all-custom-properties-for-an-organization',
    handler: (ctx) => {
      const org = orgMember(ctx);
      return { status: 200, body: org.propertySchema.map((d) => renderDefinition(ctx, org, d)) };
    },
  },
  {
    method: 'PUT',
    template: '/orgs/{org}/properties/schema/{custom_property_name}',
    docs: '/rest/orgs/custom-properties#create-or-update-a-custom-property-for-an-organization',
    handler: (ctx) => {
      const org = orgOwner(ctx);
      const name = ctx.params['custom_property_name'] ?? '';
      const body = bodyObject(ctx);
      const valueType = body['value_type'];
      if (valueType === undefined) throw invalidRequest(`"value_type" wasn't supplied.`);
      if (typeof valueType !== 'string' || !VALUE_TYPES.includes(valueType)) {
        throw invalidRequest(`For 'properties/value_type', ${rubyInspect(valueType)} is not a member of ${rubyInspect(VALUE_TYPES)}.`);
      }
      const allowed = body['allowed_values'];
      if (
        allowed !== undefined &&
        allowed !== null &&
        (!Array.isArray(allowed) || allowed.some((v) => typeof v !== 'string') || allowed.length > 200)
      ) {
        throw invalidRequest(`For 'properties/allowed_values', ${rubyInspect(allowed)} is not an array of at most 200 strings.`);
      }
      if ((valueType === 'single_select' || valueType === 'multi_select') && (!Array.isArray(allowed) || allowed.length === 0)) {
        throw validationFailed([`allowed_values must be provided for ${valueType} properties`], 'CustomProperty');
      }
      const required = body['required'] === true;
      const defaultValue = (body['default_value'] ?? null) as string | string[] | null;
      if (required && defaultValue === null)
        throw validationFailed(['default_value must be provided for required properties'], 'CustomProperty');
      const editable = body['values_editable_by'];
      const def: SimPropertyDefinition = {
        property_name: name,
        value_type: valueType as SimPropertyDefinition['value_type'],
        required,
        default_value: defaultValue,
        description: typeof body['description'] === 'string' ? body['description'] : null,
        allowed_values: Array.isArray(allowed) ? (allowed as string[]) : null,
        values_editable_by: editable === 'org_and_repo_actors' ? 'org_and_repo_actors' : 'org_actors',
      };
      const i = org.propertySchema.findIndex((d) => d.property_name === name);
      if (i >= 0) org.propertySchema[i] = def;
      else org.propertySchema.push(def);
      ctx.sim.markDirty();
      return { status: 200, body: renderDefinition(ctx, org, def) };
    },
  },
  {
    method: 'GET',
    template: '/orgs/{org}/properties/values',
    docs: '/rest/orgs/custom-properties#list-custom-property-values-for-organization-repositories',
    handler: (ctx) => {
      const org = orgMember(ctx);
      const matches = queryMatcher(ctx.query.get('repository_query'));
      const repos = reposOf(ctx.sim.state, org.login).filter((r) => permissionOf(ctx.sim.state, ctx.viewer, r) !== null && matches(r));
      return pagedResult(ctx, repos, (r) => ({
        repository_id: r.id,
        repository_name: r.name,
        repository_full_name: `${r.owner}/${r.name}`,
        properties: repoValues(org, r),
      }));
    },
  },
  {
    method: 'PATCH',
    template: '/orgs/{org}/properties/values',
    docs: '/rest/orgs/custom-properties#create-or-update-custom-property-values-for-organization-repositories',
    handler: (ctx) => {
      const org = orgOwner(ctx);
      const body = bodyObject(ctx);
      const names = body['repository_names'];
      if (names === undefined) throw invalidRequest(`"repository_names" wasn't supplied.`);
      if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
        throw invalidRequest(`For 'properties/repository_names', ${rubyInspect(names)} is not an array of strings.`);
      }
      if (names.length < 1 || names.length > 30) {
        throw invalidRequest(`For 'properties/repository_names', ${rubyInspect(names)} must contain between 1 and 30 items.`);
      }
      if (body['properties'] === undefined) throw invalidRequest(`"properties" wasn't supplied.`);
      const values = readValues(org, body['properties']);
      const repos = (names as string[]).map((n) => {
        const repo = findRepo(ctx.sim.state, org.login, n);
        if (!repo) throw validationFailed([`Repository ${org.login}/${n} not found`]);
        return repo;
      });
      for (const repo of repos) applyValues(repo, values);
      ctx.sim.markDirty();
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/properties/values',
    docs: '/rest/repos/custom-properties#get-all-custom-property-values-for-a-repository',
    handler: (ctx) => {
      const { repo } = requireRepo(ctx);
      return { status: 200, body: repoValues(ownerOrg(ctx.sim.state, repo), repo) };
    },
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/properties/values',
    docs: '/rest/repos/custom-properties#create-or-update-custom-property-values-for-a-repository',
    handler: (ctx) => {
      const { repo } = requireRepo(ctx, { min: 'admin', denied: () => forbidden('Must have admin rights to Repository.') });
      assertWritable(repo);
      const org = ownerOrg(ctx.sim.state, repo);
      if (!org) throw notFound();
      const body = bodyObject(ctx);
      if (body['properties'] === undefined) throw invalidRequest(`"properties" wasn't supplied.`);
      const values = readValues(org, body['properties']);
      if (!isOrgOwner(org, ctx.viewer)) {
        const locked = values.filter((v) => v.def.values_editable_by !== 'org_and_repo_actors');
        if (locked.length > 0) {
          throw new ApiError(403, `Property ${locked.map((v) => v.name).join(', ')} can only be edited by organization actors`);
        }
      }
      applyValues(repo, values);
      ctx.sim.markDirty();
      return { status: 204 };
    },
  },
];
