/**
 * Small runtime checks for the fields of GitHub responses that qms decides on
 * (STYLE habit 5). A response that does not have the shape we rely on fails
 * with a clear GitHubError naming the field, never with a TypeError deep in a
 * mapper.
 */
import { GitHubError } from '../../core/errors.js';

/** A GitHub response did not have the shape qms relies on. Converted to GitHubError with the route. */
export class ResponseShapeError extends Error {
  readonly path: string;
  readonly expected: string;

  constructor(path: string, expected: string) {
    super(`${path || 'the response'} is not ${expected}`);
    this.name = 'ResponseShapeError';
    this.path = path;
    this.expected = expected;
  }
}

export function shapeErrorToGitHubError(err: ResponseShapeError, route: string): GitHubError {
  return new GitHubError(
    `GitHub returned an unexpected response for ${route}: ${err.message}`,
    { status: 200, route },
    {
      hint: 'the API may have changed or a proxy altered the answer; run with --verbose and report it',
    },
  );
}

export type Json = Record<string, unknown>;

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

export function obj(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ResponseShapeError(path, 'an object');
  return value as Json;
}

export function arr(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ResponseShapeError(path, 'a list');
  return value;
}

export function str(o: Json, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ResponseShapeError(join(path, key), 'a string');
  return v;
}

export function num(o: Json, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ResponseShapeError(join(path, key), 'a number');
  return v;
}

export function bool(o: Json, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new ResponseShapeError(join(path, key), 'true or false');
  return v;
}

/** Absent or null → undefined; present → must have the type. */
export function optStr(o: Json, key: string, path: string): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : str(o, key, path);
}
export function optNum(o: Json, key: string, path: string): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : num(o, key, path);
}
export function optBool(o: Json, key: string, path: string): boolean | undefined {
  return o[key] === undefined || o[key] === null ? undefined : bool(o, key, path);
}
export function optObj(o: Json, key: string, path: string): Json | undefined {
  return o[key] === undefined || o[key] === null ? undefined : obj(o[key], join(path, key));
}
export function optArr(o: Json, key: string, path: string): unknown[] | undefined {
  return o[key] === undefined || o[key] === null ? undefined : arr(o[key], join(path, key));
}

/** The items of a list field, each checked as an object. */
export function objects(o: Json, key: string, path: string): Json[] {
  const list = optArr(o, key, path) ?? [];
  return list.map((item, i) => obj(item, join(join(path, key), i)));
}

export function childPath(path: string, key: string | number): string {
  return join(path, key);
}
