/**
 * Facts about processes on this host, for the lock and for recognising crashed runs.
 */
import os from 'node:os';

/**
 * Is `pid` a live process on this host? `kill(pid, 0)` sends nothing: ESRCH means no
 * such process; EPERM means it exists but belongs to someone else (alive). A pid
 * reused by an unrelated process reads as alive, which errs on the safe side (the lock
 * is kept, not stolen).
 */
export function isProcessAlive(pid: number): boolean {
  // 0 and negatives address process groups: never signal those.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The audit actor for events before GitHub authentication: the local login, marked as such. */
export function localActor(): string {
  try {
    return `local:${os.userInfo().username}`;
  } catch {
    return 'local:unknown';
  }
}
