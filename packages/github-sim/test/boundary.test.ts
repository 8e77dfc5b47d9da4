/**
 * The simulator imports nothing from the product it simulates GitHub for: every
 * relative import of the package stays inside it, and every package import is a
 * dependency it declares (or a Node built-in). Otherwise a product bug could
 * hide behind a fake that shares its code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const runtime = new Set(Object.keys(manifest.dependencies ?? {}));
const declared = new Set([...runtime, ...Object.keys(manifest.devDependencies ?? {}), manifest.name]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(file);
    return /\.(ts|mts|mjs|js)$/.test(name) ? [file] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'([^']+)'/g;

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => m[1] as string);
}

const packageName = (specifier: string): string =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string);

describe('the package boundary', () => {
  const files = ['src', 'test', 'scripts'].flatMap((dir) => sources(path.join(ROOT, dir)));

  it('finds the package’s sources', () => {
    expect(files.length).toBeGreaterThan(60);
  });

  it('resolves every relative import inside the package', () => {
    const outside = files.flatMap((file) =>
      importsOf(file)
        .filter((s) => s.startsWith('.'))
        .filter((s) => path.relative(ROOT, path.resolve(path.dirname(file), s)).startsWith('..'))
        .map((s) => `${path.relative(ROOT, file)}: ${s}`),
    );
    expect(outside).toEqual([]);
  });

  it('imports only Node built-ins and declared dependencies; src/ (but its contract helpers) only runtime ones', () => {
    const problems = files.flatMap((file) => {
      const rel = path.relative(ROOT, file);
      const allowed = rel.startsWith('src/') && !rel.startsWith('src/contract/') ? runtime : declared;
      return importsOf(file)
        .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
        .filter((s) => !allowed.has(packageName(s)))
        .map((s) => `${rel}: ${s}`);
    });
    expect(problems).toEqual([]);
  });
});
