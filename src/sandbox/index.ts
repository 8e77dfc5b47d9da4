/**
 * The GitHub simulator's entry points: an HTTP server on 127.0.0.1 that
 * serves the REST (and, through src/sandbox/graphql, GraphQL) subset qms
 * uses, with state seeded from fixtures/sandbox and optionally persisted.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimState } from './model.js';
import { createControlHandler } from './control.js';
import { FaultInjector } from './faults.js';
import { loadFixture } from './fixtures.js';
import { readStateFile, StateWriter, writeStateFile } from './persist.js';
import { PrimaryRateLimiter } from './rate-limit.js';
import { Router } from './router.js';
import { githubRoutes } from './routes/index.js';
import { SecondaryLimiter } from './secondary-limits.js';
import { createRequestHandler } from './server.js';
import { RequestStats } from './stats.js';
import type { Sandbox, SandboxConfig, StartSandboxOptions } from './types.js';

export type { Exchange, Sandbox, SandboxConfig, StartSandboxOptions } from './types.js';
export type { FaultKind, FaultRule, ActiveFault } from './faults.js';
export type { RequestStatsSnapshot } from './stats.js';
export { FaultInjector } from './faults.js';
export { RequestStats } from './stats.js';
export { loadFixture, DEFAULT_FIXTURE_DIR, SandboxFixtureError } from './fixtures.js';
export { SandboxStateError } from './persist.js';
export { generateOrg, type GenerateOrgOptions } from './generate.js';
export { SANDBOX_DEFAULT_LOGIN, isSandboxToken, listSandboxUsers, sandboxTokenFor, type SandboxUserInfo } from './users.js';

/** The routes the simulator serves, as `METHOD template` (for docs and contract coverage). */
export function listSandboxRoutes(): string[] {
  return githubRoutes.map((r) => `${r.method} ${r.template}`);
}

/** Overwrites a state file with a fresh seed (what `qms sandbox reset` does; works on a corrupt file too). */
export async function resetStateFile(statePath: string, seedDir?: string): Promise<SimState> {
  const state = loadFixture(seedDir);
  await writeStateFile(statePath, state);
  return state;
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const seed = (): SimState => loadFixture(options.seedDir);
  const persist = options.persist === true && options.statePath !== undefined;
  let initial: SimState;
  let seeded = false;
  if (options.state) initial = options.state;
  else {
    // A corrupt file throws SandboxStateError naming it; a missing one means "seed".
    const fromFile = options.statePath ? readStateFile(options.statePath) : null;
    seeded = fromFile === null;
    initial = fromFile ?? seed();
  }
  const holder = { state: initial };
  const writer = options.statePath ? new StateWriter(options.statePath) : null;
  if (persist && seeded && options.statePath && !existsSync(options.statePath)) await writer?.write(holder.state);

  const config: SandboxConfig = {
    latencyMs: options.latencyMs ?? 0,
    secondaryLimits: options.secondaryLimits ?? false,
    secondaryLimitStatus: options.secondaryLimitStatus ?? 403,
    validateRequests: options.validateRequests ?? true,
  };
  const stats = new RequestStats();
  const faults = new FaultInjector();
  const limiter = new PrimaryRateLimiter({ core: options.rateLimit?.core ?? 5000, graphql: options.rateLimit?.graphql ?? 5000 });
  const secondary = new SecondaryLimiter();

  const save = async (): Promise<void> => {
    if (writer) await writer.write(holder.state);
  };
  const reset = (): void => {
    holder.state = seed();
    secondary.clear();
    if (persist) void save().catch(() => undefined);
  };
  const configure = (change: Partial<SandboxConfig>): void => {
    Object.assign(config, change);
  };

  const handler = createRequestHandler({
    router: new Router(githubRoutes),
    holder,
    config,
    limiter,
    secondary,
    faults,
    stats,
    onExchange: options.onExchange,
    afterMutation: () => (persist ? save() : Promise.resolve()),
    control: createControlHandler({ stats, faults, config: () => ({ ...config }), configure, reset, state: () => holder.state }),
  });
  const server = http.createServer(handler);
  // Idle keep-alive connections are left for the client to close (Node's clients give up on
  // theirs after 4 s): were the server to close first (its default is 5 s), a request sent on a
  // connection at the moment it closes would meet a reset — which a client in the same process
  // gets whenever a long synchronous step outlasts both timers.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get state() {
      return holder.state;
    },
    stats,
    faults,
    get config() {
      return { ...config };
    },
    configure,
    save,
    reset,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(async () => {
        await writer?.idle();
      });
      return closing;
    },
  };
}
