/**
 * CONTRACT (to be implemented): the GitHub simulator's entry points.
 */
export interface StartSandboxOptions {
  /** 0 or absent: an ephemeral port. Always bound to 127.0.0.1. */
  port?: number;
  /** Load state from this file if it exists (else seed from fixtures). */
  statePath?: string;
  /** Write state back to statePath after every mutating request (atomic rename). */
  persist?: boolean;
  /** Fixture to seed from when there is no state file (default: fixtures/sandbox). */
  seedDir?: string;
  latencyMs?: number;
}

export interface Sandbox {
  /** Base URL, e.g. http://127.0.0.1:43121 — what --api-url takes. */
  url: string;
  close(): Promise<void>;
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  throw new Error(`not implemented ${Object.keys(options).length}`);
}

/** The token --sandbox uses: QMS_SANDBOX_TOKEN or GITHUB_TOKEN when they are sandbox tokens, else the admin's. */
export function sandboxTokenFor(env: NodeJS.ProcessEnv): string {
  throw new Error(`not implemented ${Object.keys(env).length}`);
}
