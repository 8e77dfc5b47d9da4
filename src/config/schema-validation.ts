/**
 * JSON Schema validation of config files at runtime (ajv, draft 2020-12), with
 * ajv's errors turned into located one-line problems a QMS coordinator reads.
 *
 * The schemas live in `schemas/` (shipped with the package) and are compiled
 * once, on first use, so commands that never read a config pay nothing.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ConfigProblem } from '../core/errors.js';
import { describeTypes, describeValue, didYouMean, listChoices, pointerToken, quote } from './describe.js';
import type { YamlSource } from './yaml-source.js';

export type SchemaKind = 'policy' | 'repo';

const SCHEMA_FILES: Record<SchemaKind, string> = {
  policy: 'qms-config.schema.json',
  repo: 'repo-config.schema.json',
};

/** schemas/ sits two levels above this module both in src/config and dist/config. */
export function schemaUrl(kind: SchemaKind): URL {
  return new URL(`../../schemas/${SCHEMA_FILES[kind]}`, import.meta.url);
}

/** The schema as data (for tests and tools). */
export function loadSchema(kind: SchemaKind): Record<string, unknown> {
  return JSON.parse(readFileSync(schemaUrl(kind), 'utf8')) as Record<string, unknown>;
}

// Compiled validators, created on first use. A cache of pure functions, not state.
const compiled = new Map<SchemaKind, ValidateFunction>();

function validatorFor(kind: SchemaKind): ValidateFunction {
  let validate = compiled.get(kind);
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    // Annotations the messages use: a human description of a pattern, and why a limit exists.
    ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'x-why', schemaType: 'string' });
    validate = ajv.compile(loadSchema(kind));
    compiled.set(kind, validate);
  }
  return validate;
}

interface Translated {
  /** Pointer shown as the field (parent for unknown keys). */
  pointer: string;
  /** Pointer used for the position. */
  locateAt: string;
  /** Locate the key of `locateAt` rather than its value. */
  key: boolean;
  message: string;
}

const YES_NO = /^(y|yes|n|no|on|off|true|false)$/i;

function schemaOf(err: ErrorObject): Record<string, unknown> {
  return (err.parentSchema ?? {}) as Record<string, unknown>;
}

function rangeMessage(err: ErrorObject): string {
  const s = schemaOf(err);
  const integer = s['type'] === 'integer';
  const noun = integer ? 'a whole number' : 'a number';
  const min = typeof s['minimum'] === 'number' ? (s['minimum'] as number) : undefined;
  const max = typeof s['maximum'] === 'number' ? (s['maximum'] as number) : undefined;
  const why = typeof s['x-why'] === 'string' ? ` (${s['x-why'] as string})` : '';
  let rule: string;
  if (min !== undefined && max !== undefined) rule = `${noun} from ${min} to ${max}`;
  else if (min !== undefined) rule = min === 0 ? `${noun} of 0 or more` : `${noun} of at least ${min}`;
  else rule = `${noun} of at most ${max}`;
  return `must be ${rule}${why}; got ${describeValue(err.data)}`;
}

function translate(err: ErrorObject): Translated | null {
  const path = err.instancePath;
  const s = schemaOf(err);
  const same = (message: string): Translated => ({ pointer: path, locateAt: path, key: false, message });
  // Errors inside `propertyNames` concern a key, not a value.
  const propertyName = (err as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    const at = `${path}/${pointerToken(propertyName)}`;
    const hint = typeof s['x-hint'] === 'string' ? (s['x-hint'] as string) : 'a valid name';
    return { pointer: path, locateAt: at, key: true, message: `key ${quote(propertyName)} is not ${hint}` };
  }
  switch (err.keyword) {
    case 'propertyNames':
      return null; // reported through the nested error above
    case 'additionalProperties': {
      const key = String((err.params as { additionalProperty: string }).additionalProperty);
      const at = `${path}/${pointerToken(key)}`;
      if (key === '<<') {
        return {
          pointer: path,
          locateAt: at,
          key: true,
          message: 'YAML merge keys ("<<") are not supported; repeat the settings or reuse a whole value with an alias (*name)',
        };
      }
      const known = Object.keys((s['properties'] as Record<string, unknown> | undefined) ?? {});
      return { pointer: path, locateAt: at, key: true, message: `unknown key ${quote(key)}${didYouMean(key, known)}` };
    }
    case 'required': {
      const missing = String((err.params as { missingProperty: string }).missingProperty);
      return same(`missing required key ${quote(missing)}`);
    }
    case 'type': {
      const types = (err.params as { type: string | string[] }).type;
      const yesNo =
        typeof err.data === 'string' && YES_NO.test(err.data) && String(types).includes('boolean')
          ? ' (write true or false, without quotes)'
          : '';
      return same(`must be ${describeTypes(types)}; got ${describeValue(err.data)}${yesNo}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return same(rangeMessage(err));
    case 'const': {
      const allowed = (err.params as { allowedValue: unknown }).allowedValue;
      const why = typeof s['x-why'] === 'string' ? ` (${s['x-why'] as string})` : '';
      return same(`must be ${JSON.stringify(allowed)}${why}; got ${describeValue(err.data)}`);
    }
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues;
      const hint = typeof err.data === 'string' ? didYouMean(err.data, allowed.map(String)) : '';
      return same(`must be one of ${listChoices(allowed)}; got ${describeValue(err.data)}${hint}`);
    }
    case 'pattern': {
      const hint =
        typeof s['x-hint'] === 'string' ? (s['x-hint'] as string) : `text matching ${(err.params as { pattern: string }).pattern}`;
      return same(`must be ${hint}; got ${describeValue(err.data)}`);
    }
    case 'minLength': {
      const limit = (err.params as { limit: number }).limit;
      return same(limit <= 1 ? 'cannot be empty text' : `must be at least ${limit} characters long`);
    }
    case 'maxLength': {
      const limit = (err.params as { limit: number }).limit;
      return same(`must be at most ${limit} characters long; got ${String(err.data).length}`);
    }
    case 'minItems': {
      const limit = (err.params as { limit: number }).limit;
      return same(`must list at least ${limit} item${limit === 1 ? '' : 's'}`);
    }
    case 'maxItems': {
      const limit = (err.params as { limit: number }).limit;
      return same(`must list at most ${limit} items; got ${Array.isArray(err.data) ? err.data.length : '?'}`);
    }
    case 'uniqueItems': {
      const { i, j } = err.params as { i: number; j: number };
      const later = Math.max(i, j);
      const value = Array.isArray(err.data) ? err.data[later] : undefined;
      const at = `${path}/${later}`;
      return {
        pointer: path,
        locateAt: at,
        key: false,
        message: `lists ${describeValue(value)} twice (items ${Math.min(i, j)} and ${later}); each may appear once`,
      };
    }
    case 'minProperties': {
      const props = Object.keys((s['properties'] as Record<string, unknown> | undefined) ?? {});
      return same(props.length > 0 ? `needs at least one of ${listChoices(props)}` : 'cannot be empty');
    }
    case 'maxProperties': {
      const limit = (err.params as { limit: number }).limit;
      return same(`has more than ${limit} entries`);
    }
    default:
      return same(err.message ?? `fails the ${err.keyword} rule`);
  }
}

function documentOrder(a: ConfigProblem, b: ConfigProblem): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** Check `value` against the schema of `kind`; every error located in `source`. */
export function validateWithSchema(kind: SchemaKind, value: unknown, source: YamlSource): ConfigProblem[] {
  const validate = validatorFor(kind);
  if (validate(value)) return [];
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    const t = translate(err);
    if (!t) continue;
    const dedupe = `${t.locateAt}\u0000${t.message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const pos = source.locate(t.locateAt, { key: t.key });
    problems.push({
      file: source.file,
      ...(pos ? { line: pos.line, column: pos.column } : {}),
      pointer: t.pointer,
      message: t.message,
    });
  }
  return problems.sort(documentOrder);
}
