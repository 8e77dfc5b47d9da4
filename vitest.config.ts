import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e tests spawn the built binary and start simulators on ephemeral ports.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two at a time even on a 2-core machine: most files wait on child processes,
    // simulated latency and write pacing, so CI takes ~6 min instead of ~10.
    maxWorkers: 2,
  },
});
