/**
 * Flags shared by the commands that read an organization (assess, classify, plan,
 * apply): which repositories, which reader, how many at once. Parsed by the
 * commands and services/budget.ts.
 */
import { Option } from 'commander';

/**
 * `--repo a --repo b` or `--repo a,b` (repository names cannot contain commas). An
 * empty value stays empty and is refused when parsed: a script's `--repo "$REPO"` with
 * REPO unset must be a usage error, never a run over the whole organization.
 */
export const collectRepos = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',')];

export function concurrencyOption(note = 'batched reader: follow-up queries at once, at most 8'): Option {
  return new Option('--concurrency <n>', `repositories read at once, 1-32 (${note})`).default('8');
}

export function readerOption(): Option {
  return new Option('--reader <kind>', 'graphql: pages of 100 repositories (default); rest: one repository at a time').default('graphql');
}
