// ESLint (flat config): typescript-eslint's recommended rules (syntax only, so a run takes
// seconds), Prettier owns formatting (eslint-config-prettier turns off what would fight it),
// and the layers of DESIGN.md are checked here rather than remembered: an import that
// crosses a boundary the wrong way fails `npm run lint`, and so CI.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** `no-restricted-imports` patterns for imports of other layers (relative paths, any depth). */
const layer = (...names) => names.map((n) => `**/${n}/**`);

/** One boundary: files in `files` may not import `group` (type-only imports allowed where `allowTypes`). */
function boundary(files, group, message, { allowTypes = false, extra = [] } = {}) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ group, message, allowTypeImports: allowTypes }, ...extra],
        },
      ],
    },
  };
}

const PRODUCT_LAYERS = ['cli', 'config', 'core', 'engine', 'github', 'output', 'services', 'store'];

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '**/*.d.ts', '**/*.d.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        structuredClone: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        Headers: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      // Tests and GitHub JSON handling use `any` deliberately and sparingly.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-control-regex': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      'prefer-const': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },

  // ---- Import boundaries (DESIGN.md "Architecture") ----
  // core: pure domain logic — no I/O, no Octokit, no SQL, no other layer.
  boundary(
    ['src/core/**/*.ts'],
    [
      ...layer(...PRODUCT_LAYERS.filter((l) => l !== 'core')),
      '@octokit/*',
      'better-sqlite3',
      '@qms/github-sim',
      'node:fs',
      'node:child_process',
      'node:http',
      'node:net',
    ],
    'src/core is pure: it imports only core (DESIGN.md "Architecture")',
  ),
  // config: YAML + schemas; knows core only.
  boundary(
    ['src/config/**/*.ts'],
    [...layer('cli', 'engine', 'github', 'output', 'services', 'store'), '@octokit/*', 'better-sqlite3', '@qms/github-sim'],
    'src/config reads and validates configuration; it knows core only',
  ),
  // github: the gateway; the only code that knows GitHub's JSON and Octokit.
  boundary(
    ['src/github/**/*.ts'],
    [...layer('cli', 'config', 'engine', 'services', 'store'), 'better-sqlite3', '@qms/github-sim'],
    'src/github is the gateway: it knows core (and the logger interface) only',
    { allowTypes: true },
  ),
  // store: SQLite; knows core only.
  boundary(
    ['src/store/**/*.ts'],
    [...layer('cli', 'config', 'engine', 'github', 'output', 'services'), '@octokit/*', '@qms/github-sim'],
    'src/store is SQLite only; it knows core',
  ),
  // output: renders data; never imports a service (or the engine) at run time.
  boundary(
    ['src/output/**/*.ts'],
    [...layer('cli', 'engine', 'services', 'store', 'github'), '@octokit/*', 'better-sqlite3', '@qms/github-sim'],
    'src/output renders what services return: type imports only',
    { allowTypes: true },
  ),
  // engine: executes plans through the gateway and the store; no use case, no CLI.
  boundary(
    ['src/engine/**/*.ts'],
    [...layer('cli', 'services', 'config'), '@octokit/*', 'better-sqlite3', '@qms/github-sim'],
    'src/engine runs plans; it knows core, the gateway and the store interfaces',
    { allowTypes: false },
  ),
  // services: use cases; flags are parsed in src/cli only.
  boundary(
    ['src/services/**/*.ts'],
    [...layer('cli'), '@octokit/*', 'better-sqlite3'],
    'src/services are use cases: no CLI, no Octokit, no SQLite (use the gateway and the store)',
  ),
  // Only Octokit's own module and the store open what they wrap.
  boundary(['src/cli/**/*.ts'], ['@octokit/*', 'better-sqlite3'], 'src/cli builds the gateway and the store through their factories'),
  // The simulator shares nothing with the product it fakes.
  boundary(
    ['packages/github-sim/**/*.ts'],
    [...PRODUCT_LAYERS.map((l) => `**/src/${l}/**`), 'qms', 'qms/*'],
    'the simulator imports nothing from the product (its own matcher, its own PRNG)',
  ),
  {
    files: [
      'test/**/*.ts',
      'packages/github-sim/test/**/*.ts',
      'bench/**/*.js',
      'scripts/**/*.mjs',
      'packages/github-sim/scripts/**/*.mjs',
    ],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
);
