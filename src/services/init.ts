/**
 * `qms init`: write a commented starter `qms.config.yml` (the built-in
 * defaults) and a `.qms/branch-protection.yml` template.
 *
 * Safe by construction: nothing is written if any target exists and `force`
 * is off; each file is written to a temporary file in the same directory and
 * renamed into place, so a crash never leaves half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { POLICY_FILE_NAME } from '../config/load-policy.js';
import { REPO_CONFIG_PATH } from '../config/repo-config.js';
import { renderRepoConfigTemplate, renderStarterPolicy } from '../config/starter-files.js';

export interface InitOptions {
  /** Directory to write into (relative to cwd); default: cwd. */
  dir?: string;
  /** Overwrite existing files. */
  force: boolean;
  cwd: string;
}

export interface InitFileResult {
  /** Absolute path. */
  path: string;
  /** Path as shown to the user (relative to cwd when inside it). */
  label: string;
  action: 'created' | 'overwritten';
}

export interface InitResult {
  files: InitFileResult[];
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a path component is a file; the write below reports it properly.
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}

/** Write `content` to `file` atomically: temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

function labelFor(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

export async function initProject(options: InitOptions): Promise<InitResult> {
  const dir = path.resolve(options.cwd, options.dir ?? '.');
  const targets = [
    { path: path.join(dir, POLICY_FILE_NAME), content: renderStarterPolicy() },
    { path: path.join(dir, REPO_CONFIG_PATH), content: renderRepoConfigTemplate() },
  ];
  const present: string[] = [];
  for (const t of targets) if (await exists(t.path)) present.push(t.path);
  if (present.length > 0 && !options.force) {
    const names = present.map((p) => labelFor(options.cwd, p));
    throw new UsageError(`${names.join(' and ')} already exist${names.length === 1 ? 's' : ''}; nothing was written`, {
      hint: 'use --force to overwrite (the old files are replaced, not merged)',
    });
  }
  const files: InitFileResult[] = [];
  for (const t of targets) {
    const label = labelFor(options.cwd, t.path);
    try {
      await mkdir(path.dirname(t.path), { recursive: true });
      const action = present.includes(t.path) ? 'overwritten' : 'created';
      await writeFileAtomic(t.path, t.content);
      files.push({ path: t.path, label, action });
    } catch (err) {
      // A directory we cannot create or write is the caller's to fix: exit 2, not a crash.
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      const done = files.length > 0 ? ` (${files.map((f) => f.label).join(', ')} was written)` : '';
      throw new UsageError(`cannot write ${label}: ${code}${done}`, { cause: err });
    }
  }
  return { files };
}
