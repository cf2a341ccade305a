// The approvals kernel: which rule applies, who may approve, when a request is approved or rejected, the card tally.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import type { ApproveEntry } from '../../src/core/policy/schema.js';
import { Directory } from '../../src/core/directory.js';
import { matchRule, type RuleSubject } from '../../src/core/approvals/rules.js';
import { evaluateQuorum, type Decision, type QuorumInput } from '../../src/core/approvals/quorum.js';

const { policy } = parsePolicy(
  [
    'people:',
    '  - { id: req, name: Rita Requester }',
    '  - { id: alice, name: Alice Example }',
    '  - { id: bob, name: Bob Builder }',
    '  - { id: carol, name: Carol Danvers }',
    '  - { id: dave, name: Dave Ops }',
    '  - { id: erin, name: Erin Sec }',
    '  - { id: frank, name: Frank Outsider }',
    'groups:',
    '  - { id: cab, name: Change Advisory Board, members: [carol, dave, alice] }',
    '  - { id: cab-with-req, name: CAB, members: [req, carol, dave] }',
    '  - { id: pair, name: Pair, members: [alice, carol] }',
    '  - { id: wide, name: Wide, members: [alice, dave, erin] }',
    'teams:',
    '  - { id: payments, name: Payments, members: [alice, bob, req] }',
    '  - { id: empty, name: Empty }',
    'services:',
    '  - { id: payments-api, name: Payments API, team: payments, tier: 1, owners: [alice] }',
    '  - { id: solo, name: Solo, team: payments, tier: 3, owners: [req] }',
    '  - { id: orphan, name: Orphan, team: empty, tier: 4 }',
    'changes:',
    '  rules:',
    '    - { match: { kind: standard }, approve: [] }',
    '    - { match: { kind: normal, risk: high }, approve: [{ group: cab, count: 2 }, { owners: 1 }] }',
    '    - { match: { kind: emergency }, approve: [{ group: cab, count: 1 }], retrospective: true }',
    '    - { match: { tier: 3 }, approve: [{ team: 2 }] }',
    '    - { match: { service: payments-api, team: payments }, approve: [{ person: carol }] }',
    '    - { match: {}, approve: [{ owners: 1 }] }',
  ].join('\n'),
  'org.yaml',
);
const directory = new Directory(policy, 'test');

const t0 = Date.parse('2026-06-01T10:00:00Z');
const approve = (personId: string, minute: number): Decision => ({
  personId,
  decision: 'approve',
  at: new Date(t0 + minute * 60_000),
});
const reject = (personId: string, minute: number): Decision => ({
  personId,
  decision: 'reject',
  at: new Date(t0 + minute * 60_000),
});
const quorum = (requirements: ApproveEntry[], decisions: Decision[], over: Partial<QuorumInput> = {}) =>
  evaluateQuorum({
    requirements,
    directory,
    requester: 'req',
    service: 'payments-api',
    team: 'payments',
    decisions,
    ...over,
  });

const CAB2_OWNER: ApproveEntry[] = [{ group: 'cab', count: 2 }, { owners: 1 }];

describe('matchRule', () => {
  const subject = (over: Partial<RuleSubject>): RuleSubject => ({
    kind: 'normal',
    risk: 'low',
    service: 'orphan',
    team: 'empty',
    tier: 4,
    ...over,
  });
  const ruleOf = (s: RuleSubject) => policy.changes.rules.indexOf(matchRule(policy.changes.rules, s)!);

  it('the first rule whose every match key equals the change wins', () => {
    expect(ruleOf(subject({ kind: 'standard', risk: undefined }))).toBe(0);
    expect(ruleOf(subject({ risk: 'high' }))).toBe(1);
    expect(ruleOf(subject({ risk: 'high', tier: 3, service: 'solo', team: 'payments' }))).toBe(1);
    expect(ruleOf(subject({ kind: 'emergency', risk: undefined }))).toBe(2);
    expect(ruleOf(subject({ tier: 3 }))).toBe(3);
    expect(ruleOf(subject({ service: 'payments-api', team: 'payments', tier: 1 }))).toBe(4);
    // service matches but team does not: every key must equal.
    expect(ruleOf(subject({ service: 'payments-api', team: 'empty', tier: 1 }))).toBe(5);
    expect(ruleOf(subject({ risk: 'medium' }))).toBe(5);
  });

  it('a rule with risk never matches a change without one; no rule gives undefined', () => {
    const rules = [{ match: { risk: 'high' as const } }, { match: { kind: 'standard' as const } }];
    expect(matchRule(rules, subject({ kind: 'emergency', risk: undefined }))).toBeUndefined();
    expect(matchRule(rules, subject({ kind: 'standard', risk: undefined }))).toBe(rules[1]);
  });
});

describe('evaluateQuorum', () => {
  it('2 of the CAB + 1 owner, with the owner on the CAB: one approval counts for one entry', () => {
    const a = quorum(CAB2_OWNER, [approve('alice', 1)]);
    expect(a.state).toBe('pending');
    // Alice is counted where she is scarcest: the only owner.
    expect(a.tally).toBe('0 of 2 from Change Advisory Board · owners ✓');
    const b = quorum(CAB2_OWNER, [approve('alice', 1), approve('carol', 2)]);
    expect(b.state).toBe('pending');
    expect(b.tally).toBe('1 of 2 from Change Advisory Board · owners ✓');
    expect(b.entries.map((e) => e.counted)).toEqual([['carol'], ['alice']]);
    const c = quorum(CAB2_OWNER, [approve('alice', 1), approve('carol', 2), approve('dave', 3)]);
    expect(c.state).toBe('approved');
    expect(c.approval).toEqual(approve('dave', 3));
    expect(c.tally).toBe('2 of 2 from Change Advisory Board ✓ · owners ✓');
    expect(c.unmeetable).toEqual([]);
  });

  it('the order of approvals never matters: an approval counted for one entry moves when another needs it', () => {
    const cabFirst = quorum(CAB2_OWNER, [approve('carol', 1), approve('dave', 2)]);
    expect(cabFirst.tally).toBe('2 of 2 from Change Advisory Board ✓ · owners 0 of 1');
    expect(quorum(CAB2_OWNER, [approve('carol', 1), approve('dave', 2), approve('alice', 3)]).state).toBe('approved');
    // pair = [alice, carol], wide = [alice, dave, erin]: Alice goes to the scarcer "pair" first, then moves to "wide" for Carol.
    const moved = quorum(
      [
        { group: 'pair', count: 1 },
        { group: 'wide', count: 1 },
      ],
      [approve('alice', 1), approve('carol', 2)],
    );
    expect(moved.state).toBe('approved');
    expect(moved.entries.map((e) => e.counted)).toEqual([['carol'], ['alice']]);
    expect(
      quorum(
        [
          { group: 'pair', count: 1 },
          { group: 'wide', count: 1 },
        ],
        [approve('alice', 1)],
      ).state,
    ).toBe('pending');
  });

  it('never counts the requester, even as a CAB member, and says why they may not decide', () => {
    const q = quorum([{ group: 'cab-with-req', count: 2 }], [approve('req', 1), approve('carol', 2)]);
    expect(q.state).toBe('pending');
    expect(q.tally).toBe('1 of 2 from CAB');
    expect(q.entries[0]!.eligible).toEqual(['carol', 'dave']);
    expect(q.approvers).toEqual(['carol', 'dave']);
    expect(q.mayDecide('req')).toEqual({
      ok: false,
      code: 'requester',
      reason: 'you requested this change: someone else must decide',
    });
    expect(q.mayDecide('dave')).toEqual({ ok: true });
    expect(q.mayDecide('carol')).toEqual({ ok: false, code: 'already-decided', reason: 'already decided' });
    expect(q.mayDecide('frank')).toEqual({
      ok: false,
      code: 'not-approver',
      reason: 'not an approver for this change',
    });
    expect(
      quorum([{ group: 'cab-with-req', count: 2 }], [approve('req', 1), approve('carol', 2), approve('dave', 3)]).state,
    ).toBe('approved');
    // A requester's rejection is not a veto either.
    expect(quorum([{ group: 'cab-with-req', count: 2 }], [reject('req', 1)]).state).toBe('pending');
  });

  it('a double click counts once', () => {
    const q = quorum(CAB2_OWNER, [approve('carol', 1), approve('carol', 1), approve('carol', 2)]);
    expect(q.tally).toBe('1 of 2 from Change Advisory Board · owners 0 of 1');
    expect(q.entries[0]!.counted).toEqual(['carol']);
  });

  it('the first rejection by an approver rejects; outsiders do not count; later decisions change nothing', () => {
    const r = quorum(CAB2_OWNER, [
      approve('carol', 1),
      reject('frank', 2),
      reject('dave', 3),
      approve('alice', 4),
      approve('erin', 5),
    ]);
    expect(r.state).toBe('rejected');
    expect(r.rejection).toEqual(reject('dave', 3));
    expect(r.tally).toBe('1 of 2 from Change Advisory Board · owners 0 of 1');
    expect(r.waitingOn).toEqual([]);
    expect(r.mayDecide('dave')).toMatchObject({ ok: false, code: 'already-decided' });
    expect(quorum(CAB2_OWNER, [reject('dave', 3)]).mayDecide('carol')).toEqual({
      ok: false,
      code: 'closed',
      reason: 'this change is already rejected',
    });
    // Approve, then reject (a race past mayDecide): the later decision is the person's.
    expect(quorum(CAB2_OWNER, [approve('carol', 1), reject('carol', 2)]).state).toBe('rejected');
    // Decisions are read in time order, whatever the order of the list.
    const late = quorum(CAB2_OWNER, [reject('carol', 9), approve('alice', 1), approve('carol', 2), approve('dave', 3)]);
    expect(late.state).toBe('approved');
    expect(late.rejection).toBeUndefined();
  });

  it('reports entries that can never be met, with the reason', () => {
    expect(quorum([{ owners: 1 }], [], { service: 'solo' }).unmeetable).toEqual([
      'the only owner of Solo is the requester',
    ]);
    expect(quorum([{ owners: 1 }], [], { service: 'orphan', team: 'empty' }).unmeetable).toEqual([
      'Orphan has no owners',
    ]);
    expect(quorum([{ owners: 2 }], []).unmeetable).toEqual([
      'Payments API has 1 owner besides the requester but 2 are needed',
    ]);
    const cab = quorum([{ group: 'cab-with-req', count: 3 }], []);
    expect(cab.unmeetable).toEqual(['CAB has 2 members who may approve (the requester cannot) but 3 are needed']);
    expect(cab.tally).toBe('0 of 3 from CAB (cannot be met)');
    expect(quorum([{ person: 'req' }], []).unmeetable).toEqual(['Rita Requester requested it and cannot approve it']);
    expect(quorum([{ team: 3 }], []).unmeetable).toEqual([
      'team Payments has 2 members besides the requester but 3 are needed',
    ]);
    // Each entry alone can be met, together they need more people than there are.
    const together = quorum([{ group: 'pair', count: 2 }, { owners: 1 }], []);
    expect(together.entries.every((e) => !e.unmeetable)).toBe(true);
    expect(together.unmeetable).toEqual([
      'Pair and owners need 3 different approvers (one approval counts for one entry) but only 2 people can approve them: Alice Example, Carol Danvers',
    ]);
    // The entries competing for the same people are named together (Wide joins through Alice), the others not (Dave).
    const three = quorum([{ person: 'carol' }, { group: 'pair', count: 2 }, { group: 'wide', count: 1 }], [], {
      service: 'orphan',
      team: 'empty',
    });
    expect(three.unmeetable).toEqual([
      'Carol Danvers, Pair and Wide cannot all be met at once (one approval counts for one entry; they may approve: Carol Danvers, Alice Example, Dave Ops, Erin Sec)',
    ]);
    const apart = quorum([{ person: 'carol' }, { group: 'pair', count: 2 }, { person: 'dave' }], []);
    expect(apart.unmeetable).toEqual([
      'Carol Danvers and Pair need 3 different approvers (one approval counts for one entry) but only 2 people can approve them: Carol Danvers, Alice Example',
    ]);
    expect(quorum(CAB2_OWNER, []).unmeetable).toEqual([]);
  });

  it('{ team: 2 } counts two members of the service team', () => {
    const one = quorum([{ team: 2 }], [approve('alice', 1), approve('dave', 2)]);
    expect(one.tally).toBe('team Payments 1 of 2');
    expect(one.approvers).toEqual(['alice', 'bob']);
    expect(one.waitingOn).toEqual(['bob']);
    const two = quorum([{ team: 2 }], [approve('alice', 1), approve('bob', 2)]);
    expect(two.state).toBe('approved');
    expect(two.tally).toBe('team Payments ✓');
  });

  it('{ person } needs that person', () => {
    expect(quorum([{ person: 'carol' }], [approve('dave', 1)]).tally).toBe('Carol Danvers pending');
    const q = quorum([{ person: 'carol' }, { owners: 1 }], [approve('carol', 1), approve('alice', 2)]);
    expect(q.state).toBe('approved');
    expect(q.tally).toBe('Carol Danvers ✓ · owners ✓');
  });

  it('a standard change (approve: []) is approved at once', () => {
    const q = quorum([], []);
    expect(q.state).toBe('approved');
    expect(q.tally).toBe('pre-approved');
    expect(q.approvers).toEqual([]);
    expect(q.unmeetable).toEqual([]);
    expect(q.mayDecide('carol')).toMatchObject({ ok: false, code: 'not-approver' });
  });

  it('notifies every eligible approver once, and names the subject for risk exceptions', () => {
    const q = quorum(CAB2_OWNER, [approve('dave', 1)], { noun: 'exception' });
    expect(q.approvers).toEqual(['carol', 'dave', 'alice']);
    expect(q.waitingOn).toEqual(['carol', 'alice']);
    expect(q.mayDecide('frank')).toEqual({
      ok: false,
      code: 'not-approver',
      reason: 'not an approver for this exception',
    });
    const done = quorum(CAB2_OWNER, [approve('dave', 1), approve('carol', 2), approve('alice', 3)], {
      noun: 'exception',
    });
    expect(done.mayDecide('bob')).toMatchObject({ ok: false, code: 'not-approver' });
    expect(quorum([{ group: 'cab', count: 1 }], [approve('dave', 1)]).mayDecide('carol')).toEqual({
      ok: false,
      code: 'closed',
      reason: 'this change is already approved',
    });
  });
});
