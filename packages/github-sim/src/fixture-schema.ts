/**
 * JSON Schemas of the compact fixture format in fixtures/ (see the package's
 * README). Protection is written in model terms, not GitHub JSON; rulesets
 * keep GitHub's REST shape (as the model stores them) except bypass actors,
 * which name users/teams instead of ids.
 */
const str = { type: 'string', minLength: 1 } as const;
const strList = { type: 'array', items: str } as const;
const bool = { type: 'boolean' } as const;
const permission = { enum: ['admin', 'maintain', 'write', 'triage', 'read'] } as const;
const dateTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' } as const;

const actors = {
  type: 'object',
  additionalProperties: false,
  properties: { users: strList, teams: strList, apps: strList },
} as const;

const bypassActor = {
  type: 'object',
  additionalProperties: false,
  minProperties: 2,
  maxProperties: 2,
  properties: {
    user: str,
    team: str,
    app: str,
    org_admin: { const: true },
    /** Repository role: admin (5), maintain (2), write (4). */
    role: { enum: ['admin', 'maintain', 'write'] },
    deploy_key: { const: true },
    mode: { enum: ['always', 'pull_request', 'exempt'] },
  },
  required: ['mode'],
} as const;

export const rulesetSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'enforcement', 'rules'],
  properties: {
    name: str,
    target: { enum: ['branch', 'tag', 'push', 'repository'] },
    enforcement: { enum: ['active', 'evaluate', 'disabled'] },
    bypass: { type: 'array', items: bypassActor },
    conditions: { type: 'object' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: { type: str, parameters: { type: 'object' } },
      },
    },
  },
} as const;

const check = {
  oneOf: [str, { type: 'object', additionalProperties: false, required: ['context'], properties: { context: str, app: str } }],
} as const;

export const protectionRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['pattern'],
  properties: {
    pattern: str,
    created_at: dateTime,
    reviews: {
      type: 'object',
      additionalProperties: false,
      properties: {
        count: { type: 'integer', minimum: 0, maximum: 6 },
        code_owners: bool,
        dismiss_stale: bool,
        last_push: bool,
        dismissal: actors,
        bypass: actors,
      },
    },
    checks: {
      type: 'object',
      additionalProperties: false,
      required: ['contexts'],
      properties: { strict: bool, contexts: { type: 'array', items: check } },
    },
    enforce_admins: bool,
    signatures: bool,
    linear_history: bool,
    force_pushes: bool,
    deletions: bool,
    block_creations: bool,
    conversation_resolution: bool,
    lock: bool,
    fork_syncing: bool,
    restrictions: actors,
  },
} as const;

const pullSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['number', 'title', 'author', 'head'],
  properties: {
    number: { type: 'integer', minimum: 1 },
    title: str,
    body: { type: 'string' },
    author: str,
    state: { enum: ['open', 'closed'] },
    draft: bool,
    merged: bool,
    base: str,
    head: str,
    labels: strList,
    created_at: dateTime,
    files: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          path: str,
          status: { enum: ['added', 'removed', 'modified', 'renamed'] },
          additions: { type: 'integer', minimum: 0 },
          deletions: { type: 'integer', minimum: 0 },
        },
      },
    },
    commits: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['message'],
        properties: { message: str, author: str, verified: bool },
      },
    },
    reviews: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['user', 'state'],
        properties: {
          user: str,
          state: { enum: ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING'] },
          body: { type: 'string' },
        },
      },
    },
    requested_reviewers: strList,
    requested_teams: strList,
  },
} as const;

export const repoSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    description: { type: ['string', 'null'] },
    visibility: { enum: ['public', 'private', 'internal'] },
    archived: bool,
    disabled: bool,
    fork: bool,
    language: { type: ['string', 'null'] },
    topics: strList,
    properties: { type: 'object', additionalProperties: { type: ['string', 'array', 'null'], items: str } },
    default_branch: str,
    branches: strList,
    created_at: dateTime,
    merge: {
      type: 'object',
      additionalProperties: false,
      properties: { squash: bool, merge_commit: bool, rebase: bool, delete_branch_on_merge: bool },
    },
    teams: { type: 'object', additionalProperties: permission },
    collaborators: { type: 'object', additionalProperties: permission },
    files: { type: 'object', additionalProperties: { type: 'string' } },
    protection: { type: 'array', items: protectionRuleSchema },
    rulesets: { type: 'array', items: rulesetSchema },
    pulls: { type: 'array', items: pullSchema },
    statuses: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['ref', 'state', 'context', 'creator'],
        properties: {
          /** A branch name, or `pull:<number>` for a pull request's head. */
          ref: str,
          state: { enum: ['error', 'failure', 'pending', 'success'] },
          context: str,
          /** Posted by this app (slug) rather than with the creator's own token. */
          app: str,
          description: { type: 'string' },
          target_url: { type: 'string' },
          creator: str,
        },
      },
    },
  },
} as const;

export const usersFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['users'],
  properties: {
    users: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['login', 'name', 'persona'],
        properties: {
          login: { type: 'string', pattern: '^[A-Za-z0-9-]+$' },
          name: str,
          persona: str,
          roles: strList,
          type: { enum: ['User', 'Bot'] },
        },
      },
    },
    apps: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['slug', 'name'],
        properties: { slug: str, name: str, id: { type: 'integer', minimum: 1 } },
      },
    },
  },
} as const;

export const orgFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['login', 'name', 'plan', 'members'],
  properties: {
    login: { type: 'string', pattern: '^[A-Za-z0-9-]+$' },
    name: str,
    plan: { enum: ['free', 'team', 'enterprise'] },
    default_repository_permission: { enum: ['read', 'write', 'admin', 'none'] },
    members: {
      type: 'object',
      additionalProperties: false,
      properties: { admin: strList, member: strList },
    },
    teams: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['slug', 'name'],
        properties: { slug: { type: 'string', pattern: '^[a-z0-9-]+$' }, name: str, maintainers: strList, members: strList },
      },
    },
    properties: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type'],
        properties: {
          name: str,
          type: { enum: ['string', 'single_select', 'multi_select', 'true_false'] },
          values: strList,
          required: bool,
          default: { type: ['string', 'array', 'null'], items: str },
          description: { type: 'string' },
          editable_by: { enum: ['org_actors', 'org_and_repo_actors'] },
        },
      },
    },
    rulesets: { type: 'array', items: rulesetSchema },
    /** Slugs of the apps installed in the organization (for every repository). */
    installations: strList,
  },
} as const;

export const reposFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['repositories'],
  properties: { repositories: { type: 'array', items: repoSchema } },
} as const;
