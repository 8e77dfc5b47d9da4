/**
 * Loading the policy file `qms.config.yml`.
 *
 * Which file: `--config FILE` (or QMS_CONFIG) if given, else `./qms.config.yml`
 * if it exists, else the built-in defaults (src/core/default-policy.ts).
 *
 * How it combines with the defaults: the file is a JSON merge patch (RFC 7396)
 * on the defaults, see merge-patch.ts. A complete file (what `qms init` writes)
 * works the same way and changes nothing it repeats.
 *
 * Order: read (size, encoding) -> parse YAML (positions kept) -> schema (ajv) ->
 * merge onto defaults -> semantic checks -> map to QmsPolicy. Any problem stops
 * the load before the mapping, so a policy is used whole or not at all.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { defaultPolicy } from '../core/default-policy.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import type { QmsPolicy } from '../core/policy.js';
import { mergePatch } from './merge-patch.js';
import { checkPolicyDocument, ProblemReporter } from './policy-checks.js';
import { documentToPolicy, policyToDocument, type PolicyDocument } from './policy-document.js';
import { validateWithSchema } from './schema-validation.js';
import { MAX_CONFIG_BYTES, parseYamlConfig } from './yaml-source.js';

/** The file name qms looks for in the working directory. */
export const POLICY_FILE_NAME = 'qms.config.yml';

export type PolicySource =
  | { kind: 'builtin' }
  | {
      kind: 'file';
      /** Absolute path. */
      path: string;
      /** As shown in messages (what the user typed, or `qms.config.yml`). */
      label: string;
    };

export interface LoadedPolicy {
  policy: QmsPolicy;
  warnings: ConfigProblem[];
  source: PolicySource;
}

/** The outcome of checking a policy: `policy` is set only when `errors` is empty. */
export interface PolicyValidation {
  policy: QmsPolicy | undefined;
  warnings: ConfigProblem[];
  errors: ConfigProblem[];
}

/** Read a config file's bytes, refusing files over the size limit without reading them. */
export async function readConfigBytes(file: string, label: string): Promise<{ bytes?: Uint8Array; problem?: ConfigProblem }> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { problem: { file: label, message: 'is not a regular file' } };
    size = info.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: { file: label, message: 'file not found' } };
    if (code === 'EACCES') return { problem: { file: label, message: 'permission denied: qms cannot read this file' } };
    return { problem: { file: label, message: `cannot be read (${code ?? String(err)})` } };
  }
  if (size > MAX_CONFIG_BYTES) {
    return {
      problem: { file: label, message: `the file is ${size} bytes; qms reads config files of at most 1 MB (${MAX_CONFIG_BYTES} bytes)` },
    };
  }
  // Read at most one byte more than the limit: the file may grow between stat and read.
  const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => err);
  if (handle instanceof Error) {
    return {
      problem: {
        file: label,
        message:
          handle.code === 'EACCES' ? 'permission denied: qms cannot read this file' : `cannot be read (${handle.code ?? handle.message})`,
      },
    };
  }
  try {
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total >= buffer.length) break;
    }
    return { bytes: buffer.subarray(0, total) };
  } finally {
    await handle.close();
  }
}

/**
 * Check a policy's text (or bytes) as `file`; returns, never throws for bad input.
 */
export function validatePolicyText(input: string | Uint8Array, file: string): PolicyValidation {
  const parsed = parseYamlConfig(input, file);
  if (parsed.problems.length > 0) return { policy: undefined, warnings: parsed.warnings, errors: parsed.problems };
  const schemaProblems = validateWithSchema('policy', parsed.value, parsed.source);
  if (schemaProblems.length > 0) return { policy: undefined, warnings: parsed.warnings, errors: schemaProblems };

  const user = parsed.value as PolicyDocument;
  const builtin = policyToDocument(defaultPolicy());
  const merged = mergePatch(builtin, user) as PolicyDocument;
  const report = new ProblemReporter(parsed.source);
  checkPolicyDocument(merged, user, builtin, report);
  const warnings = [...parsed.warnings, ...report.warnings];
  if (report.errors.length > 0) return { policy: undefined, warnings, errors: sortProblems(report.errors) };
  return { policy: documentToPolicy(merged), warnings, errors: [] };
}

/** Check a policy file on disk; returns, never throws for bad input. */
export async function validatePolicyFile(file: string, options: { cwd: string; label?: string }): Promise<PolicyValidation> {
  const absolute = path.resolve(options.cwd, file);
  const label = options.label ?? file;
  const { bytes, problem } = await readConfigBytes(absolute, label);
  if (problem) return { policy: undefined, warnings: [], errors: [problem] };
  return validatePolicyText(bytes!, label);
}

/** Where the policy in use comes from, without reading it. */
export async function resolvePolicySource(configPath: string | undefined, options: { cwd: string }): Promise<PolicySource> {
  if (configPath !== undefined && configPath !== '') {
    return { kind: 'file', path: path.resolve(options.cwd, configPath), label: configPath };
  }
  const candidate = path.join(options.cwd, POLICY_FILE_NAME);
  try {
    await stat(candidate);
    return { kind: 'file', path: candidate, label: POLICY_FILE_NAME };
  } catch {
    return { kind: 'builtin' };
  }
}

/**
 * The policy in use. Throws ConfigError (exit 2) with every problem when the
 * file is invalid: a command cannot run on half a policy.
 */
export async function loadPolicy(configPath: string | undefined, options: { cwd: string }): Promise<LoadedPolicy> {
  const source = await resolvePolicySource(configPath, options);
  if (source.kind === 'builtin') return { policy: defaultPolicy(), warnings: [], source };
  const result = await validatePolicyFile(source.path, { cwd: options.cwd, label: source.label });
  if (result.errors.length > 0 || !result.policy) {
    throw new ConfigError(result.errors, { hint: `run "qms config validate ${source.label}" to see every problem` });
  }
  return { policy: result.policy, warnings: result.warnings, source };
}

export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => {
    const la = a.line ?? Number.MAX_SAFE_INTEGER;
    const lb = b.line ?? Number.MAX_SAFE_INTEGER;
    return la - lb || (a.column ?? 0) - (b.column ?? 0);
  });
}
