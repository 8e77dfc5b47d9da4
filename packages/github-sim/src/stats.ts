/** Request counters, so tests and benchmarks can assert how a command used the API. */
export interface RequestStatsSnapshot {
  total: number;
  /** `METHOD route` (OpenAPI template; unknown routes as `METHOD <unmatched>`) -> count. */
  byRoute: Record<string, number>;
  restGet: number;
  restWrite: number;
  graphqlQueries: number;
  graphqlMutations: number;
  graphqlPoints: number;
  notModified: number;
}

export class RequestStats {
  total = 0;
  byRoute: Record<string, number> = {};
  restGet = 0;
  restWrite = 0;
  graphqlQueries = 0;
  graphqlMutations = 0;
  graphqlPoints = 0;
  notModified = 0;

  /** Counts one request as it arrives (faulted ones included: the client did send them). */
  recordRequest(method: string, route: string | null): void {
    this.total++;
    const key = `${method} ${route ?? '<unmatched>'}`;
    this.byRoute[key] = (this.byRoute[key] ?? 0) + 1;
    if (route === '/graphql') return;
    if (method === 'GET' || method === 'HEAD') this.restGet++;
    else this.restWrite++;
  }

  recordGraphql(mutation: boolean, cost: number): void {
    if (mutation) this.graphqlMutations++;
    else this.graphqlQueries++;
    this.graphqlPoints += cost;
  }

  recordNotModified(): void {
    this.notModified++;
  }

  snapshot(): RequestStatsSnapshot {
    return {
      total: this.total,
      byRoute: { ...this.byRoute },
      restGet: this.restGet,
      restWrite: this.restWrite,
      graphqlQueries: this.graphqlQueries,
      graphqlMutations: this.graphqlMutations,
      graphqlPoints: this.graphqlPoints,
      notModified: this.notModified,
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = {};
    this.restGet = 0;
    this.restWrite = 0;
    this.graphqlQueries = 0;
    this.graphqlMutations = 0;
    this.graphqlPoints = 0;
    this.notModified = 0;
  }
}
