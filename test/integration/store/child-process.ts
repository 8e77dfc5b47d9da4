/** Line-oriented control of a child process for the lock and crash tests. */
import { spawn, type ChildProcess } from 'node:child_process';

export class LineChild {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  private buffer = '';
  private waiters: { pred: (line: string) => boolean; resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(script: string, args: string[]) {
    this.proc = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.pred(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.proc.on('close', (code, signal) => {
        for (const w of this.waiters)
          w.reject(new Error(`child exited (${code ?? signal}) before the expected line; stderr: ${this.stderr}`));
        this.waiters = [];
        resolve({ code, signal });
      });
    });
  }

  /** The next line (from now on) matching pred. */
  next(pred: (line: string) => boolean = () => true, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for a line; got ${JSON.stringify(this.lines.slice(-5))}; stderr: ${this.stderr}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }
}
