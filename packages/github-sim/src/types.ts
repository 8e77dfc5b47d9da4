/** Public types of the simulator (re-exported by src/index.ts). */
import type { FaultInjector, FaultKind } from './faults.js';
import type { SimState } from './model.js';
import type { RequestStats } from './stats.js';
import type { SandboxSummary } from './summary.js';

export interface StartSandboxOptions {
  /** 0 or absent: an ephemeral port. Always bound to 127.0.0.1. */
  port?: number;
  /** Load state from this file if it exists (else seed from fixtures). */
  statePath?: string;
  /** Write state back to statePath after every mutating request (atomic rename, mode 0600). */
  persist?: boolean;
  /** Fixture to seed from when there is no state file (default: the package's fixtures/). */
  seedDir?: string;
  /** Use this state directly (live: the server mutates it). Takes precedence over statePath/seedDir. */
  state?: SimState;
  /** Delay before every response. */
  latencyMs?: number;
  /** Primary limits per token per hour (default 5000 each). */
  rateLimit?: { core?: number; graphql?: number };
  /** Emulate GitHub's secondary rate limits (default false). */
  secondaryLimits?: boolean;
  /** Status of secondary-limit responses: GitHub sends 403, sometimes 429 (default 403). */
  secondaryLimitStatus?: 403 | 429;
  /** Default true: 422 for bodies that break GitHub's request schema. */
  validateRequests?: boolean;
  /** Called for every request/response on GitHub routes (contract tests). */
  onExchange?: (e: Exchange) => void;
}

export interface Exchange {
  method: string;
  /** Path with query, without the /api/v3 prefix. */
  path: string;
  /** OpenAPI path template, '/graphql', or null for an unknown route. */
  route: string | null;
  /** HTTP status sent; 0 when a 'reset' or 'reset-after' fault destroyed the connection. */
  status: number;
  requestBody: unknown;
  responseHeaders: Record<string, string>;
  /** Parsed JSON, or null (no body; or the raw text for a 'truncated' fault). */
  responseBody: unknown;
  /** The injected fault that shaped this response, if any (contract checks skip these). */
  fault: FaultKind | null;
}

export interface SandboxConfig {
  latencyMs: number;
  secondaryLimits: boolean;
  secondaryLimitStatus: 403 | 429;
  validateRequests: boolean;
}

export interface Sandbox {
  /** Base URL, e.g. http://127.0.0.1:43121 — what --api-url takes. */
  url: string;
  port: number;
  /** The live state (replaced by reset()). */
  readonly state: SimState;
  /** Orgs and users of the live state, without the model (what `qms sandbox status` shows). */
  summary(): SandboxSummary;
  stats: RequestStats;
  faults: FaultInjector;
  /** Current runtime settings; change them with configure(). */
  readonly config: SandboxConfig;
  configure(change: Partial<SandboxConfig>): void;
  /** Write the state to statePath now (no-op without one). */
  save(): Promise<void>;
  /** Reseed from the fixtures (and persist when persisting). */
  reset(): void;
  close(): Promise<void>;
}
