/**
 * Colour for humans: a per-call Chalk instance (never chalk's global, whose level
 * comes from the process' own stdout), switched on only when the runtime says so
 * (a TTY, table output, no --no-color / NO_COLOR). Disabled, every function
 * returns its input unchanged, so views can call them unconditionally.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface Palette {
  readonly enabled: boolean;
  /** critical, high, medium, low. */
  severity(severity: string, text: string): string;
  /** An assessment status (assessed, unknown, not_applicable, skipped, error) or `compliant`. */
  status(status: string, text: string): string;
  heading(text: string): string;
  dim(text: string): string;
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
}

const identity = (text: string) => text;

/** A palette writing ANSI colour when `enabled` (level 1: 16 colours, safe everywhere). */
export function createPalette(enabled: boolean): Palette {
  if (!enabled) {
    return {
      enabled: false,
      severity: (_s, t) => t,
      status: (_s, t) => t,
      heading: identity,
      dim: identity,
      good: identity,
      bad: identity,
      warn: identity,
    };
  }
  const c: ChalkInstance = new Chalk({ level: 1 });
  return {
    enabled: true,
    severity: (severity, text) => {
      switch (severity) {
        case 'critical':
          return c.bold.red(text);
        case 'high':
          return c.red(text);
        case 'medium':
          return c.yellow(text);
        case 'low':
          return c.cyan(text);
        default:
          return text;
      }
    },
    status: (status, text) => {
      switch (status) {
        case 'compliant':
          return c.green(text);
        case 'error':
          return c.bold.red(text);
        case 'unknown':
          return c.yellow(text);
        case 'not_applicable':
        case 'skipped':
          return c.dim(text);
        default:
          return text;
      }
    },
    heading: (text) => c.bold(text),
    dim: (text) => c.dim(text),
    good: (text) => c.green(text),
    bad: (text) => c.red(text),
    warn: (text) => c.yellow(text),
  };
}
