// The API token kernel: authenticate by digest, authorize by scope and service, limit failed attempts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { Directory } from '../../src/core/directory.js';
import { FailureLimiter, authenticate, authorize } from '../../src/core/api/tokens.js';
import { fixedClock } from '../support/clock.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const CI = 'stw_ci-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const OPS = 'stw_ops-token-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

const { policy, sha256 } = parsePolicy(
  [
    'people: [{ id: alice, name: Alice }]',
    'teams: [{ id: payments, name: Payments, members: [alice] }]',
    'services:',
    '  - { id: payments-api, name: Payments API, team: payments, tier: 1 }',
    '  - { id: ledger, name: Ledger, team: payments, tier: 2 }',
    'api:',
    '  tokens:',
    `    - { id: ci-payments, sha256: ${sha(CI)}, scopes: [findings:write, changes:read], services: [payments-api] }`,
    // Upper-case hex is the same digest.
    `    - { id: ops, sha256: ${sha(OPS).toUpperCase()}, scopes: [policy:reload] }`,
  ].join('\n'),
);
const dir = new Directory(policy, sha256);

describe('authenticate', () => {
  it('finds the entry whose sha256 is the digest of the token, in either hex case', () => {
    expect(authenticate(dir, CI)).toMatchObject({ ok: true, token: { id: 'ci-payments' } });
    expect(authenticate(dir, OPS)).toMatchObject({ ok: true, token: { id: 'ops' } });
  });

  it('refuses a missing, unknown or digest-as-token credential with a reason', () => {
    expect(authenticate(dir, undefined)).toEqual({
      ok: false,
      code: 'API.TOKEN_MISSING',
      reason: expect.stringMatching(/bearer token is required/),
    });
    expect(authenticate(dir, '')).toMatchObject({ ok: false, code: 'API.TOKEN_MISSING' });
    expect(authenticate(dir, `${CI}x`)).toEqual({
      ok: false,
      code: 'API.TOKEN_UNKNOWN',
      reason: 'the token is not one the policy knows',
    });
    // Presenting what the policy holds (the digest) is not the token.
    expect(authenticate(dir, sha(CI))).toMatchObject({ ok: false, code: 'API.TOKEN_UNKNOWN' });
  });

  it('knows no token when the policy has none', () => {
    const empty = new Directory(parsePolicy('').policy, 'x');
    expect(authenticate(empty, CI)).toMatchObject({ ok: false, code: 'API.TOKEN_UNKNOWN' });
  });
});

describe('authorize', () => {
  const ci = dir.policy.api.tokens[0]!;
  const ops = dir.policy.api.tokens[1]!;

  it('allows a scope the token holds, on its services', () => {
    expect(authorize(ci, 'findings:write', 'payments-api')).toEqual({ ok: true });
    expect(authorize(ci, 'changes:read')).toEqual({ ok: true });
    // A token without a services list acts on every service.
    expect(authorize({ ...ops, scopes: ['changes:read'] }, 'changes:read', 'ledger')).toEqual({ ok: true });
  });

  it('forbids a scope the token lacks, or a service outside its list, saying which', () => {
    expect(authorize(ci, 'policy:reload')).toEqual({
      ok: false,
      code: 'API.FORBIDDEN',
      reason: 'token "ci-payments" lacks the scope policy:reload',
    });
    expect(authorize(ci, 'findings:write', 'ledger')).toEqual({
      ok: false,
      code: 'API.FORBIDDEN',
      reason: 'token "ci-payments" may not act on service "ledger"',
    });
    expect(authorize(ops, 'changes:write', 'ledger')).toMatchObject({
      ok: false,
      reason: 'token "ops" lacks the scope changes:write',
    });
  });
});

describe('FailureLimiter', () => {
  const clockAt = (iso: string) => {
    let t = Date.parse(iso);
    return { ...fixedClock(() => t), advance: (ms: number) => (t += ms) };
  };

  it('refuses a client after 10 failures within a minute, with the seconds until the oldest leaves the window', () => {
    const clock = clockAt('2026-03-01T10:00:00Z');
    const limiter = new FailureLimiter({ clock });
    for (let i = 0; i < 10; i++) {
      expect(limiter.check('10.0.0.1')).toEqual({ ok: true });
      limiter.fail('10.0.0.1');
      clock.advance(1_000);
    }
    // Failures at :00 … :09; now :10. The first leaves the window at 10:01:00.
    expect(limiter.check('10.0.0.1')).toEqual({ ok: false, retryAfterSeconds: 50 });
    // Another client is not affected.
    expect(limiter.check('10.0.0.2')).toEqual({ ok: true });
    clock.advance(49_999);
    expect(limiter.check('10.0.0.1')).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.advance(1);
    // 10:01:00.000: the failure of 10:00:00 is out, nine remain.
    expect(limiter.check('10.0.0.1')).toEqual({ ok: true });
    limiter.fail('10.0.0.1');
    expect(limiter.check('10.0.0.1')).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.advance(60_000);
    expect(limiter.check('10.0.0.1')).toEqual({ ok: true });
    // Nothing is remembered once every failure has left the window.
    expect(limiter.size).toBe(0);
  });

  it('honours its own limit and window, and forgets the longest quiet clients first', () => {
    const clock = clockAt('2026-03-01T10:00:00Z');
    const limiter = new FailureLimiter({ clock, max: 2, windowMs: 10_000, maxClients: 3 });
    limiter.fail('a');
    limiter.fail('a');
    expect(limiter.check('a')).toEqual({ ok: false, retryAfterSeconds: 10 });
    limiter.fail('b');
    limiter.fail('c');
    limiter.fail('d');
    expect(limiter.size).toBe(3);
    // "a" was the quietest: forgotten, so it may try again.
    expect(limiter.check('a')).toEqual({ ok: true });
    limiter.fail('b');
    expect(limiter.check('b')).toEqual({ ok: false, retryAfterSeconds: 10 });
  });
});
