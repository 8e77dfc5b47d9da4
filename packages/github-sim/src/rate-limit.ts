/**
 * GitHub's primary rate limit: a budget per identity (token, or client IP
 * when anonymous) and resource, renewed an hour after the window opened
 * (GITHUB-API.md §5). REST requests cost 1 from `core`; GraphQL costs its
 * computed points from `graphql`.
 */
export type RateResource = 'core' | 'graphql' | 'search';

export interface RateLimits {
  /** Per authenticated identity per hour (default 5000). */
  core: number;
  /** GraphQL points per authenticated identity per hour (default 5000). */
  graphql: number;
}

export interface PoolView {
  limit: number;
  used: number;
  remaining: number;
  /** Epoch seconds when the window renews. */
  reset: number;
  resource: RateResource;
}

/** Anonymous callers: 60 core requests per hour per IP, 10 searches, no GraphQL. */
const ANONYMOUS_LIMITS: Record<RateResource, number> = { core: 60, graphql: 0, search: 10 };
const WINDOW_MS = 3_600_000;

interface Pool {
  limit: number;
  used: number;
  resetMs: number;
}

export class PrimaryRateLimiter {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private limits: RateLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  setLimits(limits: Partial<RateLimits>): void {
    this.limits = { ...this.limits, ...limits };
    this.pools.clear();
  }

  private limitFor(resource: RateResource, authenticated: boolean): number {
    if (!authenticated) return ANONYMOUS_LIMITS[resource];
    if (resource === 'search') return 30;
    return this.limits[resource];
  }

  private pool(identity: string, resource: RateResource, authenticated: boolean): Pool {
    const key = `${identity}|${resource}`;
    const now = this.clock();
    let pool = this.pools.get(key);
    if (!pool || pool.resetMs <= now) {
      pool = { limit: this.limitFor(resource, authenticated), used: 0, resetMs: now + WINDOW_MS };
      this.pools.set(key, pool);
    }
    return pool;
  }

  view(identity: string, resource: RateResource, authenticated: boolean): PoolView {
    const p = this.pool(identity, resource, authenticated);
    return {
      limit: p.limit,
      used: p.used,
      remaining: Math.max(0, p.limit - p.used),
      reset: Math.ceil(p.resetMs / 1000),
      resource,
    };
  }

  exhausted(identity: string, resource: RateResource, authenticated: boolean): boolean {
    const p = this.pool(identity, resource, authenticated);
    return p.used >= p.limit;
  }

  charge(identity: string, resource: RateResource, authenticated: boolean, cost = 1): PoolView {
    const p = this.pool(identity, resource, authenticated);
    p.used = Math.min(p.limit, p.used + Math.max(0, cost));
    return this.view(identity, resource, authenticated);
  }

  /** Forget every window (sandbox reset). */
  clear(): void {
    this.pools.clear();
  }
}
