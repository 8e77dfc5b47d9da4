/**
 * File permissions of the store: the database and its -wal/-shm are 0600, directories
 * qms creates for it are 0700. The store holds no secrets by design, but it is the
 * audit trail and the undo log of an org's protection: nobody else should read it.
 *
 * Decision on an existing database that is group/world-accessible: warn and take the
 * group/other bits off (refusing would break a cron job over a chmod; silently fixing
 * would hide that someone loosened it). If the fix fails (not our file), warn and go on.
 * Only the database file and its -wal/-shm are ever chmodded, and only once the file is
 * known to be a regular file holding a qms store: never a directory someone passed as
 * --db, never a foreign database.
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
 * Take group/other permissions off the database file (0644 -> 0600, 0444 -> 0400): never
 * adds a permission, so a read-only copy stays read-only. Only ever called on a regular
 * file already known to be a qms store. `ownerOnly` (read-only opens): leave a file this
 * user does not own alone, silently; a reader of someone else's store is one of the
 * "others" it was shared with. Returns a warning to show, or undefined when nothing
 * needed saying.
 */
export function tightenFileMode(filePath: string, options: { ownerOnly?: boolean } = {}): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(filePath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!st.isFile()) return undefined;
  if (options.ownerOnly && typeof process.getuid === 'function' && st.uid !== process.getuid()) return undefined;
  const mode = st.mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  const shown = octal(mode);
  const wanted = mode & 0o700;
  try {
    fs.chmodSync(filePath, wanted);
    return `${filePath} was mode ${shown} (readable by others); changed it to ${octal(wanted)}`;
  } catch (err) {
    return `${filePath} is mode ${shown} (readable by others) and could not be changed to ${octal(wanted)}: ${(err as Error).message}`;
  }
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** Set -wal and -shm (when present, and regular files) to 0600. Silent when they already are. */
export function tightenSidecarModes(dbPath: string): string[] {
  const warnings: string[] = [];
  for (const suffix of ['-wal', '-shm']) {
    const p = dbPath + suffix;
    try {
      const st = fs.statSync(p);
      if (st.isFile() && (st.mode & 0o777) !== DB_FILE_MODE) fs.chmodSync(p, DB_FILE_MODE);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      warnings.push(`could not set ${p} to 0600: ${(err as Error).message}`);
    }
  }
  return warnings;
}
