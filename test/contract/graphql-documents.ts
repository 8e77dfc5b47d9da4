/**
 * GraphQL documents the contract tests check against GitHub's schema: the
 * GITHUB-API.md §3 audit query and the three protection mutations, plus every
 * document found in qms's own GitHub layer (src/github/**), so a query qms
 * sends cannot drift from the schema unnoticed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** GITHUB-API.md §3, verbatim apart from whitespace. */
export const ORG_AUDIT_QUERY = `query($org:String!,$after:String){ organization(login:$org){
 repositories(first:100,after:$after,isArchived:false){ pageInfo{hasNextPage endCursor}
  nodes{ name viewerPermission defaultBranchRef{name}
   branchProtectionRules(first:20){ nodes{ id pattern isAdminEnforced requiresApprovingReviews
    requiredApprovingReviewCount requiresCodeOwnerReviews requiresStatusChecks requiresStrictStatusChecks
    requiredStatusCheckContexts requiredStatusChecks{context app{databaseId}} requiresLinearHistory
    allowsForcePushes allowsDeletions requiresCommitSignatures lockBranch } } } } }
 rateLimit{cost remaining resetAt} }`;

const RULE_FIELDS = `id databaseId pattern allowsDeletions allowsForcePushes blocksCreations dismissesStaleReviews isAdminEnforced
  lockBranch lockAllowsFetchAndMerge requireLastPushApproval requiredApprovingReviewCount requiredStatusCheckContexts
  requiredStatusChecks { context app { databaseId slug } } requiresApprovingReviews requiresCodeOwnerReviews
  requiresCommitSignatures requiresConversationResolution requiresLinearHistory requiresStatusChecks
  requiresStrictStatusChecks restrictsPushes restrictsReviewDismissals
  matchingRefs(first: 10) { nodes { name } }
  pushAllowances(first: 10) { nodes { actor { __typename ... on User { login databaseId } ... on Team { slug databaseId } ... on App { slug databaseId } } } }
  reviewDismissalAllowances(first: 10) { nodes { actor { __typename ... on User { login } ... on Team { slug } ... on App { slug } } } }
  bypassPullRequestAllowances(first: 10) { nodes { actor { __typename ... on User { login } ... on Team { slug } ... on App { slug } } } }
  bypassForcePushAllowances(first: 10) { nodes { actor { __typename ... on User { login } ... on Team { slug } ... on App { slug } } } }`;

export const CREATE_RULE_MUTATION = `mutation($input: CreateBranchProtectionRuleInput!) {
  createBranchProtectionRule(input: $input) { clientMutationId branchProtectionRule { ${RULE_FIELDS} } } }`;

export const UPDATE_RULE_MUTATION = `mutation($input: UpdateBranchProtectionRuleInput!) {
  updateBranchProtectionRule(input: $input) { clientMutationId branchProtectionRule { ${RULE_FIELDS} } } }`;

export const DELETE_RULE_MUTATION = `mutation($input: DeleteBranchProtectionRuleInput!) {
  deleteBranchProtectionRule(input: $input) { clientMutationId } }`;

/** A wide read of one repository: every repository field the brief lists for qms. */
export const REPOSITORY_QUERY = `query($owner: String!, $name: String!) {
  viewer { login databaseId id }
  rateLimit { cost limit remaining used resetAt nodeCount }
  repository(owner: $owner, name: $name) {
    id databaseId name nameWithOwner owner { login __typename } isArchived isDisabled isFork isEmpty isPrivate visibility
    viewerPermission viewerCanAdminister defaultBranchRef { name target { oid } }
    repositoryTopics(first: 20) { nodes { topic { name } } } primaryLanguage { name }
    squashMergeAllowed mergeCommitAllowed rebaseMergeAllowed deleteBranchOnMerge
    refs(refPrefix: "refs/heads/", first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { name target { oid } } }
    ref(qualifiedName: "refs/heads/main") { name target { oid } }
    config: object(expression: "HEAD:.qms/branch-protection.yml") { ... on Blob { text byteSize isBinary oid } }
    branchProtectionRules(first: 100) { totalCount pageInfo { hasNextPage endCursor hasPreviousPage startCursor } nodes { ${RULE_FIELDS} } }
    rulesets(first: 20, includeParents: true) { nodes {
      databaseId id name enforcement target
      source { __typename ... on Repository { nameWithOwner } ... on Organization { login } }
      conditions { refName { include exclude } repositoryName { include exclude protected } repositoryId { repositoryIds }
        repositoryProperty { include { name propertyValues source } exclude { name propertyValues source } } }
      bypassActors(first: 20) { nodes { bypassMode organizationAdmin repositoryRoleDatabaseId actor { __typename ... on Team { slug databaseId } ... on App { slug databaseId } } } }
      rules(first: 50) { nodes { type parameters { __typename
        ... on PullRequestParameters { requiredApprovingReviewCount dismissStaleReviewsOnPush requireCodeOwnerReview requireLastPushApproval requiredReviewThreadResolution }
        ... on RequiredStatusChecksParameters { strictRequiredStatusChecksPolicy requiredStatusChecks { context integrationId } } } } } } }
  }
}`;

/** An organization-level read: repositories with every filter, edges and org rulesets. */
export const ORGANIZATION_QUERY = `query($org: String!, $after: String) {
  organization(login: $org) {
    id databaseId login
    repositories(first: 50, after: $after, isArchived: false, isFork: false, privacy: PUBLIC, orderBy: {field: NAME, direction: ASC}, ownerAffiliations: [OWNER]) {
      totalCount pageInfo { hasNextPage endCursor hasPreviousPage startCursor } edges { cursor node { name nameWithOwner } } }
    rulesets(first: 20) { totalCount nodes { databaseId name enforcement target } }
  }
}`;

export const BUILT_IN_DOCUMENTS: Record<string, string> = {
  'GITHUB-API.md §3 audit query': ORG_AUDIT_QUERY,
  createBranchProtectionRule: CREATE_RULE_MUTATION,
  updateBranchProtectionRule: UPDATE_RULE_MUTATION,
  deleteBranchProtectionRule: DELETE_RULE_MUTATION,
  'repository read': REPOSITORY_QUERY,
  'organization read': ORGANIZATION_QUERY,
};

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : /\.(ts|mts|js|graphql)$/.test(name) ? [path] : [];
  });
}

export interface SourceDocuments {
  /** "file:line" → document text with constant interpolations resolved. */
  documents: Record<string, string>;
  /** "file:line" → why the document cannot be checked statically (built at run time). */
  dynamic: Record<string, string>;
}

const TEMPLATE_CONST = /(?:export\s+)?const\s+(\w+)\s*=\s*`([^`]*)`/g;
const NAMED_IMPORT = /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(\.[^']+)'/g;

/**
 * GraphQL documents in qms's source: `.graphql` files, and template literals
 * whose text starts with `query` or `mutation` and has a
 * selection set. `${NAME}` interpolations are resolved when NAME is a string
 * constant of the same file or a string exported by a relatively imported
 * module (e.g. shared field lists and fragments); documents assembled from
 * other expressions at run time are listed in `dynamic` — the contract
 * harness still validates them on every request a test sends.
 */
export async function findSourceDocuments(dir = join(ROOT, 'src', 'github')): Promise<SourceDocuments> {
  const out: SourceDocuments = { documents: {}, dynamic: {} };
  for (const file of listFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(ROOT, file);
    if (file.endsWith('.graphql')) {
      out.documents[rel] = text;
      continue;
    }
    const constants = new Map<string, string>();
    for (const m of text.matchAll(TEMPLATE_CONST)) constants.set(m[1] as string, m[2] as string);
    for (const m of text.matchAll(NAMED_IMPORT)) {
      const names = (m[1] as string).split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/));
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(join(dirname(file), m[2] as string)).href)) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const [name, alias] of names) {
        const value = name ? mod[name] : undefined;
        if (typeof value === 'string') constants.set((alias ?? name) as string, value);
      }
    }
    const resolve = (body: string, depth = 0): string =>
      depth > 10 ? body : body.replace(/\$\{(\w+)\}/g, (all, name: string) => (constants.has(name) ? resolve(constants.get(name) as string, depth + 1) : all));
    // Fragment-only literals are checked inside the documents that spread them.
    const literal = /`\s*((?:query|mutation)\b[^`]*)`/g;
    for (const m of text.matchAll(literal)) {
      const raw = m[1] ?? '';
      // Require a selection set so prose in template strings ("query failed …") is not mistaken for a document.
      if (!raw.includes('{')) continue;
      const key = `${rel}:${text.slice(0, m.index).split('\n').length}`;
      const body = resolve(raw);
      const left = body.match(/\$\{[^}]*\}/);
      if (left) out.dynamic[key] = `built at run time (${left[0]})`;
      else out.documents[key] = body;
    }
  }
  return out;
}
