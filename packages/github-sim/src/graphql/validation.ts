/**
 * Parsing and static validation of GraphQL documents against GitHub's schema,
 * with errors worded and shaped as GitHub (graphql-ruby) returns them.
 *
 * graphql-js does the validating. The five rules a client hits most
 * (unknown field, unknown argument, missing argument, bad selection, bad
 * literal) are re-implemented here with graphql-ruby's messages and
 * `extensions.code` (from graphql-ruby `lib/graphql/static_validation/rules`);
 * the remaining graphql-js rules keep graphql-js's message, with
 * graphql-ruby's code and path added. Paths follow graphql-ruby's
 * BaseVisitor: `["query Name", "repository", "... on Blob", "text"]`.
 */
import {
  GraphQLError,
  type GraphQLInputObjectType,
  Kind,
  Lexer,
  Source,
  TokenKind,
  TypeInfo,
  getNamedType,
  isCompositeType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isUnionType,
  parse,
  print,
  specifiedRules,
  validate,
  visit,
  visitWithTypeInfo,
  valueFromAST,
  ExecutableDefinitionsRule,
  FieldsOnCorrectTypeRule,
  FragmentsOnCompositeTypesRule,
  KnownArgumentNamesRule,
  KnownDirectivesRule,
  KnownFragmentNamesRule,
  KnownTypeNamesRule,
  LoneAnonymousOperationRule,
  NoFragmentCyclesRule,
  NoUndefinedVariablesRule,
  NoUnusedFragmentsRule,
  NoUnusedVariablesRule,
  OverlappingFieldsCanBeMergedRule,
  PossibleFragmentSpreadsRule,
  ProvidedRequiredArgumentsRule,
  ScalarLeafsRule,
  UniqueArgumentNamesRule,
  UniqueDirectivesPerLocationRule,
  UniqueFragmentNamesRule,
  UniqueInputFieldNamesRule,
  UniqueOperationNamesRule,
  UniqueVariableNamesRule,
  ValuesOfCorrectTypeRule,
  VariablesAreInputTypesRule,
  VariablesInAllowedPositionRule,
  type ASTNode,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import type { GithubGraphqlError } from './errors.js';

/** Rules replaced by `githubRubyRules` below. */
const REPLACED: ReadonlySet<ValidationRule> = new Set<ValidationRule>([
  FieldsOnCorrectTypeRule,
  KnownArgumentNamesRule,
  ProvidedRequiredArgumentsRule,
  ScalarLeafsRule,
  ValuesOfCorrectTypeRule,
]);

/**
 * graphql-ruby's error codes for the rules kept from graphql-js
 * (UNCONFIRMED beyond the class names in graphql-ruby's static_validation).
 */
const RUBY_CODES = new Map<ValidationRule, string>([
  [ExecutableDefinitionsRule, 'noDefinitionsArePresent'],
  [UniqueOperationNamesRule, 'uniquelyNamedOperations'],
  [LoneAnonymousOperationRule, 'uniquelyNamedOperations'],
  [KnownTypeNamesRule, 'undefinedType'],
  [FragmentsOnCompositeTypesRule, 'fragmentOnNonCompositeType'],
  [VariablesAreInputTypesRule, 'variableRequiresValidType'],
  [NoUnusedFragmentsRule, 'useAndDefineFragment'],
  [KnownFragmentNamesRule, 'useAndDefineFragment'],
  [PossibleFragmentSpreadsRule, 'cannotSpreadFragment'],
  [NoFragmentCyclesRule, 'infiniteLoop'],
  [UniqueFragmentNamesRule, 'fragmentNotUnique'],
  [UniqueVariableNamesRule, 'variableNotUnique'],
  [NoUndefinedVariablesRule, 'variableNotDefined'],
  [NoUnusedVariablesRule, 'variableNotUsed'],
  [KnownDirectivesRule, 'undefinedDirective'],
  [UniqueDirectivesPerLocationRule, 'directiveNotUniqueForLocation'],
  [VariablesInAllowedPositionRule, 'variableMismatch'],
  [OverlappingFieldsCanBeMergedRule, 'fieldConflict'],
  [UniqueArgumentNamesRule, 'argumentNotUnique'],
  [UniqueInputFieldNamesRule, 'inputFieldNotUnique'],
]);

const RUBY_TOKEN_NAMES: Record<string, string> = {
  [TokenKind.BANG]: 'BANG',
  [TokenKind.DOLLAR]: 'VAR_SIGN',
  [TokenKind.AMP]: 'AMP',
  [TokenKind.PAREN_L]: 'LPAREN',
  [TokenKind.PAREN_R]: 'RPAREN',
  [TokenKind.SPREAD]: 'ELLIPSIS',
  [TokenKind.COLON]: 'COLON',
  [TokenKind.EQUALS]: 'EQUALS',
  [TokenKind.AT]: 'DIR_SIGN',
  [TokenKind.BRACKET_L]: 'LBRACKET',
  [TokenKind.BRACKET_R]: 'RBRACKET',
  [TokenKind.BRACE_L]: 'LCURLY',
  [TokenKind.PIPE]: 'PIPE',
  [TokenKind.BRACE_R]: 'RCURLY',
  [TokenKind.INT]: 'INT',
  [TokenKind.FLOAT]: 'FLOAT',
  [TokenKind.STRING]: 'STRING',
  [TokenKind.BLOCK_STRING]: 'STRING',
};

const RUBY_KEYWORDS = new Set(['query', 'mutation', 'subscription', 'fragment', 'on', 'true', 'false', 'null']);

/**
 * A syntax error as graphql-ruby words it: `Parse error on "}" (RCURLY) at
 * [1, 5]`, or `Unexpected end of document` (wording UNCONFIRMED against
 * GitHub itself; graphql-ruby's parser produces these).
 */
function formatSyntaxError(error: GraphQLError, source: string): GithubGraphqlError {
  const position = error.positions?.[0];
  const location = error.locations?.[0];
  if (position !== undefined && location) {
    try {
      const lexer = new Lexer(new Source(source));
      let token = lexer.advance();
      while (token.kind !== TokenKind.EOF && token.start < position) token = lexer.advance();
      if (token.kind === TokenKind.EOF) return { message: 'Unexpected end of document', locations: [] };
      if (token.start === position) {
        const text = source.slice(token.start, token.end);
        const kind =
          token.kind === TokenKind.NAME
            ? RUBY_KEYWORDS.has(text)
              ? text.toUpperCase()
              : 'IDENTIFIER'
            : (RUBY_TOKEN_NAMES[token.kind] ?? token.kind);
        return {
          message: `Parse error on ${JSON.stringify(text)} (${kind}) at [${location.line}, ${location.column}]`,
          locations: [{ line: location.line, column: location.column }],
        };
      }
    } catch {
      // The lexer itself failed (bad character, unterminated string): fall through.
    }
  }
  return {
    message: `Parse error: ${error.message.replace(/^Syntax Error: /, '')}`,
    locations: (error.locations ?? []).map((l) => ({ line: l.line, column: l.column })),
  };
}

export type ParseResult = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: GithubGraphqlError[] };

/** Parses a query; syntax errors come back in GitHub's shape. */
export function parseGithubQuery(query: string): ParseResult {
  try {
    return { document: parse(query) };
  } catch (e) {
    if (e instanceof GraphQLError) return { errors: [formatSyntaxError(e, query)] };
    throw e;
  }
}

function locationsOf(node: ASTNode | undefined | readonly ASTNode[]): { line: number; column: number }[] {
  const nodes = node === undefined ? [] : Array.isArray(node) ? node : [node as ASTNode];
  return nodes.flatMap((n) => {
    const loc = n.loc;
    if (!loc) return [];
    return [{ line: loc.startToken.line, column: loc.startToken.column }];
  });
}

function rubyError(
  path: (string | number)[],
  extensions: Record<string, unknown>,
  node: ASTNode | readonly ASTNode[] | undefined,
  message: string,
): GithubGraphqlError {
  return { path, extensions, locations: locationsOf(node), message };
}

/**
 * Walks the document once with type information, tracking graphql-ruby's
 * path, and applies the replaced rules. Returns the errors and the path of
 * every visited node (used to place errors from the graphql-js rules).
 */
function githubRubyRules(
  schema: GraphQLSchema,
  document: DocumentNode,
): { errors: GithubGraphqlError[]; paths: Map<ASTNode, (string | number)[]> } {
  const typeInfo = new TypeInfo(schema);
  const path: string[] = [];
  const paths = new Map<ASTNode, (string | number)[]>();
  const errors: GithubGraphqlError[] = [];
  const fieldNames: string[] = [];
  const push = (node: ASTNode, segment: string) => {
    path.push(segment);
    paths.set(node, [...path]);
  };
  const pop = () => {
    path.pop();
  };
  const scoped = <N extends ASTNode>(segment: (node: N) => string) => ({
    enter(node: N) {
      push(node, segment(node));
    },
    leave: pop,
  });

  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      // Every other node (variable definitions, type names, directives) is placed at the current path.
      enter(node: ASTNode) {
        paths.set(node, [...path]);
      },
      OperationDefinition: scoped((node) => `${node.operation}${node.name ? ` ${node.name.value}` : ''}`),
      FragmentDefinition: scoped((node) => `fragment ${node.name.value}`),
      InlineFragment: scoped((node) => `...${node.typeCondition ? ` on ${node.typeCondition.name.value}` : ''}`),
      FragmentSpread: scoped((node) => `... ${node.name.value}`),
      Field: {
        enter(node) {
          push(node, node.alias?.value ?? node.name.value);
          const parentType = typeInfo.getParentType();
          const def = typeInfo.getFieldDef();
          // Returning false skips the subtree (graphql-ruby's Visitor::SKIP); leave is not called then.
          const skip = (error: GithubGraphqlError): false => {
            errors.push(error);
            pop();
            return false;
          };
          if (parentType && isUnionType(parentType) && node.name.value !== '__typename') {
            return skip(
              rubyError(
                [...path],
                { code: 'selectionMismatch', nodeName: parentType.name },
                node,
                `Selections can't be made directly on unions (see selections on ${parentType.name})`,
              ),
            );
          }
          if (!def) {
            if (!parentType) {
              // Inside an unknown fragment type: graphql-js's KnownTypeNames reports it.
              pop();
              return false;
            }
            return skip(
              rubyError(
                [...path],
                { code: 'undefinedField', typeName: parentType.name, fieldName: node.name.value },
                node,
                `Field '${node.name.value}' doesn't exist on type '${parentType.name}'`,
              ),
            );
          }
          fieldNames.push(node.name.value);
          const named = getNamedType(def.type);
          const selections = node.selectionSet?.selections ?? [];
          if (isLeafType(named) && selections.length > 0) {
            const names = selections.map((s) => (s.kind === Kind.FIELD || s.kind === Kind.FRAGMENT_SPREAD ? s.name.value : '...'));
            errors.push(
              rubyError(
                [...path],
                { code: 'selectionMismatch', nodeName: `field '${node.name.value}'`, typeName: named.name },
                node,
                `Selections can't be made on scalars (field '${node.name.value}' returns ${named.name} but has selections [${names.join(', ')}])`,
              ),
            );
          } else if (isCompositeType(named) && selections.length === 0) {
            errors.push(
              rubyError(
                [...path],
                { code: 'selectionMismatch', nodeName: `field '${node.name.value}'`, typeName: named.name },
                node,
                `Field must have selections (field '${node.name.value}' returns ${named.name} but has no selections. Did you mean '${node.name.value} { ... }'?)`,
              ),
            );
          }
          const present = new Set((node.arguments ?? []).map((a) => a.name.value));
          const missing = def.args
            .filter((a) => isNonNullType(a.type) && a.defaultValue === undefined && !present.has(a.name))
            .map((a) => a.name);
          if (missing.length > 0) {
            errors.push(
              rubyError(
                [...path],
                { code: 'missingRequiredArguments', className: 'Field', name: node.name.value, arguments: missing.join(', ') },
                node,
                `Field '${node.name.value}' is missing required arguments: ${missing.join(', ')}`,
              ),
            );
          }
          return undefined;
        },
        leave() {
          fieldNames.pop();
          pop();
        },
      },
      Argument: {
        enter(node) {
          push(node, node.name.value);
          const argDef = typeInfo.getArgument();
          const directive = typeInfo.getDirective();
          const owner = directive
            ? { kind: 'Directive', name: directive.name }
            : { kind: 'Field', name: fieldNames[fieldNames.length - 1] ?? '' };
          if (!argDef) {
            errors.push(
              rubyError(
                [...path],
                { code: 'argumentNotAccepted', name: owner.name, typeName: owner.kind, argumentName: node.name.value },
                node,
                `${owner.kind} '${owner.name}' doesn't accept argument '${node.name.value}'`,
              ),
            );
            return;
          }
          const problem = literalProblem(node.value, argDef.type);
          if (!problem) return;
          if (problem.kind === 'unknownInputField') {
            errors.push(
              rubyError(
                [...path, ...problem.path],
                { code: 'argumentNotAccepted', name: problem.inputType, typeName: 'InputObject', argumentName: problem.field },
                problem.node,
                `InputObject '${problem.inputType}' doesn't accept argument '${problem.field}'`,
              ),
            );
          } else if (problem.kind === 'missingInputField') {
            errors.push(
              rubyError(
                [...path, ...problem.path],
                {
                  code: 'missingRequiredInputObjectAttribute',
                  argumentName: problem.field,
                  argumentType: problem.fieldType,
                  inputObjectType: problem.inputType,
                },
                problem.node,
                `Argument '${problem.field}' on InputObject '${problem.inputType}' is required. Expected type ${problem.fieldType}`,
              ),
            );
          } else {
            errors.push(
              rubyError(
                [...path],
                { code: 'argumentLiteralsIncompatible', typeName: owner.kind, argumentName: node.name.value },
                node,
                `Argument '${node.name.value}' on ${owner.kind} '${owner.name}' has an invalid value (${print(node.value)}). Expected type '${String(argDef.type)}'.`,
              ),
            );
          }
        },
        leave: pop,
      },
    }),
  );
  return { errors, paths };
}

type LiteralProblem =
  | { kind: 'unknownInputField'; inputType: string; field: string; node: ASTNode; path: string[] }
  | { kind: 'missingInputField'; inputType: string; field: string; fieldType: string; node: ASTNode; path: string[] }
  | { kind: 'invalid' };

/**
 * Why a literal does not fit its input type, looking inside input objects
 * (where graphql-ruby reports unknown and missing attributes by name) and
 * otherwise deferring to graphql-js's coercion.
 */
function literalProblem(value: ValueNode, type: GraphQLInputType, at: string[] = []): LiteralProblem | null {
  if (value.kind === Kind.VARIABLE) return null;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (value.kind === Kind.NULL) return isNonNullType(type) ? { kind: 'invalid' } : null;
  if (isInputObjectType(inner) && value.kind === Kind.OBJECT) {
    const fields = (inner as GraphQLInputObjectType).getFields();
    for (const f of value.fields) {
      const def = fields[f.name.value];
      if (!def) return { kind: 'unknownInputField', inputType: inner.name, field: f.name.value, node: f, path: [...at, f.name.value] };
      const nested = literalProblem(f.value, def.type, [...at, f.name.value]);
      if (nested) return nested;
    }
    const given = new Set(value.fields.map((f) => f.name.value));
    for (const def of Object.values(fields)) {
      if (isNonNullType(def.type) && def.defaultValue === undefined && !given.has(def.name)) {
        return { kind: 'missingInputField', inputType: inner.name, field: def.name, fieldType: String(def.type), node: value, path: at };
      }
    }
    return null;
  }
  if (value.kind === Kind.LIST && isListType(inner)) {
    const itemType = inner.ofType as GraphQLInputType;
    for (const item of value.values) {
      const nested = literalProblem(item, itemType, at);
      if (nested) return nested;
    }
    return null;
  }
  // Variables nested in literals are checked by VariablesInAllowedPosition; any value satisfies them here.
  if (containsVariable(value)) return null;
  return valueFromAST(value, type) === undefined ? { kind: 'invalid' } : null;
}

function containsVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(containsVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((f) => containsVariable(f.value));
  return false;
}

/** Validates a parsed document against the schema; [] when valid. */
export function validateGithubDocument(schema: GraphQLSchema, document: DocumentNode): GithubGraphqlError[] {
  const { errors, paths } = githubRubyRules(schema, document);
  for (const rule of specifiedRules) {
    if (REPLACED.has(rule)) continue;
    for (const e of validate(schema, document, [rule])) {
      const node = e.nodes?.[0];
      const path = (node && paths.get(node)) ?? [];
      errors.push({
        path,
        extensions: { code: RUBY_CODES.get(rule) ?? rule.name.replace(/Rule$/, '') },
        locations: (e.locations ?? []).map((l) => ({ line: l.line, column: l.column })),
        message: e.message,
      });
    }
  }
  return errors;
}

/** Parse + validate in one step (the contract harness's check for `/graphql` exchanges). */
export function checkGithubQuery(schema: GraphQLSchema, query: string): { document?: DocumentNode; errors: GithubGraphqlError[] } {
  const parsed = parseGithubQuery(query);
  if (!parsed.document) return { errors: parsed.errors };
  return { document: parsed.document, errors: validateGithubDocument(schema, parsed.document) };
}
