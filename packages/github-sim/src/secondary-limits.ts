/**
 * GitHub's secondary rate limits (GITHUB-API.md §5), emulated when enabled:
 * more than 100 concurrent requests; more than 900 points per minute on one
 * REST endpoint (GET 1 point, writes 5) or 2,000 on GraphQL (query 1,
 * mutation 5); content-creating requests faster than 80 per minute or 500
 * per hour. Counted per identity (token, or IP when anonymous).
 */
export interface SecondaryVerdict {
  /** Seconds GitHub would ask the client to wait (`retry-after`). */
  retryAfter: number;
  reason: 'concurrency' | 'endpoint-points' | 'content-per-minute' | 'content-per-hour';
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const MAX_CONCURRENT = 100;
const REST_POINTS_PER_MINUTE = 900;
const GRAPHQL_POINTS_PER_MINUTE = 2000;
const CONTENT_PER_MINUTE = 80;
const CONTENT_PER_HOUR = 500;

export class SecondaryLimiter {
  private readonly inflight = new Map<string, number>();
  private readonly points = new Map<string, { t: number; p: number }[]>();
  private readonly creations = new Map<string, number[]>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Registers a request as in flight; returns how many the identity now has (this one included). */
  enter(identity: string): number {
    const n = (this.inflight.get(identity) ?? 0) + 1;
    this.inflight.set(identity, n);
    return n;
  }

  leave(identity: string): void {
    const n = (this.inflight.get(identity) ?? 1) - 1;
    if (n <= 0) this.inflight.delete(identity);
    else this.inflight.set(identity, n);
  }

  /**
   * Would this request break a secondary limit? `concurrent` is what `enter`
   * returned when the request arrived.
   */
  check(
    identity: string,
    endpoint: string,
    points: number,
    contentCreating: boolean,
    graphql: boolean,
    concurrent: number,
  ): SecondaryVerdict | null {
    const now = this.clock();
    if (concurrent > MAX_CONCURRENT) return { retryAfter: 1, reason: 'concurrency' };

    const key = `${identity}|${endpoint}`;
    const window = prune(this.points.get(key) ?? [], now - MINUTE, (e) => e.t);
    this.points.set(key, window);
    const used = window.reduce((n, e) => n + e.p, 0);
    const limit = graphql ? GRAPHQL_POINTS_PER_MINUTE : REST_POINTS_PER_MINUTE;
    if (used + points > limit) {
      return { retryAfter: waitFor(window[0]?.t ?? now, MINUTE, now), reason: 'endpoint-points' };
    }

    if (contentCreating) {
      const created = prune(this.creations.get(identity) ?? [], now - HOUR, (t) => t);
      this.creations.set(identity, created);
      const lastMinute = created.filter((t) => t > now - MINUTE);
      if (lastMinute.length >= CONTENT_PER_MINUTE) {
        return { retryAfter: waitFor(lastMinute[0] ?? now, MINUTE, now), reason: 'content-per-minute' };
      }
      if (created.length >= CONTENT_PER_HOUR) {
        return { retryAfter: waitFor(created[0] ?? now, HOUR, now), reason: 'content-per-hour' };
      }
    }
    return null;
  }

  /** Account for a request that was served. */
  record(identity: string, endpoint: string, points: number, contentCreating: boolean): void {
    const now = this.clock();
    const key = `${identity}|${endpoint}`;
    const window = this.points.get(key) ?? [];
    window.push({ t: now, p: points });
    this.points.set(key, window);
    if (contentCreating) {
      const created = this.creations.get(identity) ?? [];
      created.push(now);
      this.creations.set(identity, created);
    }
  }

  clear(): void {
    this.points.clear();
    this.creations.clear();
  }
}

function prune<T>(entries: T[], since: number, time: (e: T) => number): T[] {
  let i = 0;
  while (i < entries.length && time(entries[i] as T) <= since) i++;
  return i === 0 ? entries : entries.slice(i);
}

function waitFor(oldest: number, window: number, now: number): number {
  return Math.max(1, Math.ceil((oldest + window - now) / 1000));
}
