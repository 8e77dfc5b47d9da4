/**
 * File permissions of the store: the database and its -wal/-shm are 0600, directories
 * qms creates for it are 0700. The store holds no secrets by design, but it is the
 * audit trail and the undo log of an org's protection: nobody else should read it.
 *
 * Decision on an existing database that is group/world-accessible: warn and fix the
 * mode to 0600 (refusing would break a cron job over a chmod; silently fixing would
 * hide that someone loosened it). If the fix fails (not our file), warn and go on.
 */
import fs from 'node:fs';
import path from 'node:path';

export const DB_FILE_MODE = 0o600;
export const DB_DIR_MODE = 0o700;

/** Create missing parent directories with 0700. Existing ones (e.g. /tmp) are left alone. */
export function ensureParentDirs(filePath: string): void {
  const dir = path.dirname(filePath);
  const firstCreated = fs.mkdirSync(dir, { recursive: true, mode: DB_DIR_MODE });
  if (firstCreated === undefined) return;
  // umask may have narrowed (or a weird umask widened nothing but removed u+x): set exactly.
  let current = dir;
  const created: string[] = [];
  while (current.length >= firstCreated.length) {
    created.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const d of created) fs.chmodSync(d, DB_DIR_MODE);
}

/**
 * Create the database file 0600 before SQLite touches it (SQLite would use 0644 minus
 * umask). Returns true when the file was created now.
 */
export function createDbFileIfMissing(filePath: string): boolean {
  let fd: number;
  try {
    // 'wx': exclusive create, so we know whether we made it (and never follow a planted symlink).
    fd = fs.openSync(filePath, 'wx', DB_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.fchmodSync(fd, DB_FILE_MODE);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Make `file` 0600 if it exists and is accessible to group/others. Returns a warning
 * to show, or undefined when nothing needed saying.
 */
export function tightenFileMode(filePath: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(filePath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  const shown = mode.toString(8).padStart(4, '0');
  try {
    fs.chmodSync(filePath, DB_FILE_MODE);
    return `${filePath} was mode ${shown} (readable by others); changed it to 0600`;
  } catch (err) {
    return `${filePath} is mode ${shown} (readable by others) and could not be changed to 0600: ${(err as Error).message}`;
  }
}

/** Set -wal and -shm (when present) to 0600. Silent when they already are. */
export function tightenSidecarModes(dbPath: string): string[] {
  const warnings: string[] = [];
  for (const suffix of ['-wal', '-shm']) {
    const p = dbPath + suffix;
    try {
      const st = fs.statSync(p);
      if ((st.mode & 0o777) !== DB_FILE_MODE) fs.chmodSync(p, DB_FILE_MODE);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      warnings.push(`could not set ${p} to 0600: ${(err as Error).message}`);
    }
  }
  return warnings;
}
