import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError, loadPolicyFile, parsePolicy } from '../../src/config/policy.js';
import { policyJsonSchema } from '../../src/core/policy/schema.js';

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
    const p = e.problems[0]!;
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
    const head = [
      'people: [{ id: a, name: A }]',
      'teams: [{ id: t, name: T }]',
      'services: [{ id: payments-api, name: P, team: t, tier: 1 }]',
      'api:',
      '  tokens:',
    ];
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
      'api.tokens[0].scopes[1]: Invalid option: expected one of "findings:write"|"changes:write"|"changes:read"|"policy:reload"|"alerts:write"|"heartbeats:write" (got "deploy")',
      'api.tokens[1].sha256: is required (string)',
      'api.tokens[1].scopes: Too small: expected array to have >=1 items (got [])',
      'api.tokens[1].services: Too small: expected array to have >=1 items (got [])',
      'api.tokens[2]: unknown key "secret"',
    ]);
    expect(e.problems[0]!.line).toBe(6);

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
    expect(digits.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'api.tokens[0].sha256: must be quoted ("…"): YAML reads a digest of digits as a number',
    ]);
  });

  it('the commented api example in the example policy is valid once uncommented', () => {
    const block = exampleText.slice(exampleText.indexOf('# api:'));
    const text = `${exampleText}\n${block
      .split('\n')
      .map((l) => l.replace(/^# ?/, ''))
      .join('\n')}`;
    const { policy } = parsePolicy(text, 'org.yaml');
    expect(policy.api.tokens.map((t) => [t.id, t.scopes, t.services])).toEqual([
      ['ci-payments', ['findings:write', 'changes:write', 'changes:read'], ['payments-api', 'ledger']],
      ['ops-reload', ['policy:reload'], undefined],
    ]);
    expect(loadPolicyFile(example).policy.api).toEqual({ tokens: [] });
  });

  it('defaults changes to one owner approval, no freezes, 3d; patches stays absent', () => {
    const { policy } = parsePolicy('people: [{ id: a, name: A }]\n', 'org.yaml');
    expect(policy.groups).toEqual([]);
    expect(policy.changes).toEqual({
      approvalTimeout: '3d',
      rules: [{ match: {}, approve: [{ owners: 1 }], retrospective: false }],
      freezes: [],
    });
    expect(policy.patches).toBeUndefined();
    const withPatches = parsePolicy('patches: { exceptions: {} }\n', 'org.yaml').policy;
    expect(withPatches.patches).toEqual({ exceptions: { maxDuration: '180d', approve: [{ owners: 1 }] } });
  });

  it('loads the groups, rules and freezes of the example policy', () => {
    const { policy } = loadPolicyFile(example);
    expect(policy.groups.map((g) => [g.id, g.members])).toEqual([
      ['cab', ['alice', 'carol', 'dave']],
      ['security', ['bob', 'dave']],
    ]);
    expect(policy.changes.rules.map((r) => r.match)).toEqual([
      { kind: 'standard' },
      { kind: 'normal', risk: 'high' },
      { kind: 'emergency' },
      {},
    ]);
    expect(policy.changes.rules[2]!.retrospective).toBe(true);
    expect(policy.changes.freezes.map((f) => f.id)).toEqual(['year-end', 'weekend']);
  });

  const head = [
    'people: [{ id: a, name: A }, { id: b, name: B }]',
    'teams: [{ id: t, name: T, members: [a, b] }]',
    'services: [{ id: api, name: API, team: t, tier: 1, owners: [a] }]',
  ];

  it('checks groups and approval entries: references, counts, members that are groups', () => {
    const e = problems(
      [
        ...head,
        'groups:',
        '  - { id: cab, name: CAB, members: [a, b, zed] }',
        '  - { id: outer, name: Outer, members: [cab] }',
        '  - { id: cab, name: Again, members: [a] }',
        'changes:',
        '  rules:',
        '    - match: { kind: normal, service: apx, team: tt }',
        '      approve: [{ group: cab, count: 4 }, { group: nope }, { person: ghost }]',
        '    - match: {}',
        '      approve: [{ group: outer, count: 2 }]',
        'patches:',
        '  exceptions: { approve: [{ group: sec }] }',
      ].join('\n'),
    );
    expect(e.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'groups[2].id: duplicate group id "cab"',
      'groups[0].members[2]: unknown person "zed" (known: a, b)',
      `groups[1].members[0]: "cab" is a group: a group's members must be people`,
      'changes.rules[0].match.service: unknown service "apx" (known: api)',
      'changes.rules[0].match.team: unknown team "tt" (known: t)',
      'changes.rules[0].approve[0].count: asks for 4 approvals from group "cab", which has 3 members',
      'changes.rules[0].approve[1].group: unknown group "nope" (known: cab, outer)',
      'changes.rules[0].approve[2].person: unknown person "ghost" (known: a, b)',
      'changes.rules[1].approve[0].count: asks for 2 approvals from group "outer", which has 1 member',
      'patches.exceptions.approve[0].group: unknown group "sec" (known: cab, outer)',
    ]);
    expect(e.message).toContain('org.yaml:11:38 changes.rules[0].approve[0].count');
  });

  it('names the field of a malformed approval entry, or the shapes when none fits', () => {
    const e = problems(
      [
        ...head,
        'changes:',
        '  rules:',
        '    - match: {}',
        '      approve: [{ group: cab, count: two }, { owners: 1, team: 2 }, { owners: 0 }]',
      ].join('\n'),
    );
    expect(e.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'changes.rules[0].approve[0].count: Invalid input: expected number, received string (got "two")',
      'changes.rules[0].approve[1]: must be one of { group: <id>, count: <n> }, { person: <id> }, { owners: <n> } or { team: <n> } (got {"owners":1,"team":2})',
      'changes.rules[0].approve[2].owners: Too small: expected number to be >=1 (got 0)',
    ]);
  });

  it('refuses rules that leave a change without a rule, and rules after a catch-all', () => {
    const gap = problems(
      [
        ...head,
        'changes:',
        '  rules:',
        '    - { match: { kind: standard }, approve: [] }',
        '    - { match: { kind: normal, risk: high }, approve: [{ owners: 1 }] }',
      ].join('\n'),
    );
    expect(gap.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'changes.rules: a change could match no rule: a normal low-risk change of api; a normal medium-risk change of api; an emergency change of api; end the rules with a catch-all rule (match: {})',
    ]);
    // Rules that together cover every kind need no `match: {}`.
    const covered = ['standard', 'normal', 'emergency'].map(
      (k) => `    - { match: { kind: ${k} }, approve: [{ owners: 1 }] }`,
    );
    expect(
      parsePolicy([...head, 'changes:', '  rules:', ...covered].join('\n'), 'org.yaml').policy.changes.rules,
    ).toHaveLength(3);
    const dead = problems(
      [
        ...head,
        'changes:',
        '  rules:',
        '    - { match: {}, approve: [] }',
        '    - { match: { tier: 1 }, approve: [{ owners: 1 }] }',
      ].join('\n'),
    );
    expect(dead.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'changes.rules[1]: is never used: rule 1 (match: {}) matches every change first',
    ]);
  });

  it('checks freezes: local times, order, time zones, cron, durations, services, ids', () => {
    const schema = problems(
      [
        ...head,
        'changes:',
        '  freezes:',
        '    - { id: w, reason: W, timezone: Mars/X, cron: "0 17 * * 5", duration: 64 h }',
        '    - { id: z, reason: Z, timezone: UTC, from: "2026-13-01 00:00", to: "x" }',
        '    - { id: q, reason: Q, timezone: UTC, cron: "0 17 * * 5", from: "2026-12-01 00:00" }',
      ].join('\n'),
    );
    expect(schema.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'changes.freezes[0].timezone: must be an IANA time zone such as Europe/Berlin (got "Mars/X")',
      'changes.freezes[0].duration: must be a duration such as 30s, 5m, 2h, 1d or 1w (got "64 h")',
      'changes.freezes[1].from: must be a local date and time "YYYY-MM-DD HH:MM" such as "2026-12-20 00:00" (got "2026-13-01 00:00")',
      'changes.freezes[1].to: must be a local date and time "YYYY-MM-DD HH:MM" such as "2026-12-20 00:00" (got "x")',
      expect.stringMatching(
        /^changes\.freezes\[2\]: must be one of \{ id, reason, timezone, from, to \} \(fixed\) or \{ id, reason, timezone, cron, duration \} \(recurring\)/,
      ),
    ]);
    const refs = problems(
      [
        ...head,
        'changes:',
        '  freezes:',
        '    - { id: y, reason: R, timezone: America/New_York, from: "2027-01-04 00:00", to: "2026-12-20 00:00", services: [apx] }',
        '    - { id: w, reason: W, timezone: Europe/Berlin, cron: "0 17 * * 8", duration: 64h }',
        '    - { id: w, reason: W, timezone: Europe/Berlin, cron: "0 17 * *", duration: 64h }',
      ].join('\n'),
    );
    expect(refs.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'changes.freezes[2].id: duplicate freeze id "w"',
      'changes.freezes[0].services[0]: unknown service "apx" (known: api)',
      'changes.freezes[0].to: must be after from (2027-01-04 00:00)',
      'changes.freezes[1].cron: CronPattern: Invalid value for dayOfWeek: 8 (got "0 17 * * 8"; five fields: minute hour day-of-month month day-of-week)',
      'changes.freezes[2].cron: cron "0 17 * *" must have five fields: minute hour day-of-month month day-of-week',
    ]);
    expect(refs.message).toContain('org.yaml:6:85 changes.freezes[0].to');
  });

  it('rejects YAML syntax errors and duplicate keys with a position', () => {
    const e = problems('people:\n  - id: a\n    id: b\n');
    expect(e.problems[0]!.message).toMatch(/YAML syntax/);
    expect(e.problems[0]!.line).toBe(3);
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
