/**
 * The policy as commands report it: where it came from, and its warnings as
 * one-line located messages.
 */
import { formatConfigProblem } from '../core/errors.js';
import type { LoadedPolicy } from '../config/index.js';
import type { PolicyOrigin } from './assess.js';

export function policyOriginOf(loaded: Pick<LoadedPolicy, 'source'>): PolicyOrigin {
  return loaded.source.kind === 'file' ? { kind: 'file', label: loaded.source.label } : { kind: 'builtin' };
}

/** Policy warnings (`file:line:col: field: message`), for stderr. */
export function describePolicyWarnings(loaded: Pick<LoadedPolicy, 'warnings'>): string[] {
  return loaded.warnings.map(formatConfigProblem);
}
