/**
 * The state file: JSON, written atomically (temp file, fsync, rename) with
 * mode 0600 so a crash never leaves a half-written state and other users
 * cannot read it.
 */
import { promises as fs, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { SimState } from './model.js';

/** A state file that exists but cannot be used. */
export class SandboxStateError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`Sandbox state file ${file} is unreadable (${reason}); run "qms sandbox reset" to reseed it from the fixtures`);
    this.name = 'SandboxStateError';
  }
}

/** Loads a state file: null when it does not exist; throws SandboxStateError when corrupt. */
export function readStateFile(file: string): SimState | null {
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SandboxStateError(file, (err as Error).message);
  }
  const s = parsed as Partial<SimState> | null;
  if (
    !s ||
    typeof s !== 'object' ||
    s.version !== 1 ||
    typeof s.nextId !== 'number' ||
    typeof s.clock !== 'string' ||
    !Array.isArray(s.users) ||
    !Array.isArray(s.apps) ||
    !Array.isArray(s.orgs) ||
    !Array.isArray(s.repos)
  ) {
    throw new SandboxStateError(file, 'not a version 1 sandbox state');
  }
  return s as SimState;
}

/** Writes atomically: temp file in the same directory, fsync, rename over the target. */
export async function writeStateFile(file: string, state: SimState): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(state));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  // The file may pre-exist with looser permissions.
  await fs.chmod(file, 0o600);
}

/** Serialises writes so concurrent mutations land in order. */
export class StateWriter {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  write(state: SimState): Promise<void> {
    const next = this.chain.then(() => writeStateFile(this.file, state));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every queued write has finished. */
  idle(): Promise<void> {
    return this.chain;
  }
}
