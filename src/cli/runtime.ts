/**
 * Per-invocation resources, created lazily so `qms --help` loads neither
 * Octokit nor SQLite. Constructed once in src/cli and passed down; no
 * module-level singletons.
 */
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { GlobalOptions, OutputFormat } from './global-options.js';
import { createLogger, SecretRedactor, type Logger } from '../output/logger.js';
import type { GitHubGateway } from '../github/gateway.js';
import type { Viewer } from '../core/github-types.js';
import type { Store } from '../store/types.js';
import type { LoadedPolicy } from '../config/index.js';

export interface RuntimeIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

type Closer = () => Promise<void> | void;

export class Runtime {
  readonly options: GlobalOptions;
  readonly io: RuntimeIo;
  readonly logger: Logger;
  readonly redactor: SecretRedactor;
  readonly abort = new AbortController();
  private readonly closers: Closer[] = [];
  private gatewayPromise: Promise<GitHubGateway> | undefined;
  private viewerPromise: Promise<Viewer> | undefined;
  private sandboxUrl: string | undefined;
  private sandboxInstance: import('@qms/github-sim').Sandbox | undefined;
  private readonly stores = new Map<'rw' | 'ro', Promise<Store>>();
  private interruptsDeferred = false;
  private policyPromise: Promise<LoadedPolicy> | undefined;

  constructor(options: GlobalOptions, io: RuntimeIo) {
    this.options = options;
    this.io = io;
    this.redactor = new SecretRedactor();
    this.logger = createLogger({
      level: options.quiet ? 'quiet' : options.verbose ? 'verbose' : 'normal',
      write: (line) => io.stderr.write(line),
      redactor: this.redactor,
    });
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** The output format: --json/--format, else a table. */
  get format(): OutputFormat {
    return this.options.format ?? 'table';
  }

  /** Colour only for humans: a TTY, --no-color/NO_COLOR not set, table output. */
  get color(): boolean {
    return this.options.color && this.io.stdout.isTTY === true && this.format === 'table' && !this.io.env['NO_COLOR'];
  }

  /** Spinners only on an interactive stderr and never with --quiet or machine output. */
  get interactive(): boolean {
    return this.io.stderr.isTTY === true && !this.options.quiet && this.io.env['CI'] === undefined;
  }

  /**
   * Where the SQLite store lives: --db, QMS_DB, $XDG_STATE_HOME/qms/qms.db, ~/.local/state/qms/qms.db.
   * The sandbox keeps a store of its own by default (…/qms/sandbox/qms.db), so trying
   * things out never mixes with the record of real changes.
   */
  get dbPath(): string {
    if (this.options.db) return path.resolve(this.io.cwd, this.options.db);
    return this.options.sandbox ? this.sandboxDefaultDbPath : path.join(this.stateDir, 'qms.db');
  }

  private get stateDir(): string {
    const stateHome = this.io.env['XDG_STATE_HOME'] || path.join(this.io.env['HOME'] || os.homedir(), '.local', 'state');
    return path.join(stateHome, 'qms');
  }

  private get sandboxDefaultDbPath(): string {
    return path.join(this.stateDir, 'sandbox', 'qms.db');
  }

  /**
   * The simulator's state file sits beside the sandbox's store (--db when given), so
   * --sandbox runs see each other's changes; `qms sandbox reset|serve` use the same file.
   */
  get sandboxStatePath(): string {
    return path.join(path.dirname(this.options.db ? this.dbPath : this.sandboxDefaultDbPath), 'sandbox-state.json');
  }

  /** Register cleanup to run when the command ends (reverse order). */
  onClose(fn: Closer): void {
    this.closers.push(fn);
  }

  /** The API URL in use (the sandbox's, once started). */
  get apiUrl(): string {
    return this.sandboxUrl ?? this.options.apiUrl ?? 'https://api.github.com';
  }

  /**
   * Which GitHub this is, as runs and change sets record it: the API URL, or `sandbox`
   * for the built-in simulator (whose port changes every time it starts). A change set
   * is rolled back only against the GitHub it changed.
   */
  get apiHost(): string {
    return this.options.sandbox ? 'sandbox' : (this.options.apiUrl ?? 'https://api.github.com');
  }

  /** The GitHub gateway, authenticated; starts the in-process sandbox under --sandbox. */
  gateway(): Promise<GitHubGateway> {
    this.gatewayPromise ??= this.createGateway();
    return this.gatewayPromise;
  }

  /**
   * Mutating commands: the first Ctrl-C must let the write in flight finish (and
   * be verified and recorded), so the gateway's requests are not aborted by it; it
   * only stops the gateway (every wait ends at once, no new write starts: see
   * {@link gatewaySignals}) and the command checks {@link signal} between steps and
   * stops there. A second Ctrl-C exits at once (the before-snapshot is already
   * committed, so rollback still completes the change). Call before the gateway is
   * first used.
   */
  deferInterrupts(): void {
    if (this.gatewayPromise) throw new Error('deferInterrupts() after the gateway was created');
    this.interruptsDeferred = true;
  }

  /**
   * How an interrupt reaches the gateway. Always `stopSignal`: retry backoff, rate-limit
   * waits and the write pacer end at once and no write starts after Ctrl-C. `signal`
   * (requests in flight are aborted too) only when interrupts are not deferred.
   */
  private get gatewaySignals(): { signal?: AbortSignal; stopSignal: AbortSignal } {
    return this.interruptsDeferred ? { stopSignal: this.signal } : { signal: this.signal, stopSignal: this.signal };
  }

  /**
   * Commands that only make sense against the simulator (`qms sandbox status`)
   * use it even without --sandbox; an explicit --api-url contradicts that.
   */
  forceSandbox(): void {
    if (this.options.sandbox) return;
    if (this.gatewayPromise) throw new Error('forceSandbox() after the gateway was created');
    if (this.options.apiUrl) throw new UsageError('this command uses the built-in sandbox; drop --api-url');
    this.options.sandbox = true;
  }

  /** The in-process simulator, once `gateway()` started it under --sandbox. */
  get sandbox(): import('@qms/github-sim').Sandbox | undefined {
    return this.sandboxInstance;
  }

  /** The authenticated identity (the audit actor), fetched once. */
  viewer(): Promise<Viewer> {
    this.viewerPromise ??= this.gateway().then((g) => g.getViewer());
    return this.viewerPromise;
  }

  private async createGateway(): Promise<GitHubGateway> {
    const { createGateway, resolveAuth, validateApiUrl } = await import('../github/create-gateway.js');
    if (this.options.sandbox) {
      const { startSandbox, sandboxTokenFor } = await import('@qms/github-sim');
      const sandbox = await startSandbox({ statePath: this.sandboxStatePath, persist: true });
      this.onClose(() => sandbox.close());
      this.sandboxUrl = sandbox.url;
      this.sandboxInstance = sandbox;
      // Never send a real credential to the simulator: only sandbox tokens are used.
      const token = sandboxTokenFor(this.io.env);
      return createGateway({
        apiUrl: sandbox.url,
        auth: { kind: 'token', token, source: 'sandbox' },
        logger: this.logger,
        redactor: this.redactor,
        ...this.gatewaySignals,
        // The in-process simulator has no secondary limits to respect.
        throttle: { writeIntervalMs: this.options.writeIntervalMs ?? 0 },
        ...(this.options.requestTimeoutMs !== undefined ? { timeoutMs: this.options.requestTimeoutMs } : {}),
      });
    }
    const apiUrl = validateApiUrl(this.options.apiUrl ?? 'https://api.github.com').toString();
    const auth = await resolveAuth({
      env: this.io.env,
      appId: this.options.appId,
      privateKeyPath: this.options.privateKey,
      installationId: this.options.installationId,
      cwd: this.io.cwd,
      redactor: this.redactor,
      apiUrl,
    });
    return createGateway({
      apiUrl,
      auth,
      logger: this.logger,
      redactor: this.redactor,
      ...this.gatewaySignals,
      ...(this.options.writeIntervalMs !== undefined ? { throttle: { writeIntervalMs: this.options.writeIntervalMs } } : {}),
      ...(this.options.requestTimeoutMs !== undefined ? { timeoutMs: this.options.requestTimeoutMs } : {}),
    });
  }

  /**
   * The SQLite store at {@link dbPath}, opened once per mode and closed when the
   * command ends. Reporting commands open it read-only: they never block a writer and
   * work on a store this user cannot write; read-write opens of such a store, or of a
   * --db that is not a database file, fail with exit 2 (src/store/README.md "Opening").
   */
  store(options: { readonly?: boolean } = {}): Promise<Store> {
    const mode = options.readonly ? 'ro' : 'rw';
    let promise = this.stores.get(mode);
    if (!promise) {
      promise = import('../store/index.js').then(({ openStore }) => {
        const store = openStore(this.dbPath, {
          readonly: options.readonly === true,
          warn: (m: string) => this.logger.warn(m),
          redact: (t: string) => this.logger.redact(t),
        });
        this.onClose(() => store.close());
        return store;
      });
      this.stores.set(mode, promise);
    }
    return promise;
  }

  /** The policy in use (--config, ./qms.config.yml, else built-in), loaded once. ConfigError (exit 2) when invalid. */
  policy(): Promise<LoadedPolicy> {
    this.policyPromise ??= import('../config/index.js').then(({ loadPolicy }) => loadPolicy(this.options.config, { cwd: this.io.cwd }));
    return this.policyPromise;
  }

  /** Ensure a value was supplied, else a usage error naming the flag. */
  require<T>(value: T | undefined, flag: string): T {
    if (value === undefined || value === null || value === '') throw new UsageError(`${flag} is required`);
    return value;
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    while (this.closers.length > 0) {
      const fn = this.closers.pop()!;
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}
