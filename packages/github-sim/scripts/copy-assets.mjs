// Copies runtime data files that tsc does not emit (JSON beside modules) from src/ to dist/.
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) walk(file);
    else if (name.endsWith('.json')) {
      const target = join(dist, relative(src, file));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(file, target);
    }
  }
}
walk(src);
