/**
 * Child process for the crash test: records intents and results as fast as it can and
 * prints each id only after its transaction committed, until it is SIGKILLed.
 *   stdout: `opening` (before the store is opened/created/migrated), `ready <runId> <changeSetId>`, then `intent <id>`, `written <id>`, `verified <id>`…
 */
import fs from 'node:fs';
import { openStore } from '../../../../src/store/index.js';

const [dbPath] = process.argv.slice(2) as [string];
const out = (line: string): void => {
  // Synchronous write to the pipe: once it returns the line is in the kernel, kill or not.
  fs.writeSync(1, `${line}\n`);
};

/** A before-state about the size of GitHub's branch protection JSON (~2 KB). */
function rawProtection(i: number): unknown {
  return {
    url: `https://api.github.com/repos/acme/repo-${i}/branches/main/protection`,
    required_status_checks: {
      strict: i % 2 === 0,
      contexts: ['ci/build', 'qms/dor-validation'],
      checks: [{ context: 'ci/build', app_id: null }],
    },
    required_pull_request_reviews: {
      dismiss_stale_reviews: true,
      require_code_owner_reviews: i % 3 === 0,
      required_approving_review_count: 1 + (i % 3),
    },
    enforce_admins: { url: 'x', enabled: i % 2 === 1 },
    required_linear_history: { enabled: false },
    allow_force_pushes: { enabled: false },
    allow_deletions: { enabled: false },
    padding: 'x'.repeat(1500),
  };
}

out('opening');
const store = openStore(dbPath);
const run = store.runs.start({ kind: 'apply', org: 'acme', actor: 'crash-bot', apiUrl: 'https://api.github.com' });
const set = store.changeSets.create({ runId: run.id, kind: 'apply', org: 'acme', actor: 'crash-bot' });
store.changeSets.start(set.id);
out(`ready ${run.id} ${set.id}`);

for (let i = 1; ; i++) {
  const existed = i % 5 !== 0;
  const model = { requiredApprovingReviewCount: 2, enforceAdmins: true, i };
  const change = store.changeSets.recordIntent({
    changeSetId: set.id,
    repo: `acme/repo-${i}`,
    targetKind: 'classic_protection',
    targetKey: 'main',
    beforeState: existed ? rawProtection(i) : null,
    beforeModel: existed ? { requiredApprovingReviewCount: 1, i } : null,
    intendedModel: model,
  });
  out(`intent ${change.id}`);
  store.changeSets.recordResult(change.id, { status: 'written', afterState: rawProtection(i + 1), afterModel: model });
  out(`written ${change.id}`);
  store.changeSets.recordResult(change.id, { status: 'verified', afterState: rawProtection(i + 1), afterModel: model });
  out(`verified ${change.id}`);
  if (i % 7 === 0) store.checkpoints.save(run.id, `acme/repo-${i}`, 'done', { changeId: change.id });
}
