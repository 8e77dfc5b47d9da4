import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const simSource = (file: string): string => fileURLToPath(new URL(`./packages/github-sim/src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // qms's tests run the simulator from its TypeScript source, as the package's own
    // tests do, so a simulator edit needs no rebuild; the built `qms` (e2e tests)
    // loads the package's dist/ through node_modules like any user would.
    alias: [
      { find: /^@qms\/github-sim\/contract$/, replacement: simSource('contract/index.ts') },
      { find: /^@qms\/github-sim$/, replacement: simSource('index.ts') },
    ],
  },
  test: {
    // The simulator package's tests run here too (npm test), with the same settings.
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // e2e tests spawn the built binary and start simulators on ephemeral ports.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two at a time even on a 2-core machine: most files wait on child processes,
    // simulated latency and write pacing, so CI takes ~6 min instead of ~10.
    maxWorkers: 2,
  },
});
