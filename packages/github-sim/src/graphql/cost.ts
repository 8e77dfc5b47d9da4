/**
 * Static analysis of a GraphQL operation before it runs, as GitHub does it
 * (docs: "Rate limits and query limits for the GraphQL API"):
 *
 * - requests: for each unique connection, the number of times it must be
 *   fetched — the product of the `first`/`last` of the connections above it
 *   (1 at the top). Cost = round(Σ requests / 100), minimum 1.
 * - nodes: for each connection, its own `first`/`last` times that product;
 *   a call may request at most 500,000.
 *
 * "Assume every request will reach the first or last argument limits": only
 * the arguments count, never the data. A connection without first/last
 * contributes its request but no nodes (it is refused at execution time if it
 * selects nodes or edges).
 */
import {
  Kind,
  getNamedType,
  isInterfaceType,
  isObjectType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export const NODE_LIMIT = 500_000;
export const PAGE_LIMIT = 100;

export interface OperationAnalysis {
  /** Σ requests over unique connections. */
  requests: number;
  /** Σ possible nodes over connections. */
  nodeCount: number;
  /** Rate-limit points: round(requests / 100), at least 1. */
  cost: number;
}

/** A field is a connection when it returns `…Connection` and pages with first/last. */
export function isConnectionField(typeName: string, argNames: readonly string[]): boolean {
  return typeName.endsWith('Connection') && argNames.includes('first') && argNames.includes('last');
}

function intArgument(value: ValueNode | undefined, variables: Record<string, unknown>): number | undefined {
  if (!value) return undefined;
  if (value.kind === Kind.INT) return Number.parseInt(value.value, 10);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}

export function analyzeOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): OperationAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const counted = new Set<string>();
  let requests = 0;
  let nodeCount = 0;

  const walk = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLNamedType | undefined,
    multiplier: number,
    at: string,
    spreading: Set<string>,
  ) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        walk(selection.selectionSet, type ?? undefined, multiplier, at, spreading);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || spreading.has(name)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        walk(fragment.selectionSet, type ?? undefined, multiplier, at, new Set([...spreading, name]));
        continue;
      }
      if (selection.name.value.startsWith('__')) continue;
      if (!parentType || !(isObjectType(parentType) || isInterfaceType(parentType))) continue;
      const def = parentType.getFields()[selection.name.value];
      if (!def) continue;
      const key = `${at}/${selection.alias?.value ?? selection.name.value}`;
      const named = getNamedType(def.type);
      let childMultiplier = multiplier;
      if (
        isConnectionField(
          named.name,
          def.args.map((a) => a.name),
        )
      ) {
        const args = new Map((selection.arguments ?? []).map((a) => [a.name.value, a.value]));
        const size = intArgument(args.get('first'), variables) ?? intArgument(args.get('last'), variables) ?? 0;
        if (!counted.has(key)) {
          counted.add(key);
          requests += multiplier;
          nodeCount += multiplier * size;
        }
        childMultiplier = multiplier * size;
      }
      if (selection.selectionSet) walk(selection.selectionSet, named, childMultiplier, key, spreading);
    }
  };

  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  walk(operation.selectionSet, root ?? undefined, 1, operation.operation, new Set());
  return { requests, nodeCount, cost: Math.max(1, Math.round(requests / 100)) };
}

/** GitHub's refusal text, e.g. "This query requests up to 1,001,000 possible nodes which exceeds the maximum limit of 500,000." */
export function nodeLimitMessage(nodeCount: number): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  return `This query requests up to ${fmt(nodeCount)} possible nodes which exceeds the maximum limit of ${fmt(NODE_LIMIT)}.`;
}
