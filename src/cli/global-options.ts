/**
 * Global options, defined once as data: they drive commander, --help and the README.
 */
import { UsageError } from '../core/errors.js';

export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'csv', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface GlobalOptions {
  config?: string;
  db?: string;
  apiUrl?: string;
  json: boolean;
  format?: OutputFormat;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  sandbox: boolean;
  appId?: string;
  privateKey?: string;
  installationId?: string;
  /** Minimum pause between write requests in ms (undefined: GitHub's advice, 1000; the sandbox: 0). */
  writeIntervalMs?: number;
  /** How long one attempt of a request may take, in ms (undefined: the gateway's 30 s). */
  requestTimeoutMs?: number;
}

export interface OptionSpec {
  flags: string;
  description: string;
  /** Environment variable that supplies the value when the flag is absent. */
  env?: string;
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  {
    flags: '--config <file>',
    description: 'policy file (default: ./qms.config.yml if present, else built-in defaults)',
    env: 'QMS_CONFIG',
  },
  { flags: '--db <file>', description: 'SQLite store (default: $XDG_STATE_HOME/qms/qms.db)', env: 'QMS_DB' },
  {
    flags: '--api-url <url>',
    description: 'GitHub API URL, e.g. https://ghe.example.com/api/v3 (http:// only on loopback)',
    env: 'QMS_API_URL',
  },
  { flags: '--json', description: 'print one JSON document on stdout (same as --format json)' },
  { flags: '--format <format>', description: `output format: ${OUTPUT_FORMATS.join(', ')}` },
  { flags: '-q, --quiet', description: 'only errors on stderr' },
  { flags: '-v, --verbose', description: 'request log and stack traces on stderr (secrets redacted)' },
  { flags: '--no-color', description: 'no colours (also when NO_COLOR is set or stdout is not a TTY)' },
  { flags: '--sandbox', description: 'use the built-in simulated GitHub organisation (no token needed)' },
  { flags: '--app-id <id>', description: 'authenticate as a GitHub App (with --private-key and --installation-id)', env: 'QMS_APP_ID' },
  { flags: '--private-key <file>', description: 'GitHub App private key (PEM file)', env: 'QMS_APP_PRIVATE_KEY_FILE' },
  { flags: '--installation-id <id>', description: 'GitHub App installation id', env: 'QMS_APP_INSTALLATION_ID' },
  {
    flags: '--write-interval <ms>',
    description: "minimum pause between write requests (default 1000, GitHub's advice against secondary limits)",
    env: 'QMS_WRITE_INTERVAL_MS',
  },
  {
    flags: '--request-timeout <seconds>',
    description: 'give up on one attempt of a GitHub request after this long, then retry (default 30)',
    env: 'QMS_REQUEST_TIMEOUT',
  },
];

/** Normalise what commander parsed (plus environment fallbacks) into GlobalOptions. */
export function resolveGlobalOptions(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): GlobalOptions {
  const str = (key: string, envName?: string): string | undefined => {
    const v = raw[key];
    if (typeof v === 'string' && v !== '') return v;
    if (envName && env[envName]) return env[envName];
    return undefined;
  };
  const format = str('format');
  if (format !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}; got "${format}"`);
  }
  if (raw['json'] === true && format !== undefined && format !== 'json') {
    throw new UsageError(`--json and --format ${format} contradict each other; use one`);
  }
  if (raw['quiet'] === true && raw['verbose'] === true) {
    throw new UsageError('--quiet and --verbose contradict each other; use one');
  }
  const options: GlobalOptions = {
    json: raw['json'] === true || format === 'json',
    quiet: raw['quiet'] === true,
    verbose: raw['verbose'] === true,
    color: raw['color'] !== false && !env['NO_COLOR'],
    sandbox: raw['sandbox'] === true || env['QMS_SANDBOX'] === '1',
  };
  const assign = (key: keyof GlobalOptions, value: string | undefined) => {
    if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
  };
  assign('config', str('config', 'QMS_CONFIG'));
  assign('db', str('db', 'QMS_DB'));
  assign('apiUrl', str('apiUrl', 'QMS_API_URL'));
  assign('format', options.json ? 'json' : format);
  assign('appId', str('appId', 'QMS_APP_ID'));
  assign('privateKey', str('privateKey', 'QMS_APP_PRIVATE_KEY_FILE'));
  assign('installationId', str('installationId', 'QMS_APP_INSTALLATION_ID'));
  const writeInterval = str('writeInterval', 'QMS_WRITE_INTERVAL_MS');
  if (writeInterval !== undefined) {
    if (!/^\d{1,6}$/.test(writeInterval)) {
      throw new UsageError(`--write-interval must be a whole number of milliseconds (0–999999); got "${writeInterval}"`);
    }
    options.writeIntervalMs = Number(writeInterval);
  }
  const requestTimeout = str('requestTimeout', 'QMS_REQUEST_TIMEOUT');
  if (requestTimeout !== undefined) {
    // Decimal seconds (0.5 = 500 ms); at most an hour. 0 would abort every request.
    const seconds = /^\d{1,4}(?:\.\d{1,3})?$/.test(requestTimeout) ? Number(requestTimeout) : NaN;
    if (!(seconds > 0 && seconds <= 3600)) {
      throw new UsageError(
        `--request-timeout must be a number of seconds above 0 and at most 3600; got ${JSON.stringify(requestTimeout.slice(0, 40))}`,
      );
    }
    options.requestTimeoutMs = Math.round(seconds * 1000);
  }
  if (options.sandbox && options.apiUrl) {
    throw new UsageError('--sandbox and --api-url contradict each other; the sandbox serves its own API');
  }
  return options;
}
