// The requester a pipeline's change names, and rules by how a change was opened: the policy refuses
// a token naming someone who is not a person, `match.via` outside api|chat, and rules that leave
// changes opened one way uncovered; who a token's request stands for (requester.ts); which rule a
// change meets from chat and through the API.
import { describe, expect, it } from 'vitest';
import { PolicyError, parsePolicy } from '../../src/config/policy.js';
import { matchRule } from '../../src/core/approvals/rules.js';
import { apiRequester } from '../../src/core/changes/requester.js';
import { requesterOf, tokenRequester } from '../../src/core/changes/model.js';
import { Directory } from '../../src/core/directory.js';

const DIGEST = 'ab'.repeat(32);
const HEAD = [
  'people:',
  '  - { id: alice, name: Alice, slack: U0ALICE, discord: "111111111111111111", timezone: America/New_York }',
  '  - { id: bob, name: Bob, slack: U0BOB }',
  '  - { id: carol, name: Carol }',
  'teams: [{ id: t, name: T, members: [alice, bob] }]',
  'services: [{ id: web, name: Web, team: t, tier: 1, owners: [alice, bob] }]',
  'groups: [{ id: sre, name: SRE, members: [alice, bob, carol] }]',
];

function problems(text: string): string[] {
  try {
    parsePolicy(text, 'org.yaml');
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  throw new Error('expected the policy to be refused');
}

const tokens = (...lines: string[]) => ['api:', '  tokens:', ...lines.map((l) => `    - ${l}`)];
const rules = (...lines: string[]) => ['changes:', '  rules:', ...lines.map((l) => `    - ${l}`)];

describe('policy: token people and match.via', () => {
  it('refuses a token naming someone who is not a person of the policy, by path', () => {
    expect(
      problems(
        [
          ...HEAD,
          ...tokens(`{ id: deploy, sha256: "${DIGEST}", scopes: [changes:write], people: [alice, zed, sre] }`),
        ].join('\n'),
      ),
    ).toEqual([
      'api.tokens[0].people[1]: unknown person "zed" (known: alice, bob, carol)',
      'api.tokens[0].people[2]: unknown person "sre" (known: alice, bob, carol)',
    ]);
    expect(
      problems(
        [...HEAD, ...tokens(`{ id: deploy, sha256: "${DIGEST}", scopes: [changes:write], people: [] }`)].join('\n'),
      ),
    ).toEqual(['api.tokens[0].people: Too small: expected array to have >=1 items (got [])']);
  });

  it('accepts via: api | chat and changes.api.requireRequester; refuses anything else', () => {
    const ok = parsePolicy(
      [
        ...HEAD,
        ...rules(
          '{ match: { via: api }, approve: [{ group: sre, count: 2 }] }',
          '{ match: {}, approve: [{ owners: 1 }] }',
        ),
        '  api: { requireRequester: true }',
      ].join('\n'),
      'org.yaml',
    );
    expect(ok.policy.changes.rules[0]!.match).toEqual({ via: 'api' });
    expect(ok.policy.changes.api).toEqual({ requireRequester: true });
    // Absent, it stays absent: API changes need not name anyone.
    expect(parsePolicy(HEAD.join('\n'), 'org.yaml').policy.changes.api).toBeUndefined();

    const bad = problems(
      [
        ...HEAD,
        ...rules('{ match: { via: web }, approve: [] }', '{ match: {}, approve: [{ owners: 1 }] }'),
        '  api: { requireRequester: yes, people: [alice] }',
      ].join('\n'),
    );
    expect(bad).toEqual([
      'changes.rules[0].match.via: Invalid option: expected one of "api"|"chat" (got "web")',
      'changes.api.requireRequester: Invalid input: expected boolean, received string (got "yes")',
      'changes.api: unknown key "people"',
    ]);
  });

  it('reports changes opened one way that no rule covers, saying which way', () => {
    const viaOnly = problems(
      [
        ...HEAD,
        ...rules(
          '{ match: { kind: standard }, approve: [] }',
          '{ match: { via: api }, approve: [{ group: sre, count: 2 }] }',
          '{ match: { kind: emergency }, approve: [{ owners: 1 }] }',
        ),
      ].join('\n'),
    );
    expect(viaOnly).toEqual([
      'changes.rules: a change could match no rule: a normal low-risk change of web requested from chat; a normal medium-risk change of web requested from chat; a normal high-risk change of web requested from chat; end the rules with a catch-all rule (match: {})',
    ]);
    // Missed either way: said once, as before.
    const neither = problems(
      [
        ...HEAD,
        ...rules('{ match: { kind: standard }, approve: [] }', '{ match: { kind: normal }, approve: [{ owners: 1 }] }'),
      ].join('\n'),
    );
    expect(neither).toEqual([
      'changes.rules: a change could match no rule: an emergency change of web; end the rules with a catch-all rule (match: {})',
    ]);
  });
});

describe('who a token request stands for, and the rule it meets', () => {
  const policy = parsePolicy(
    [
      ...HEAD,
      ...rules(
        '{ match: { via: api, kind: normal }, approve: [{ group: sre, count: 2 }] }',
        '{ match: { via: chat, kind: normal }, approve: [{ owners: 1 }] }',
        '{ match: {}, approve: [] }',
      ),
      ...tokens(
        `{ id: deploy, sha256: "${DIGEST}", scopes: [changes:write], people: [alice] }`,
        `{ id: plain, sha256: "${'cd'.repeat(32)}", scopes: [changes:write] }`,
      ),
    ].join('\n'),
    'org.yaml',
  ).policy;
  const dir = new Directory(policy, 'test');
  const [deploy, plain] = policy.api.tokens;

  it('names a person by id, Slack or Discord user id; windows stay in the policy time zone', () => {
    for (const named of ['alice', 'U0ALICE', '111111111111111111']) {
      const r = apiRequester(dir, deploy!, named);
      expect(r).toEqual({
        ok: true,
        requester: {
          personId: 'alice',
          actor: { platform: 'api', platformUserId: 'deploy' },
          platform: 'api',
          userId: 'deploy',
          timezone: 'UTC',
        },
      });
    }
    expect(apiRequester(dir, deploy!, undefined)).toMatchObject({
      ok: true,
      requester: { personId: tokenRequester('deploy') },
    });
  });

  it('refuses a person the token does not list, an unknown one, and any name from a token without people', () => {
    expect(apiRequester(dir, deploy!, 'bob')).toEqual({
      ok: false,
      fields: { requester: 'bob may not be named by token deploy' },
    });
    expect(apiRequester(dir, deploy!, 'U0NOBODY')).toEqual({
      ok: false,
      fields: {
        requester: 'U0NOBODY is no person of the policy (name a person id, or their Slack or Discord user id)',
      },
    });
    expect(apiRequester(dir, plain!, 'alice')).toEqual({
      ok: false,
      fields: { requester: 'token plain may not name a requester: its policy entry lists no people' },
    });
    expect(apiRequester(dir, plain!, undefined).ok).toBe(true);
    const strict = new Directory(
      { ...policy, changes: { ...policy.changes, api: { requireRequester: true } } },
      'strict',
    );
    expect(apiRequester(strict, plain!, undefined)).toMatchObject({
      ok: false,
      fields: { requester: expect.stringMatching(/^name the person who requests this change/) },
    });
  });

  it('a rule with via matches changes opened that way only; a subject that does not say meets neither', () => {
    const subject = { kind: 'normal' as const, risk: 'low' as const, service: 'web', team: 't', tier: 1 };
    expect(policy.changes.rules.indexOf(matchRule(policy.changes.rules, { ...subject, via: 'api' })!)).toBe(0);
    expect(policy.changes.rules.indexOf(matchRule(policy.changes.rules, { ...subject, via: 'chat' })!)).toBe(1);
    expect(policy.changes.rules.indexOf(matchRule(policy.changes.rules, subject)!)).toBe(2);
  });

  it('reads who requested a stored change and how', () => {
    expect(requesterOf({ requestedBy: 'alice', requestedPlatform: 'slack', requestedUserId: 'U0ALICE' })).toEqual({
      person: 'alice',
      via: 'chat',
      platform: 'slack',
    });
    expect(requesterOf({ requestedBy: 'alice', requestedPlatform: 'api', requestedUserId: 'deploy' })).toEqual({
      person: 'alice',
      via: 'api',
      token: 'deploy',
    });
    expect(requesterOf({ requestedBy: 'api:deploy', requestedPlatform: 'api', requestedUserId: 'deploy' })).toEqual({
      person: null,
      via: 'api',
      token: 'deploy',
    });
  });
});
