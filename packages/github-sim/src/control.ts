/**
 * The control API for standalone use (`qms sandbox serve`), under /_sandbox/.
 * Not a GitHub route: no auth, no rate limit, not in stats or contract checks.
 *
 *   GET    /_sandbox/stats          request counters
 *   POST   /_sandbox/stats/reset    zero them
 *   GET    /_sandbox/faults         active fault rules
 *   POST   /_sandbox/faults         add one (JSON FaultRule) -> {id}
 *   DELETE /_sandbox/faults         remove all
 *   POST   /_sandbox/reset          reseed the state from the fixtures
 *   GET    /_sandbox/config         current settings
 *   PUT    /_sandbox/config         change {latencyMs, secondaryLimits, secondaryLimitStatus, validateRequests}
 *   GET    /_sandbox/users          who you can be: login, persona, roles, token
 */
import { checkFaultRule, type FaultInjector, type FaultRule } from './faults.js';
import type { SimState } from './model.js';
import type { RequestStats } from './stats.js';
import type { SandboxConfig } from './types.js';
import { listSandboxUsers } from './users.js';

export interface ControlDeps {
  stats: RequestStats;
  faults: FaultInjector;
  config(): SandboxConfig;
  configure(change: Partial<SandboxConfig>): void;
  reset(): void;
  state(): SimState;
}

function readConfigChange(body: unknown): Partial<SandboxConfig> | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'expected a JSON object';
  const b = body as Record<string, unknown>;
  const change: Partial<SandboxConfig> = {};
  if (b['latencyMs'] !== undefined) {
    if (typeof b['latencyMs'] !== 'number' || b['latencyMs'] < 0) return 'latencyMs must be a non-negative number';
    change.latencyMs = b['latencyMs'];
  }
  for (const key of ['secondaryLimits', 'validateRequests'] as const) {
    if (b[key] !== undefined) {
      if (typeof b[key] !== 'boolean') return `${key} must be a boolean`;
      change[key] = b[key] as boolean;
    }
  }
  if (b['secondaryLimitStatus'] !== undefined) {
    if (b['secondaryLimitStatus'] !== 403 && b['secondaryLimitStatus'] !== 429) return 'secondaryLimitStatus must be 403 or 429';
    change.secondaryLimitStatus = b['secondaryLimitStatus'];
  }
  return change;
}

export function createControlHandler(deps: ControlDeps) {
  return async (method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> => {
    const route = `${method} ${path.replace(/\/+$/, '')}`;
    switch (route) {
      case 'GET /_sandbox/stats':
        return { status: 200, body: deps.stats.snapshot() };
      case 'POST /_sandbox/stats/reset':
        deps.stats.reset();
        return { status: 200, body: deps.stats.snapshot() };
      case 'GET /_sandbox/faults':
        return { status: 200, body: deps.faults.list() };
      case 'POST /_sandbox/faults': {
        const problem = checkFaultRule(body);
        if (problem) return { status: 422, body: { message: problem } };
        return { status: 201, body: { id: deps.faults.add(body as FaultRule) } };
      }
      case 'DELETE /_sandbox/faults':
        deps.faults.clear();
        return { status: 204, body: undefined };
      case 'POST /_sandbox/reset':
        deps.reset();
        return { status: 200, body: { message: 'Sandbox state reseeded from the fixtures' } };
      case 'GET /_sandbox/config':
        return { status: 200, body: deps.config() };
      case 'PUT /_sandbox/config': {
        const change = readConfigChange(body);
        if (typeof change === 'string') return { status: 422, body: { message: change } };
        deps.configure(change);
        return { status: 200, body: deps.config() };
      }
      case 'GET /_sandbox/users':
        return { status: 200, body: listSandboxUsers(deps.state()) };
      default:
        return { status: 404, body: { message: `Unknown sandbox control endpoint: ${method} ${path}` } };
    }
  };
}
