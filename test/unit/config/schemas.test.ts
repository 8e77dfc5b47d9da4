import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { policyToDocument } from '../../../src/config/policy-document.js';
import { loadSchema, validateWithSchema } from '../../../src/config/schema-validation.js';
import { parseYamlConfig } from '../../../src/config/yaml-source.js';

function check(kind: 'policy' | 'repo', text: string) {
  const parsed = parseYamlConfig(text, 'test.yml');
  expect(parsed.problems).toEqual([]);
  return validateWithSchema(kind, parsed.value, parsed.source);
}

/** Every object schema in a schema document, with its JSON pointer. */
function objectSchemas(node: unknown, at = ''): { at: string; schema: Record<string, unknown> }[] {
  if (node === null || typeof node !== 'object') return [];
  const out: { at: string; schema: Record<string, unknown> }[] = [];
  const obj = node as Record<string, unknown>;
  if ('properties' in obj) out.push({ at, schema: obj });
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'properties' && v && typeof v === 'object') {
      for (const [p, s] of Object.entries(v)) out.push(...objectSchemas(s, `${at}/properties/${p}`));
    } else if (typeof v === 'object') out.push(...objectSchemas(v, `${at}/${k}`));
  }
  return out;
}

describe('JSON Schemas', () => {
  for (const kind of ['policy', 'repo'] as const) {
    it(`${kind} schema compiles under ajv strict mode (draft 2020-12)`, () => {
      const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
      ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
      ajv.addKeyword({ keyword: 'x-why', schemaType: 'string' });
      const schema = loadSchema(kind);
      expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(() => ajv.compile(schema)).not.toThrow();
    });

    it(`${kind} schema forbids unknown keys in every mapping with fixed keys`, () => {
      const found = objectSchemas(loadSchema(kind));
      expect(found.length).toBeGreaterThan(5);
      for (const { at, schema } of found)
        expect({ at, additionalProperties: schema['additionalProperties'] }).toEqual({ at, additionalProperties: false });
    });
  }

  it('accepts the built-in defaults written as a policy document', () => {
    const parsed = parseYamlConfig(JSON.stringify(policyToDocument(defaultPolicy())), 'defaults.json');
    expect(validateWithSchema('policy', parsed.value, parsed.source)).toEqual([]);
  });

  it('review counts are limited to 0..6 (GitHub) in both schemas', () => {
    const policy = (n: number) =>
      `version: 1\ntiers:\n  standard:\n    branches:\n      - pattern: main\n        protection:\n          required_reviews: {count: ${n}}\n`;
    expect(check('policy', policy(0))).toEqual([]);
    expect(check('policy', policy(6))).toEqual([]);
    expect(check('policy', policy(7)).map((p) => p.message)).toEqual(["must be a whole number from 0 to 6 (GitHub's limit); got 7"]);
    expect(check('policy', policy(-1)).map((p) => p.message)).toEqual(["must be a whole number from 0 to 6 (GitHub's limit); got -1"]);
    const repo = (n: number) => `repository: {tier: standard}\nreview_requirements: {required_reviewers: ${n}}\n`;
    expect(check('repo', repo(6))).toEqual([]);
    expect(check('repo', repo(7))[0]).toMatchObject({ line: 2, column: 43, pointer: '/review_requirements/required_reviewers' });
  });

  it('locates an unknown key at the key and suggests the closest name', () => {
    const problems = check('policy', 'version: 1\nglobal_policies:\n  security_baselines:\n    vulnerability_treshold: {critical: 0}\n');
    expect(problems).toEqual([
      {
        file: 'test.yml',
        line: 4,
        column: 5,
        pointer: '/global_policies/security_baselines',
        message: 'unknown key "vulnerability_treshold" (did you mean "vulnerability_thresholds"?)',
      },
    ]);
  });

  it('reports every problem in one pass, in file order', () => {
    const problems = check('policy', 'version: 1\ndefault_tier: Gold Tier\ntiers:\n  standard:\n    rank: high\n    colour: blue\n');
    expect(problems.map((p) => `${p.line}:${p.column} ${p.pointer} ${p.message}`)).toEqual([
      '2:15 /default_tier must be a tier name: lower-case letters, digits and underscores, starting with a letter (e.g. "mission_critical"); got "Gold Tier"',
      '5:11 /tiers/standard/rank must be a whole number; got "high"',
      '6:5 /tiers/standard unknown key "colour"',
    ]);
  });

  it('names a bad map key (propertyNames) at the key', () => {
    const problems = check('policy', 'version: 1\nroles:\n  "QMS Lead": {users: [alice]}\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 3, column: 3, pointer: '/roles' });
    expect(problems[0]!.message).toMatch(/^key "QMS Lead" is not a role name/);
  });

  it('enum problems list the choices and suggest one', () => {
    const problems = check('policy', 'version: 1\nbypass_levels:\n  level_1_lead:\n    documentation_level: basik\n');
    expect(problems.map((p) => p.message)).toEqual([
      'must be one of "basic", "detailed", "comprehensive" or "incident_report"; got "basik" (did you mean "basic"?)',
    ]);
  });

  it('duplicate list items are located at the second one', () => {
    const problems = check(
      'repo',
      'repository: {tier: standard}\nstatus_checks:\n  enabled_checks:\n    - qms/a\n    - qms/b\n    - qms/a\n',
    );
    expect(problems).toEqual([
      {
        file: 'test.yml',
        line: 6,
        column: 7,
        pointer: '/status_checks/enabled_checks',
        message: 'lists "qms/a" twice (items 0 and 2); each may appear once',
      },
    ]);
  });

  it('every example in fixtures/examples passes the schema; the invalid one fails on an unknown key', () => {
    const dir = path.resolve('fixtures/examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const kind = f.includes('branch-protection') ? 'repo' : 'policy';
      expect({ f, problems: check(kind, readFileSync(path.join(dir, f), 'utf8')) }).toEqual({ f, problems: [] });
    }
    const bad = check('policy', readFileSync(path.join(dir, 'invalid/unknown-key.qms.config.yml'), 'utf8'));
    expect(bad.map((p) => p.message)).toEqual(['unknown key "requierd_reviews" (did you mean "required_reviews"?)']);
  });
});
