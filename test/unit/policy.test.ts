import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError, loadPolicyFile, parsePolicy } from '../../src/config/policy.js';
import { policyJsonSchema } from '../../src/config/policy-schema.js';

const example = new URL('../../manifests/policy.example.yaml', import.meta.url).pathname;
const exampleText = readFileSync(example, 'utf8');

function problems(text: string) {
  try {
    parsePolicy(text, 'org.yaml');
  } catch (e) {
    if (e instanceof PolicyError) return e;
    throw e;
  }
  throw new Error('expected the policy to be rejected');
}

describe('policy', () => {
  it('loads the example policy with defaults applied', () => {
    const { policy, sha256 } = loadPolicyFile(example);
    expect(policy.services.map((s) => s.id)).toEqual(['payments-api', 'ledger', 'edge-gateway']);
    expect(policy.incidents.roles).toEqual(['commander', 'communications', 'scribe']);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the file, line, path and bad value of a broken cross-reference', () => {
    const e = problems(exampleText.replace('    team: platform\n    tier: 1', '    team: platfrom\n    tier: 1'));
    expect(e.problems).toHaveLength(1);
    const p = e.problems[0];
    expect(p.path).toBe('services[2].team');
    expect(p.message).toBe('unknown team "platfrom" (known: payments, platform)');
    const line = exampleText.split('\n').findIndex((l) => l.includes('team: platform') && !l.includes('id')) + 1;
    expect(p.line).toBe(line);
    expect(e.message).toContain(`org.yaml:${line}:11 services[2].team: unknown team "platfrom"`);
  });

  it('reports every problem at once: schema errors with values, unknown keys', () => {
    const e = problems(
      [
        'timezone: Mars/Olympus',
        'people:',
        '  - { id: Alice, name: A }',
        'services:',
        '  - { id: x, name: X, team: t, tier: 9, ownres: [] }',
      ].join('\n'),
    );
    const byPath = Object.fromEntries(e.problems.map((p) => [p.path, p.message]));
    expect(byPath['timezone']).toMatch(/IANA time zone.*"Mars\/Olympus"/);
    expect(byPath['people[0].id']).toMatch(/lowercase slug.*"Alice"/);
    expect(byPath['services[0].tier']).toMatch(/9/);
    expect(byPath['services[0]']).toBe('unknown key "ownres"');
  });

  it('checks escalation targets, schedule members, duplicates and durations', () => {
    const e = problems(
      [
        'people: [{ id: a, name: A, slack: U0AAA }, { id: a, name: B, slack: U0AAA }]',
        'schedules: [{ id: s, rotation: { every: 1w, handoff: "Mon 09:00", members: [zed] } }]',
        'escalationPolicies:',
        '  - id: p',
        '    levels: [{ notify: [{ schedule: nope }, { team: ghosts }], ackTimeout: 5m }, { notify: [{ person: a }], ackTimeout: 5 minutes }]',
      ].join('\n'),
    );
    const paths = e.problems.map((p) => `${p.path}: ${p.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'escalationPolicies[0].levels[1].ackTimeout: must be a duration such as 30s, 5m, 2h, 1d or 1w (got "5 minutes")',
      ]),
    );
    const e2 = problems(
      [
        'people: [{ id: a, name: A, slack: U0AAA }, { id: a, name: B, slack: U0AAA }]',
        'schedules: [{ id: s, rotation: { every: 1w, handoff: "Mon 09:00", members: [zed] } }]',
        'escalationPolicies: [{ id: p, levels: [{ notify: [{ schedule: nope }, { team: ghosts }], ackTimeout: 5m }] }]',
      ].join('\n'),
    );
    expect(e2.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'people[1].id: duplicate person id "a"',
      'people[1].slack: slack id U0AAA is already used by person "a"',
      'schedules[0].rotation.members[0]: unknown person "zed" (known: a)',
      'escalationPolicies[0].levels[0].notify[0].schedule: unknown schedule "nope" (known: s)',
      'escalationPolicies[0].levels[0].notify[1].team: unknown team "ghosts" (none are defined)',
    ]);
  });

  it('checks schedule layers, restrictions and planned overrides', () => {
    const e = problems(
      [
        'people: [{ id: a, name: A }]',
        'schedules:',
        '  - id: empty',
        '  - id: s',
        '    layers:',
        '      - rotation: { every: 1d, handoff: "09:00", members: [a, zed] }',
        '        restrictions: [{ days: [Mon, Funday], from: "09:00", to: "25:00" }]',
        '    overrides: [{ person: ghost, start: "2026-12-24T18:00:00+01:00", end: "2026-12-24T08:00:00+01:00" }, { person: a, start: "tomorrow", end: "2026-12-25T08:00:00Z" }]',
      ].join('\n'),
    );
    expect(e.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'schedules[0].rotation: needs a rotation or layers',
      'schedules[1].layers[0].restrictions[0].days[1]: Invalid option: expected one of "Mon"|"Tue"|"Wed"|"Thu"|"Fri"|"Sat"|"Sun" (got "Funday")',
      'schedules[1].layers[0].restrictions[0].to: must be a time "HH:MM" such as 09:00 (got "25:00")',
      'schedules[1].overrides[1].start: must be a date and time with its offset, e.g. 2026-12-24T18:00:00+01:00 (got "tomorrow")',
    ]);
    const refs = problems(
      [
        'people: [{ id: a, name: A }]',
        'schedules:',
        '  - id: s',
        '    rotation: { every: 1w, handoff: "Mon 09:00", members: [a] }',
        '    layers: [{ rotation: { every: 1d, handoff: "09:00", members: [a, zed] }, restrictions: [{ from: "22:00", to: "06:00" }] }]',
        '    overrides: [{ person: ghost, start: "2026-12-24T18:00:00+01:00", end: "2026-12-24T08:00:00+01:00" }]',
      ].join('\n'),
    );
    expect(refs.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'schedules[0].layers[0].rotation.members[1]: unknown person "zed" (known: a)',
      'schedules[0].overrides[0].person: unknown person "ghost" (known: a)',
      'schedules[0].overrides[0].end: must be after start',
    ]);
  });

  it('checks api tokens: ids, digests, scopes and service references, by path', () => {
    const digest = 'ab'.repeat(32);
    const head = ['people: [{ id: a, name: A }]', 'teams: [{ id: t, name: T }]', 'services: [{ id: payments-api, name: P, team: t, tier: 1 }]', 'api:', '  tokens:'];
    const e = problems(
      [
        ...head,
        '    - { id: CI, sha256: abc, scopes: [findings:write, deploy] }',
        '    - { id: ops, scopes: [] , services: [] }',
        `    - { id: x, sha256: ${digest}, scopes: [policy:reload], secret: y }`,
      ].join('\n'),
    );
    expect(e.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'api.tokens[0].id: must be a lowercase slug: a-z, 0-9 and "-", at most 64 characters (got "CI")',
      'api.tokens[0].sha256: must be the SHA-256 of the token as 64 hex characters (npm run steward -- token new <id> prints it) (the value is not shown: it may be a token)',
      'api.tokens[0].scopes[1]: Invalid option: expected one of "findings:write"|"changes:write"|"changes:read"|"policy:reload" (got "deploy")',
      'api.tokens[1].sha256: is required (string)',
      'api.tokens[1].scopes: Too small: expected array to have >=1 items (got [])',
      'api.tokens[1].services: Too small: expected array to have >=1 items (got [])',
      'api.tokens[2]: unknown key "secret"',
    ]);
    expect(e.problems[0].line).toBe(6);

    const refs = problems(
      [
        ...head,
        `    - { id: ci, sha256: ${digest}, scopes: [findings:write], services: [payments-api, ledgr] }`,
        `    - { id: ci, sha256: ${digest.toUpperCase()}, scopes: [changes:read] }`,
      ].join('\n'),
    );
    expect(refs.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'api.tokens[1].id: duplicate API token id "ci"',
      'api.tokens[0].services[1]: unknown service "ledgr" (known: payments-api)',
      'api.tokens[1].sha256: is the same token as "ci": give every token its own secret',
    ]);
    expect(refs.message).toContain('org.yaml:6:');
  });

  it('never repeats a token pasted where its digest belongs', () => {
    const token = 'stw_' + 'Q'.repeat(43);
    const e = problems(`api:\n  tokens:\n    - { id: ci, sha256: ${token}, scopes: [changes:read] }\n`);
    expect(e.problems.map((p) => p.path)).toEqual(['api.tokens[0].sha256']);
    expect(e.message).not.toContain(token);
    expect(e.message).not.toContain('QQQQ');
    // A digest of digits only is read as a number by YAML: the message says to quote it.
    const digits = problems(`api:\n  tokens:\n    - { id: ci, sha256: ${'1'.repeat(64)}, scopes: [changes:read] }\n`);
    expect(digits.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['api.tokens[0].sha256: must be quoted ("…"): YAML reads a digest of digits as a number']);
  });

  it('the commented api example in the example policy is valid once uncommented', () => {
    const block = exampleText.slice(exampleText.indexOf('# api:'));
    const text = `${exampleText}\n${block.split('\n').map((l) => l.replace(/^# ?/, '')).join('\n')}`;
    const { policy } = parsePolicy(text, 'org.yaml');
    expect(policy.api.tokens.map((t) => [t.id, t.scopes, t.services])).toEqual([
      ['ci-payments', ['findings:write', 'changes:write', 'changes:read'], ['payments-api', 'ledger']],
      ['ops-reload', ['policy:reload'], undefined],
    ]);
    expect(loadPolicyFile(example).policy.api).toEqual({ tokens: [] });
  });

  it('rejects YAML syntax errors and duplicate keys with a position', () => {
    const e = problems('people:\n  - id: a\n    id: b\n');
    expect(e.problems[0].message).toMatch(/YAML syntax/);
    expect(e.problems[0].line).toBe(3);
  });

  it('rejects a missing file clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    expect(() => loadPolicyFile(join(dir, 'absent.yaml'))).toThrow(/absent\.yaml.*cannot read the file \(ENOENT\)/s);
    writeFileSync(join(dir, 'empty.yaml'), '');
    expect(loadPolicyFile(join(dir, 'empty.yaml')).policy.services).toEqual([]);
  });

  it('the published JSON Schema is current (npm run schema regenerates it)', () => {
    const published = JSON.parse(readFileSync(new URL('../../manifests/policy.schema.json', import.meta.url), 'utf8'));
    expect(published).toEqual(JSON.parse(JSON.stringify(policyJsonSchema())));
  });
});
