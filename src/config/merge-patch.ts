/**
 * How a policy file combines with the built-in defaults: JSON Merge Patch
 * (RFC 7396), a published rule people can look up instead of a qms invention.
 *
 * - a mapping merges key by key, recursively;
 * - a list or a plain value replaces the default as a whole (so a tier's
 *   `branches` list is yours entirely once you write it);
 * - `null` removes the entry (the schema allows it only for a tier, role,
 *   bypass level or expertise area).
 *
 * So `version: 1` alone is the defaults, and the starter file `qms init` writes
 * (the full defaults) is also a valid override that changes nothing.
 */

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** RFC 7396 MergePatch(target, patch); neither input is modified. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    // The schema already rejects such keys; this keeps the merge safe on its own.
    if (FORBIDDEN_KEYS.has(key)) continue;
    if (value === null) delete result[key];
    else result[key] = mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value);
  }
  return result;
}
