/**
 * Live-state readers. Today: the per-repository REST reader; the batched
 * GraphQL reader (issue 5) will sit next to it behind the same interface.
 */
import type { QmsPolicy } from '../../core/policy.js';
import type { GitHubGateway } from '../../github/gateway.js';
import type { Logger } from '../../output/logger.js';
import { createBranchTargetsResolver } from '../evaluate.js';
import { RestLiveStateReader } from './rest-reader.js';

export { RestLiveStateReader, DEFAULT_READ_CONCURRENCY, REPO_CONFIG_FILE, selectBranchesToRead } from './rest-reader.js';
export type { RestReaderOptions, TargetsFor } from './rest-reader.js';
export { mapConcurrentOrdered } from './ordered-pool.js';

export interface CreateReaderOptions {
  /**
   * The policy decides which branches are read per repository. Without it only
   * the listing, custom properties and repo config are read (enough to classify).
   */
  policy?: QmsPolicy;
  /** Read protection only for repositories classified into this tier. */
  tier?: string;
  concurrency?: number;
  logger?: Logger;
}

/** The REST reader wired to the policy: it reads exactly the branches assess needs. */
export function createRestLiveStateReader(gateway: GitHubGateway, options: CreateReaderOptions = {}): RestLiveStateReader {
  const targetsFor = options.policy
    ? createBranchTargetsResolver(options.policy, options.tier === undefined ? {} : { tier: options.tier })
    : undefined;
  return new RestLiveStateReader(gateway, {
    ...(targetsFor ? { targetsFor } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
