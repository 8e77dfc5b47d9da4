/**
 * Shared by the store tests: temp dirs, a settable clock, a seeded RNG, and a build of
 * src/store for child processes (Node 20 cannot run .ts, and the tests must not depend
 * on someone else's `npm run build` being green).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');

export function makeTempDir(prefix = 'qms-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function fileMode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

export interface FakeClock {
  now: () => Date;
  set(iso: string): void;
  advance(ms: number): void;
}

export function fakeClock(startIso = '2026-01-15T09:00:00.000Z'): FakeClock {
  let t = Date.parse(startIso);
  return {
    now: () => new Date(t),
    set: (iso) => {
      t = Date.parse(iso);
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export { seededRandom } from '../../../src/core/prng.js';

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * Transpile src/store, src/core/errors.ts and the child scripts into a gitignored folder inside
 * this test directory (so `better-sqlite3` resolves from the repo's node_modules), with
 * the repo's layout, so relative `.js` imports work unchanged. Returns the folder and a
 * function mapping a repo-relative .ts path to its built .js.
 */
export function buildForChildren(): { dir: string; js: (relTs: string) => string; cleanup: () => void } {
  const dir = path.join(here, `.qms-test-build-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const sources = [
    ...listTs(path.join(repoRoot, 'src/store')),
    // Only what src/store imports from core: other core files may be mid-edit by someone else.
    path.join(repoRoot, 'src/core/errors.ts'),
    ...listTs(path.join(here, 'children')),
  ];
  for (const src of sources) {
    const rel = path.relative(repoRoot, src);
    const out = path.join(dir, rel.replace(/\.ts$/, '.js'));
    const { outputText } = ts.transpileModule(fs.readFileSync(src, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: src,
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, outputText);
  }
  return {
    dir,
    js: (relTs) => path.join(dir, relTs.replace(/\.ts$/, '.js')),
    cleanup: () => removeDir(dir),
  };
}

/** A pid that certainly belonged to a process that has exited. */
export async function deadPid(): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}
