import { describe, expect, test } from 'vitest';
import { isLoopbackHost, toBaseUrl, validateApiUrl } from '../../../src/github/api-url.js';
import { UsageError } from '../../../src/core/errors.js';

describe('validateApiUrl', () => {
  test.each([
    ['https://api.github.com', 'https://api.github.com/'],
    ['https://api.github.com/', 'https://api.github.com/'],
    ['https://ghe.example.com/api/v3/', 'https://ghe.example.com/api/v3'],
    ['https://ghe.example.com:8443/api/v3', 'https://ghe.example.com:8443/api/v3'],
    ['http://127.0.0.1:43121', 'http://127.0.0.1:43121/'],
    ['http://127.1.2.3:8080/api/v3', 'http://127.1.2.3:8080/api/v3'],
    ['http://localhost:3000', 'http://localhost:3000/'],
    ['http://[::1]:9000/', 'http://[::1]:9000/'],
  ])('accepts %s', (input, expected) => {
    expect(validateApiUrl(input).toString()).toBe(expected);
  });

  test.each([
    ['http://ghe.example.com/api/v3', /http:\/\/ for ghe\.example\.com; use https:\/\//],
    ['http://10.0.0.1', /http:\/\/ for 10\.0\.0\.1/],
    ['http://128.0.0.1', /http:\/\/ for 128\.0\.0\.1/],
    ['http://localhost.example.com', /http:\/\/ for localhost\.example\.com/],
    ['ftp://ghe.example.com', /must use https:\/\//],
    ['not a url', /not a valid URL/],
    ['https://api.github.com/?x=1', /query string/],
  ])('rejects %s', (input, message) => {
    expect(() => validateApiUrl(input)).toThrowError(UsageError);
    expect(() => validateApiUrl(input)).toThrowError(message);
  });

  test('a URL with credentials is refused without echoing them', () => {
    const secret = 'ghp_' + 'a'.repeat(36);
    try {
      validateApiUrl(`https://x:${secret}@ghe.example.com/api/v3`);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).not.toContain(secret);
    }
  });

  test('loopback detection and base URLs without a trailing slash', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('::ffff:7f00:1')).toBe(false);
    expect(isLoopbackHost('example.com')).toBe(false);
    expect(toBaseUrl(validateApiUrl('https://api.github.com'))).toBe('https://api.github.com');
    expect(toBaseUrl('https://ghe.example.com/api/v3/')).toBe('https://ghe.example.com/api/v3');
  });
});
