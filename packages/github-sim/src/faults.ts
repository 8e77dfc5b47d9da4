/**
 * Fault injection: make matching requests fail the way GitHub or the network
 * sometimes does, so retry, throttling and resume logic can be tested.
 *
 * When a fault strikes, relative to the handler (the part that changes state):
 * - before it, nothing happens on "GitHub": 'status', 'secondary-limit',
 *   'primary-limit', 'reset' (the connection is dropped unanswered);
 * - around it: 'slow' waits, then the request is handled normally;
 * - after it, the request WAS handled (a write is applied and persisted) and only
 *   the answer is lost: 'truncated' (half the JSON body arrives) and 'reset-after'
 *   (the connection is dropped instead of answering) — "GitHub applied the write
 *   but the response never arrived".
 */
export type FaultKind = 'status' | 'secondary-limit' | 'primary-limit' | 'reset' | 'reset-after' | 'slow' | 'truncated';

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** OpenAPI path template (e.g. '/repos/{owner}/{repo}/branches/{branch}/protection', '/graphql') or '*' (default). */
  route?: string;
  /**
   * Only requests whose decoded path contains this text (e.g. '/repos/acme/sales-reporting/'),
   * so a fault can hit one repository while the rest of the org answers normally.
   */
  pathIncludes?: string;
  /**
   * Only requests whose raw body contains this text, e.g. 'createBranchProtectionRule'
   * to hit one GraphQL mutation among the queries that share POST /graphql.
   */
  bodyIncludes?: string;
  kind: FaultKind;
  /** 'status': the status to answer (default 500); 'secondary-limit': 403 or 429 (default: the sandbox's secondary status). */
  status?: number;
  /** Seconds: `retry-after` for 'secondary-limit' (default 60) and 'status'; time to reset for 'primary-limit' (default 60). */
  retryAfter?: number;
  /** 'slow': how long to wait before answering (default 1000 ms; {@link FaultInjector.releaseHeld} ends the wait early). */
  delayMs?: number;
  /** How many matching requests to affect (default 1; 0 or Infinity = every one). */
  times?: number;
  /** Let the first N matching requests through untouched. */
  skip?: number;
}

export interface ActiveFault extends FaultRule {
  id: number;
  /** Requests still to affect (Infinity = unlimited). */
  remaining: number;
  /** Matching requests still to let through. */
  skipRemaining: number;
  /** Requests affected so far. */
  hits: number;
}

const KINDS: ReadonlySet<string> = new Set(['status', 'secondary-limit', 'primary-limit', 'reset', 'reset-after', 'slow', 'truncated']);

/** Checks a rule from an untyped source (the control API); returns a reason when invalid. */
export function checkFaultRule(rule: unknown): string | null {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return 'a fault rule must be a JSON object';
  const r = rule as Record<string, unknown>;
  if (typeof r['kind'] !== 'string' || !KINDS.has(r['kind'])) return `kind must be one of ${[...KINDS].join(', ')}`;
  for (const key of ['status', 'retryAfter', 'delayMs', 'times', 'skip']) {
    if (r[key] !== undefined && (typeof r[key] !== 'number' || Number.isNaN(r[key]) || (r[key] as number) < 0)) {
      return `${key} must be a non-negative number`;
    }
  }
  for (const key of ['method', 'route', 'pathIncludes', 'bodyIncludes']) {
    if (r[key] !== undefined && typeof r[key] !== 'string') return `${key} must be a string`;
  }
  return null;
}

export class FaultInjector {
  private rules: ActiveFault[] = [];
  private nextId = 1;
  private readonly held = new Set<() => void>();

  /** A 'slow' fault's wait: `ms`, or until {@link releaseHeld}. */
  hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.held.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.held.add(release);
    });
  }

  /**
   * Ends every 'slow' wait now: the held requests are handled at once. Lets a test
   * hold a write (and the lock of the run that sent it) for exactly as long as it needs.
   */
  releaseHeld(): void {
    for (const release of [...this.held]) release();
  }

  /** Adds a rule; returns its id. */
  add(rule: FaultRule): number {
    const problem = checkFaultRule(rule);
    if (problem) throw new Error(`Invalid sandbox fault rule: ${problem}`);
    const times = rule.times === undefined ? 1 : rule.times === 0 ? Infinity : rule.times;
    const active: ActiveFault = {
      ...rule,
      id: this.nextId++,
      remaining: times,
      skipRemaining: rule.skip ?? 0,
      hits: 0,
    };
    this.rules.push(active);
    return active.id;
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /**
   * The fault to apply to this request, if any. Consumes it: each matching
   * request uses up one skip, then one of `times`.
   */
  take(method: string, route: string | null, path = '', body = ''): ActiveFault | null {
    let decoded: string | undefined;
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      const target = rule.route ?? '*';
      if (target !== '*' && target !== route) continue;
      if (rule.pathIncludes !== undefined) {
        decoded ??= safeDecode(path);
        if (!decoded.includes(rule.pathIncludes)) continue;
      }
      if (rule.bodyIncludes !== undefined && !body.includes(rule.bodyIncludes)) continue;
      if (rule.skipRemaining > 0) {
        rule.skipRemaining--;
        continue;
      }
      rule.remaining--;
      rule.hits++;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      return { ...rule };
    }
    return null;
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
