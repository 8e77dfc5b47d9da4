/**
 * Repository, branch, viewer and rate-limit mapping, from GitHub's OpenAPI
 * examples and small hand-written variants of them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { mapBranch, mapPermissions, mapPropertyValueList, mapRateLimit, mapRepo, mapViewer } from '../../../src/github/map/repos.js';
import { ResponseShapeError } from '../../../src/github/map/check.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('repositories', () => {
  test('the OpenAPI full-repository example', () => {
    const repo = mapRepo(fixture('oas-full-repository.json'));
    expect(repo).toEqual({
      owner: 'octocat',
      name: 'Hello-World',
      id: 1296269,
      nodeId: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
      ownerType: 'User',
      fullName: 'octocat/Hello-World',
      visibility: 'public',
      archived: false,
      disabled: false,
      fork: false,
      empty: false,
      defaultBranch: 'master',
      topics: ['octocat', 'atom', 'electron', 'api'],
      language: null,
      customProperties: {},
      viewerPermission: 'read',
      merge: { allowSquashMerge: true, allowMergeCommit: true, allowRebaseMerge: true },
    });
  });

  test('a list item (minimal-repository) has no merge settings → null, not false', () => {
    const items = JSON.parse(readFileSync(new URL('./fixtures/oas-org-repos.json', import.meta.url), 'utf8')) as unknown[];
    const repo = mapRepo(items[0]);
    expect(repo.merge).toBeNull();
    expect(repo.fullName).toBe('octocat/Hello-World');
  });

  test('organization owner, empty repository, private without visibility, custom properties', () => {
    const base = fixture('oas-full-repository.json');
    const repo = mapRepo({
      ...base,
      owner: { ...(base['owner'] as object), login: 'acme', type: 'Organization' },
      size: 0,
      visibility: undefined,
      private: true,
      custom_properties: { qms_tier: 'standard', teams: ['a', 'b'], unset: null },
      permissions: undefined,
    });
    expect(repo.ownerType).toBe('Organization');
    expect(repo.empty).toBe(true);
    expect(repo.visibility).toBe('private');
    expect(repo.customProperties).toEqual({ qms_tier: 'standard', teams: ['a', 'b'], unset: null });
    expect(repo.viewerPermission).toBeNull();
  });

  test.each([
    [{ admin: true, maintain: true, push: true, triage: true, pull: true }, 'admin'],
    [{ admin: false, maintain: true, push: true, triage: true, pull: true }, 'maintain'],
    [{ admin: false, push: true, pull: true }, 'write'],
    [{ admin: false, push: false, triage: true, pull: true }, 'triage'],
    [{ admin: false, push: false, pull: true }, 'read'],
    [{ admin: false, push: false, pull: false }, null],
  ])('permissions %j → %s', (flags, expected) => {
    expect(mapPermissions(flags)).toBe(expected);
  });

  test('a repository without owner login or with a bad custom property fails clearly', () => {
    const base = fixture('oas-full-repository.json');
    expect(() => mapRepo({ ...base, owner: {} })).toThrowError(/^owner\.login is not a string/);
    expect(() => mapRepo({ ...base, custom_properties: { tier: 3 } })).toThrowError(ResponseShapeError);
    expect(() => mapRepo({ ...base, visibility: 'secret' })).toThrowError(/^visibility/);
  });
});

describe('branches, viewer, rate limit, property values', () => {
  test('branch', () => {
    expect(mapBranch({ name: 'main', commit: { sha: 'c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc', url: 'x' }, protected: true })).toEqual({
      name: 'main',
      sha: 'c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc',
      protected: true,
    });
    expect(() => mapBranch({ name: 'main' })).toThrowError(/^commit is not an object/);
  });

  test('viewer', () => {
    expect(mapViewer({ login: 'octocat', id: 1, type: 'User' })).toEqual({ login: 'octocat', id: 1, type: 'User' });
    expect(mapViewer({ login: 'app[bot]', id: 2, type: 'Bot' }).type).toBe('Bot');
  });

  test('rate limit: reset epoch seconds → ms', () => {
    const json = {
      resources: {
        core: { limit: 5000, used: 1, remaining: 4999, reset: 1691591363 },
        graphql: { limit: 5000, used: 7, remaining: 4993, reset: 1691593228 },
      },
      rate: { limit: 5000, used: 1, remaining: 4999, reset: 1372700873 },
    };
    expect(mapRateLimit(json)).toEqual({
      core: { limit: 5000, remaining: 4999, resetAt: 1691591363000 },
      graphql: { limit: 5000, remaining: 4993, resetAt: 1691593228000 },
    });
  });

  test('custom property values list', () => {
    expect(
      mapPropertyValueList(
        [
          { property_name: 'environment', value: 'production' },
          { property_name: 'service', value: ['web', 'api'] },
          { property_name: 'team', value: null },
        ],
        '',
      ),
    ).toEqual({ environment: 'production', service: ['web', 'api'], team: null });
  });
});
