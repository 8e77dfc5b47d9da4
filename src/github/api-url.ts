/**
 * Validation of --api-url. Credentials are sent to this URL, so plain http is
 * only allowed where nothing leaves the machine (loopback: the simulator, a
 * local proxy). GitHub Enterprise Server URLs end in /api/v3.
 */
import { isIP } from 'node:net';
import { UsageError } from '../core/errors.js';

/**
 * 127.0.0.0/8, ::1 and localhost — the only hosts that may be reached over http.
 * Not `*.localhost`: browsers pin those to loopback, but Node resolves them through
 * getaddrinfo, which asks DNS for any name /etc/hosts lacks — a resolver could send
 * the token, in clear text, anywhere.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Parse and check an API base URL: https anywhere, http only on loopback, no
 * credentials, query or fragment; a trailing slash is removed from the path.
 */
export function validateApiUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new UsageError(`--api-url is not a valid URL: "${url.replace(/\/\/[^@/]*@/, '//***@')}"`, {
      hint: 'use e.g. https://api.github.com or https://ghe.example.com/api/v3',
    });
  }
  if (parsed.username || parsed.password) {
    // Never echo the URL: the user part may be a token.
    throw new UsageError('--api-url must not contain credentials; provide a token through GITHUB_TOKEN instead');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(`--api-url must use https:// (got ${parsed.protocol}//)`);
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new UsageError(
      `--api-url uses http:// for ${parsed.hostname}; use https:// (http is only allowed for 127.0.0.1, ::1 and localhost)`,
      {
        hint: 'a token sent over plain http can be read by anyone on the network',
      },
    );
  }
  if (parsed.search || parsed.hash) {
    throw new UsageError('--api-url must not contain a query string or fragment');
  }
  parsed.pathname = parsed.pathname.replace(/\/+$/, '');
  return parsed;
}

/** The base URL Octokit expects: no trailing slash (the root URL's "/" included). */
export function toBaseUrl(url: string | URL): string {
  return String(url).replace(/\/+$/, '');
}
