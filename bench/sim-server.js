#!/usr/bin/env node
/**
 * The GitHub simulator for the benchmarks, in its own process so that the RSS
 * measured for qms is qms's alone. Serves one generated organization
 * (@qms/github-sim's generateOrg: deterministic for a seed) on 127.0.0.1 and prints
 * one JSON line `{"url", "pid", "repos"}` when ready; stops on SIGTERM/SIGINT.
 *
 *   node bench/sim-server.js --org bench --repos 10000 --seed 42 --latency 50 [--secondary-limits]
 *
 * Runs against the package's dist/ (build first). The control API (/_sandbox/stats, …/config)
 * lets bench/run.js count requests per scenario and change the latency; the
 * line `statuses` on stdin answers with the response statuses seen (secondary
 * limits are 403/429 with retry-after).
 */
import { parseArgs } from 'node:util';
import { generateOrg, startSandbox } from '@qms/github-sim';

const { values } = parseArgs({
  options: {
    org: { type: 'string', default: 'bench' },
    repos: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '42' },
    latency: { type: 'string', default: '0' },
    'secondary-limits': { type: 'boolean', default: false },
    // Watching statuses makes the simulator re-parse every response body: only when asked.
    'count-statuses': { type: 'boolean', default: false },
    port: { type: 'string', default: '0' },
  },
});

const state = generateOrg({ login: values.org, repos: Number(values.repos), seed: Number(values.seed) });
// Response statuses (secondary limits show as 403/429 with retry-after): `statuses` on stdin prints them.
const statuses = {};
let secondary = 0;
const sandbox = await startSandbox({
  state,
  ...(values['count-statuses']
    ? {
        onExchange: (e) => {
          statuses[e.status] = (statuses[e.status] ?? 0) + 1;
          if ((e.status === 403 || e.status === 429) && e.responseHeaders['retry-after'] !== undefined) secondary++;
        },
      }
    : {}),
  port: Number(values.port),
  latencyMs: Number(values.latency),
  secondaryLimits: values['secondary-limits'],
  // The baseline alone sends more than the hourly 5,000: limits are not what is measured here.
  rateLimit: { core: 10_000_000, graphql: 10_000_000 },
});
process.stdout.write(`${JSON.stringify({ url: sandbox.url, pid: process.pid, repos: state.repos.length })}\n`);

process.stdin.setEncoding('utf8');
let pending = '';
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) !== -1) {
    const line = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    if (line === 'statuses') process.stdout.write(`${JSON.stringify({ statuses, secondaryLimited: secondary })}\n`);
    if (line === 'reset-statuses') {
      for (const k of Object.keys(statuses)) delete statuses[k];
      secondary = 0;
      process.stdout.write('{}\n');
    }
  }
});

const stop = () => {
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
