// Members-only reads (policy `access.membersOnly`), decided in the core: by default findings,
// digests, incident timelines and postmortems answer only people listed in the policy; the policy
// can add other reads (change.show, oncall.show, …) or make every read members-only.
import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import type { Reply } from '../../src/core/card.js';
import type { Invocation } from '../../src/core/context.js';
import type { Outcome } from '../../src/core/errors.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { createSqliteDatabase } from '../support/databases.js';
import { fixedClock } from '../support/clock.js';

const POLICY = `
timezone: UTC
people:
  - { id: alice, name: Alice, slack: U0ALICE, discord: "200000000000000001" }
teams:
  - { id: payments, name: Payments, members: [alice] }
services:
  - { id: payments-api, name: Payments API, team: payments, tier: 1 }
schedules:
  - { id: payments-primary, rotation: { every: 1w, handoff: "Mon 09:00", members: [alice] } }
`;

const as = (userId: string, platform: Invocation['platform'] = 'slack'): Invocation => ({
  platform,
  userId,
  requestId: `r-${Math.random()}`,
});
const outcome = (r: Outcome<Reply>) => (r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`);
const REFUSED = 'AUTH.UNKNOWN_USER: Only people listed in the policy may see this.';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function stewardWith(access = '') {
  const db = createSqliteDatabase();
  cleanup.push(() => db.drop());
  const store = await openStore({ url: db.url, migrate: true });
  cleanup.push(() => store.close());
  const policy = parsePolicy(POLICY + access);
  const steward = new Steward({
    store,
    clock: fixedClock('2026-11-02T15:00:00.000Z'),
    policy,
    modules: STANDARD_MODULES,
  });
  cleanup.push(() => steward.outbox.stop());
  await steward.applyPolicy();
  return steward;
}

describe('members-only reads', () => {
  it('by default, findings, digests, timelines and postmortems answer only people in the policy; other reads answer anyone', async () => {
    const steward = await stewardWith();
    for (const [platform, stranger, member] of [
      ['slack', 'U0STRANGER', 'U0ALICE'],
      ['discord', '300000000000000009', '200000000000000001'],
    ] as const) {
      for (const cmd of [
        { kind: 'patch.list' },
        { kind: 'patch.show', finding: 'F-1' },
        { kind: 'patch.digest' },
        { kind: 'incident.timeline', incident: 'INC-1' },
        { kind: 'incident.postmortem', incident: 'INC-1' },
      ]) {
        expect(outcome(await steward.execute(as(stranger, platform), cmd)), `${platform} ${cmd.kind}`).toBe(REFUSED);
        // A member gets past the gate (an answer, or a refusal about the thing itself).
        expect(outcome(await steward.execute(as(member, platform), cmd)), `${platform} ${cmd.kind}`).not.toMatch(
          /^AUTH\./,
        );
      }
      expect(outcome(await steward.execute(as(member, platform), { kind: 'patch.list' }))).toBe('ok');
      // Not members-only by default.
      for (const cmd of [
        { kind: 'service.list' },
        { kind: 'oncall.show' },
        { kind: 'change.list' },
        { kind: 'incident.list' },
      ]) {
        expect(outcome(await steward.execute(as(stranger, platform), cmd)), cmd.kind).toBe('ok');
      }
    }
  });

  it('the policy can keep further reads to members, or every read', async () => {
    const steward = await stewardWith('access:\n  membersOnly: [patch.list, change.show, oncall.show]\n');
    expect(outcome(await steward.execute(as('U0STRANGER'), { kind: 'oncall.show' }))).toBe(REFUSED);
    expect(outcome(await steward.execute(as('U0STRANGER'), { kind: 'change.show', change: 'CHG-1' }))).toBe(REFUSED);
    expect(outcome(await steward.execute(as('U0STRANGER'), { kind: 'patch.list' }))).toBe(REFUSED);
    expect(outcome(await steward.execute(as('U0ALICE'), { kind: 'oncall.show' }))).toBe('ok');
    // The list replaces the default: timelines were left out here.
    expect(outcome(await steward.execute(as('U0STRANGER'), { kind: 'incident.timeline', incident: 'INC-1' }))).not.toBe(
      REFUSED,
    );

    const all = await stewardWith('access:\n  membersOnly: all\n');
    for (const cmd of [{ kind: 'service.list' }, { kind: 'incident.list' }, { kind: 'change.list' }])
      expect(outcome(await all.execute(as('U0STRANGER'), cmd)), cmd.kind).toBe(REFUSED);
    expect(outcome(await all.execute(as('U0ALICE'), { kind: 'service.list' }))).toBe('ok');
  });

  it('refuses a policy naming an unknown operation, or one that is not a read', () => {
    expect(() => parsePolicy(POLICY + 'access:\n  membersOnly: [patch.lsit]\n')).toThrow(
      /access\.membersOnly\[0\]: unknown operation "patch\.lsit"/,
    );
    expect(() => parsePolicy(POLICY + 'access:\n  membersOnly: [incident.declare]\n')).toThrow(
      /access\.membersOnly\[0\]: "incident\.declare" is not a read/,
    );
    expect(() => parsePolicy(POLICY + 'access:\n  membersOnly: [Patch List]\n')).toThrow(
      /access\.membersOnly\.0|access\.membersOnly\[0\]/,
    );
  });
});
