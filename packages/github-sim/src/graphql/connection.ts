/**
 * Relay connections the way GitHub pages them: `first`/`last` are required
 * when nodes or edges are selected and may not exceed 100; cursors are opaque
 * base64 strings (here: the item's offset in the filtered, ordered list, so a
 * cursor stays valid while the list does not change).
 */
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { githubError } from './errors.js';
import { PAGE_LIMIT } from './cost.js';

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface Connection<N> {
  totalCount: number;
  nodes: N[];
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const CURSOR_PREFIX = 'cursor:v2:';

export function encodeCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, 'utf8').toString('base64');
}

/** The offset a cursor points at, or null when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX)) return null;
  const offset = Number(text.slice(CURSOR_PREFIX.length));
  return Number.isInteger(offset) && offset >= 0 ? offset : null;
}

/** Does the connection field select `nodes` or `edges` (directly or through fragments)? */
function selectsItems(info: GraphQLResolveInfo): boolean {
  const seen = new Set<string>();
  const scan = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === 'nodes' || s.name.value === 'edges';
      if (s.kind === Kind.INLINE_FRAGMENT) return scan(s.selectionSet);
      const name = s.name.value;
      if (seen.has(name)) return false;
      seen.add(name);
      return scan(info.fragments[name]?.selectionSet);
    });
  return info.fieldNodes.some((f: FieldNode) => scan(f.selectionSet));
}

/**
 * GitHub's pagination checks for one connection field. They run in the
 * resolver, so errors carry the field's path and the rest of the query still
 * answers; observed for MISSING_PAGINATION_BOUNDARIES (reports quoted in
 * GitHub issues), assumed for EXCESSIVE_PAGINATION (UNCONFIRMED whether
 * GitHub refuses that one before execution instead).
 */
export function checkPagination(args: ConnectionArgs, info: GraphQLResolveInfo): void {
  const name = info.fieldName;
  for (const key of ['first', 'last'] as const) {
    const value = args[key];
    if (value === undefined || value === null) continue;
    if (value > PAGE_LIMIT) {
      throw githubError(
        'EXCESSIVE_PAGINATION',
        `Requesting ${value} records on the \`${name}\` connection exceeds the \`${key}\` limit of ${PAGE_LIMIT} records.`,
      );
    }
    if (value < 0) {
      // UNCONFIRMED wording: the docs only say first/last "must be within 1-100".
      throw githubError('INVALID_PAGINATION', `\`${key}\` on the \`${name}\` connection cannot be less than zero.`);
    }
  }
  if ((args.first === undefined || args.first === null) && (args.last === undefined || args.last === null) && selectsItems(info)) {
    throw githubError(
      'MISSING_PAGINATION_BOUNDARIES',
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
    );
  }
}

/** One page of `items` (already filtered and ordered) for `args`. */
export function paginate<T, N>(items: readonly T[], args: ConnectionArgs, info: GraphQLResolveInfo, toNode: (item: T) => N): Connection<N> {
  checkPagination(args, info);
  const offsetOf = (key: 'after' | 'before'): number | undefined => {
    const cursor = args[key];
    if (cursor === undefined || cursor === null) return undefined;
    const offset = decodeCursor(cursor);
    // UNCONFIRMED type name; GitHub answers an unknown cursor with this sentence.
    if (offset === null) throw githubError('INVALID_CURSOR_ARGUMENTS', `\`${cursor}\` does not appear to be a valid cursor.`);
    return offset;
  };
  const after = offsetOf('after');
  const before = offsetOf('before');
  let start = after === undefined ? 0 : after + 1;
  let end = before === undefined ? items.length : Math.min(before, items.length);
  if (start > end) start = end;
  if (args.first !== undefined && args.first !== null) end = Math.min(end, start + args.first);
  if (args.last !== undefined && args.last !== null) start = Math.max(start, end - args.last);
  const edges: { cursor: string; node: N }[] = [];
  for (let i = start; i < end; i++) edges.push({ cursor: encodeCursor(i), node: toNode(items[i] as T) });
  return {
    totalCount: items.length,
    nodes: edges.map((e) => e.node),
    edges,
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** An empty connection (e.g. branch protection rules for a non-admin viewer). */
export function emptyConnection<N>(args: ConnectionArgs, info: GraphQLResolveInfo): Connection<N> {
  return paginate<never, N>([], args, info, (x) => x);
}
