/**
 * GraphQL documents the contract tests check against GitHub's schema: the
 * GITHUB-API.md §3 audit query, the three protection mutations and wide
 * repository and organization reads. (The documents qms itself sends are
 * found in its source and checked by qms's own test/contract.)
 */

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
