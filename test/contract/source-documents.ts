/**
 * GraphQL documents in qms's own GitHub layer (src/github/**), found in the
 * source so that a query qms sends cannot drift from GitHub's schema unnoticed
 * (checked by qms-documents.test.ts with the simulator's schema helpers).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : /\.(ts|mts|js|graphql)$/.test(name) ? [path] : [];
  });
}

export interface SourceDocuments {
  /** "file:line" → document text with constant interpolations resolved. */
  documents: Record<string, string>;
  /** "file:line" → why the document cannot be checked statically (built at run time). */
  dynamic: Record<string, string>;
}

const TEMPLATE_CONST = /(?:export\s+)?const\s+(\w+)\s*=\s*`([^`]*)`/g;
const NAMED_IMPORT = /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(\.[^']+)'/g;

/**
 * GraphQL documents in qms's source: `.graphql` files, and template literals
 * whose text starts with `query` or `mutation` and has a
 * selection set. `${NAME}` interpolations are resolved when NAME is a string
 * constant of the same file or a string exported by a relatively imported
 * module (e.g. shared field lists and fragments); documents assembled from
 * other expressions at run time are listed in `dynamic` — the contract
 * harness still validates them on every request a test sends.
 */
export async function findSourceDocuments(dir = join(ROOT, 'src', 'github')): Promise<SourceDocuments> {
  const out: SourceDocuments = { documents: {}, dynamic: {} };
  for (const file of listFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(ROOT, file);
    if (file.endsWith('.graphql')) {
      out.documents[rel] = text;
      continue;
    }
    const constants = new Map<string, string>();
    for (const m of text.matchAll(TEMPLATE_CONST)) constants.set(m[1] as string, m[2] as string);
    for (const m of text.matchAll(NAMED_IMPORT)) {
      const names = (m[1] as string).split(',').map((n) =>
        n
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/),
      );
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(join(dirname(file), m[2] as string)).href)) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const [name, alias] of names) {
        const value = name ? mod[name] : undefined;
        if (typeof value === 'string') constants.set((alias ?? name) as string, value);
      }
    }
    const resolve = (body: string, depth = 0): string =>
      depth > 10
        ? body
        : body.replace(/\$\{(\w+)\}/g, (all, name: string) =>
            constants.has(name) ? resolve(constants.get(name) as string, depth + 1) : all,
          );
    // Fragment-only literals are checked inside the documents that spread them.
    const literal = /`\s*((?:query|mutation)\b[^`]*)`/g;
    for (const m of text.matchAll(literal)) {
      const raw = m[1] ?? '';
      // Require a selection set so prose in template strings ("query failed …") is not mistaken for a document.
      if (!raw.includes('{')) continue;
      const key = `${rel}:${text.slice(0, m.index).split('\n').length}`;
      const body = resolve(raw);
      const left = body.match(/\$\{[^}]*\}/);
      if (left) out.dynamic[key] = `built at run time (${left[0]})`;
      else out.documents[key] = body;
    }
  }
  return out;
}
