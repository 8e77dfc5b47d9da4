/**
 * Shared set-up for service tests: the simulator (contract-checked), a real
 * Octokit gateway over HTTP with fast retries and no write pacing, a real SQLite
 * store in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGateway } from '../../../src/github/create-gateway.js';
import type { GitHubGateway } from '../../../src/github/gateway.js';
import { createLogger, SecretRedactor } from '../../../src/output/logger.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';
import type { TestSandbox } from '../../helpers/sandbox.js';

export function gatewayAs(sb: TestSandbox, login: string, lines: string[] = []): GitHubGateway {
  const redactor = new SecretRedactor();
  return createGateway({
    apiUrl: sb.url,
    auth: { kind: 'token', token: `qms_sandbox_${login}`, source: 'sandbox' },
    logger: createLogger({ level: 'verbose', redactor, write: (l) => lines.push(l) }),
    redactor,
    retry: { retryAfterBaseValue: 5 },
    throttle: { writeIntervalMs: 0, notificationIntervalMs: 0 },
  });
}

export function tempStore(): { store: Store; dir: string; dispose(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'qms-services-'));
  const store = openStore(path.join(dir, 'qms.db'));
  return {
    store,
    dir,
    dispose: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Exchanges on a route template (`GET /repos/{owner}/{repo}/branches/{branch}/protection`) since `from`. */
export function countRoute(sb: TestSandbox, route: string, from = 0): number {
  const [method, template] = route.split(' ');
  return sb.exchanges.slice(from).filter((e) => e.method === method && e.route === template).length;
}
