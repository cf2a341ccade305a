// Paging when things go wrong, through the real core and store (SQLite and PostgreSQL) with a clock
// the test moves: a step whose firing keeps throwing backs off (1 s, 2 s, 4 s …) and is set aside
// after STEP_MAX_ATTEMPTS tries, telling the team; and cancelling /oncall overrides.
import { RateLimitedError } from '../../src/core/chat/gateway.js';
import { afterEach, expect, it } from 'vitest';
import type { Policy } from '../../src/core/policy/schema.js';
import { loadPolicyFile } from '../../src/config/policy.js';
import { ConsoleGateway } from '../../src/adapters/console/gateway.js';
import { verifyAuditLog } from '../../src/core/audit/audit.js';
import { type Reply, plain } from '../../src/core/card.js';
import { Directory } from '../../src/core/directory.js';
import type { ChatGateway } from '../../src/core/chat/gateway.js';
import type { Ctx, Invocation } from '../../src/core/context.js';
import type { Outcome } from '../../src/core/errors.js';
import { Identity } from '../../src/core/identity/identity.js';
import { OnCall, type OverrideRef, overrideRef } from '../../src/core/oncall/oncall.js';
import { effectRegistry } from '../../src/core/outbox/effects.js';
import { OutboxRunner } from '../../src/core/outbox/runner.js';
import { pagingEffects } from '../../src/core/paging/effects.js';
import { Escalator, STEP_MAX_ATTEMPTS } from '../../src/core/paging/escalation.js';
import type { DueStep } from '../../src/core/paging/ports.js';
import { PagingService } from '../../src/core/paging/service.js';
import type { Platform } from '../../src/core/ports.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';
import { ManualClock } from '../support/clock.js';

const fixture = new URL('../fixtures/paging.policy.yaml', import.meta.url).pathname;
const as = (user: string): Invocation => ({ platform: 'console', userId: user, requestId: `r-${Math.random()}` });
const title = (r: Outcome<Reply>) => (r.ok ? (r.value.cards[0]?.title ?? '') : `${r.error.code}: ${r.error.message}`);
const fieldsOf = (r: Outcome<Reply>) =>
  r.ok ? (r.value.cards[0]!.fields ?? []).map((f) => `${f.label}: ${plain(f.value)}`) : [];
const T0 = Date.parse('2026-11-23T12:00:00.000Z'); // a Monday; bob holds checkout-primary all week
const H = 3_600_000;

/** The console platform, recording every reply it is asked to show and every edit. */
class Recorder extends ConsoleGateway {
  readonly log: string[] = [];
  readonly shown: { heading: string; reply: Reply }[] = [];
  constructor() {
    super(
      {
        show: (heading, reply) => (
          this.shown.push({ heading, reply }),
          this.log.push(`${heading} :: ${reply.cards[0]?.title}`)
        ),
        note: (l) => this.log.push(l),
        enter: () => {},
      },
      'alice',
    );
  }
  dms(person: string) {
    return this.log.filter((l) => l.startsWith(`[direct message to ${person}`));
  }
  posts(channel: string) {
    return this.log.filter((l) => l.startsWith(`[#${channel}]`));
  }
  /** Edits of copies in these channels are refused once each, as a rate limit would (1 s). */
  readonly refuseEdits = new Set<string>();
  override async edit(channelId: string, messageId: string, reply: Reply) {
    if (this.refuseEdits.delete(channelId)) throw new RateLimitedError('rate limited', 1_000);
    return super.edit(channelId, messageId, reply);
  }
  edits(person: string) {
    return this.log.filter((l) => l.startsWith(`↻ direct message to ${person} `));
  }
  /** Every field of the last reply shown under headings starting with `prefix`, as text. */
  lastFields(prefix: string) {
    const r = this.shown.filter((s) => s.heading.startsWith(prefix)).at(-1);
    return (r?.reply.cards[0]?.fields ?? []).map((f) => `${f.label}: ${plain(f.value)}`);
  }
}

/**
 * The fixture policy with checkout-primary in a time zone that does not exist. The policy loader
 * rejects such a file; a Directory takes the policy as given, and every on-call lookup in that
 * schedule then throws, so firing a level that pages it fails inside its transaction.
 */
function breakSchedule(policy: Policy, opts: { dropTeam?: string } = {}): Policy {
  return {
    ...policy,
    schedules: policy.schedules.map((s) => (s.id === 'checkout-primary' ? { ...s, timezone: 'Mars/Olympus_Mons' } : s)),
    teams: policy.teams.filter((t) => t.id !== opts.dropTeam),
  };
}

await forEachDialect('paging failures', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /**
   * The paging and on-call core as the modules compose it, on a real store, a clock the test moves
   * and the console as the chat platform; the escalation runner and on-call read a directory the
   * test can swap, and report failures to the test.
   */
  async function setup() {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const clock = new ManualClock(T0);
    const policy = loadPolicyFile(fixture);
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const good = new Directory(policy.policy, policy.sha256);
    const view = { dir: good };
    const dir = () => view.dir;
    const gw = new Recorder();
    const gateways = new Map<Platform, ChatGateway>([['console', gw]]);
    const quiet = { warn: () => {}, error: () => {} };
    const outbox = new OutboxRunner({
      store,
      clock,
      holder: 'replica-a',
      handlers: effectRegistry(pagingEffects({ store, clock, dir: () => good, gateways, incidents: () => undefined })),
      log: quiet,
    });
    // Stopped before the store closes, as at shutdown.
    cleanup.push(() => outbox.stop());
    const oncall = new OnCall({ store, clock, dir });
    const failures: { step: DueStep; error: string }[] = [];
    const log = { errors: [] as string[], warnings: [] as string[] };
    /** Passes that fired something (the runner kicks the outbox once per such batch). */
    const batches = { n: 0 };
    const escalator = new Escalator({
      store,
      clock,
      dir,
      oncall: { holdersAt: (tx, ids, at) => oncall.holdersAt(tx.overrides, ids, at) },
      incidents: () => undefined,
      holder: 'replica-a',
      platforms: () => [...gateways.keys()],
      kick: () => void batches.n++,
      log: { error: (_o, m) => log.errors.push(m), warn: (_o, m) => log.warnings.push(m) },
      onStepFailed: (step, error) => failures.push({ step, error }),
      gatherMs: 1_000,
    });
    const paging = new PagingService({
      store,
      clock,
      dir: () => good,
      kick: () => {},
      wake: () => {},
      incidents: () => undefined,
    });
    const identity = new Identity(store, () => good);
    const ctx = async (user: string): Promise<Ctx> => {
      const inv = as(user);
      return { inv, actor: await identity.resolve(inv, clock.now()), now: clock.now() };
    };
    const run = async () => {
      await escalator.pass();
      await outbox.kick();
    };
    const breakIt = (opts?: { dropTeam?: string }) =>
      (view.dir = new Directory(breakSchedule(policy.policy, opts), 'broken'));
    const mend = () => (view.dir = good);
    const steps = (page = 1) => store.transaction(async (tx) => tx.pages.steps((await tx.pages.byNumber(page))!.id));
    const audit = async (action: string) => (await store.auditReader.page(0, 500)).filter((a) => a.action === action);
    const holderAt = (ms: number) =>
      store.transaction((tx) => oncall.holderAt(tx.overrides, 'checkout-primary', new Date(ms)));
    return {
      store,
      gw,
      clock,
      escalator,
      batches,
      outbox,
      oncall,
      paging,
      ctx,
      failures,
      log,
      run,
      breakIt,
      mend,
      steps,
      audit,
      holderAt,
      /** Sets the clock to `ms` (nothing runs on its timers here: the test fires the runner itself). */
      at: async (ms: number) => (await clock.set(ms), ms),
      page: async (user: string, target: string, message: string) => paging.create(await ctx(user), target, message),
      verifyAudit: () => verifyAuditLog(store.auditReader),
    };
  }

  it(`a step whose firing keeps throwing is retried at 1 s, 2 s, 4 s … and set aside after ${STEP_MAX_ATTEMPTS} tries; the team hears the page could not escalate`, async () => {
    const t = await setup();
    t.breakIt();
    expect(title(await t.page('alice', 'checkout', 'Checkout returns 502'))).toBe(
      'PAGE-1 · paging the on-call for Checkout',
    );
    // The first try at T0, then one after each backoff: T0 + 1 s, + 2 s, + 4 s … (each from the failed try).
    const tries = [T0];
    for (let k = 1; k < STEP_MAX_ATTEMPTS; k++) tries.push(tries[k - 1]! + 1000 * 2 ** (k - 1));
    expect(tries.map((x) => (x - T0) / 1000)).toEqual([0, 1, 3, 7, 15, 31, 63, 127]);
    for (let k = 0; k < STEP_MAX_ATTEMPTS - 1; k++) {
      await t.at(tries[k]!);
      await t.run();
      const [s] = await t.steps();
      expect([s!.state, s!.attempts, s!.dueAt.getTime()]).toEqual(['pending', k + 1, tries[k + 1]]);
      expect(s!.lastError).toBe('unknown time zone: "Mars/Olympus_Mons"');
      // A millisecond before the retry is due, nothing is tried: the runner sleeps exactly until then.
      await t.at(tries[k + 1]! - 1);
      expect(await t.escalator.pass()).toBe(1);
      expect((await t.steps())[0]!.attempts).toBe(k + 1);
    }
    expect(t.failures).toEqual([]);
    expect(t.log.warnings).toEqual(Array(STEP_MAX_ATTEMPTS - 1).fill('escalation step failed; will retry'));
    await t.at(tries[STEP_MAX_ATTEMPTS - 1]!);
    await t.run();
    const [s] = await t.steps();
    expect([s!.state, s!.attempts, s!.firedAt?.getTime(), s!.dueAt.getTime()]).toEqual([
      'failed',
      STEP_MAX_ATTEMPTS,
      tries[STEP_MAX_ATTEMPTS - 1],
      tries[STEP_MAX_ATTEMPTS - 1],
    ]);
    expect(t.failures.map((f) => [f.step.id, f.step.seq, f.error])).toEqual([
      [s!.id, 0, 'unknown time zone: "Mars/Olympus_Mons"'],
    ]);
    expect(t.log.errors).toEqual([
      `escalation step set aside after ${STEP_MAX_ATTEMPTS} failed tries; PAGE-1 could not escalate`,
    ]);
    const [entry] = await t.audit('page.step_failed');
    expect([entry!.subject, entry!.at.getTime(), JSON.parse(entry!.after!)]).toEqual([
      'page:PAGE-1',
      tries[STEP_MAX_ATTEMPTS - 1],
      { step: 0, round: 0, level: 0, attempts: STEP_MAX_ATTEMPTS, error: 'unknown time zone: "Mars/Olympus_Mons"' },
    ]);
    // The service team's channel is told, once; nobody was paged.
    expect(t.gw.posts('payments')).toEqual([expect.stringMatching(/ :: ⚠️ PAGE-1 could not escalate · Checkout$/)]);
    expect(t.gw.lastFields('[#payments]')).toContain(
      'Could not escalate: level 1 of 2, round 1 of 2 failed 8 times; Steward gave up at 2026-11-23T12:02:07.000Z: reach the on-call another way. Last error: unknown time zone: "Mars/Olympus_Mons"',
    );
    expect(
      t.gw.shown.find((x) => x.heading.startsWith('[#payments]'))!.reply.cards[0]!.buttons!.map((b) => b.label),
    ).toEqual(['Acknowledge']);
    expect(t.gw.dms('bob')).toEqual([]);
    // Set aside for good: later passes try nothing and tell nobody again.
    await t.at(tries[STEP_MAX_ATTEMPTS - 1]! + 10 * 60_000);
    await t.run();
    expect((await t.steps()).map((x) => [x.state, x.attempts])).toEqual([['failed', STEP_MAX_ATTEMPTS]]);
    expect(t.failures).toHaveLength(1);
    expect(t.gw.posts('payments')).toHaveLength(1);
    expect((await t.verifyAudit()).ok).toBe(true);
  });

  it('under load the runner gathers: pages opened while a pass that fired is recent go out together in the next batch', async () => {
    const t = await setup();
    t.escalator.start();
    cleanup.push(() => t.escalator.stop());
    // The first page's step fires at once; the next ones are opened within the gathering interval.
    for (let i = 0; i < 8; i++) {
      expect((await t.page('alice', 'checkout', `outage ${i}`)).ok).toBe(true);
      t.escalator.wake();
    }
    const due = () => t.store.transaction((tx) => tx.pages.pendingSteps(new Date(T0), 100));
    for (const deadline = Date.now() + 10_000; (await due()).length && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 20));
    expect(await due()).toEqual([]);
    await t.escalator.stop();
    expect(t.batches.n).toBe(2);
  });

  it('a step that fails twice and then works fires once, at its retry instant, and the page walks on as usual', async () => {
    const t = await setup();
    t.breakIt();
    await t.page('alice', 'checkout', 'x');
    await t.run(); // T0: fails, due T0 + 1 s
    await t.at(T0 + 1000);
    await t.run(); // fails, due T0 + 3 s
    expect((await t.steps())[0]).toMatchObject({ state: 'pending', attempts: 2, dueAt: new Date(T0 + 3000) });
    t.mend();
    await t.at(T0 + 3000);
    await t.run();
    const [s0, s1] = await t.steps();
    expect([s0!.state, s0!.firedAt?.getTime(), s0!.attempts]).toEqual(['fired', T0 + 3000, 2]);
    expect(s0!.targets).toEqual({
      people: [{ person: 'bob', via: 'schedule:checkout-primary' }],
      teams: [],
      missed: [],
    });
    expect(t.gw.dms('bob')).toHaveLength(1);
    expect(await t.escalator.fire({ ...s0!, state: 'pending' })).toBe(false);
    // The next level waits its full timeout from the successful firing.
    expect([s1!.state, s1!.dueAt.getTime(), s1!.attempts]).toEqual(['pending', T0 + 5000, 0]);
    await t.at(T0 + 5000);
    await t.run();
    await t.run();
    expect(t.gw.dms('carol')).toHaveLength(1);
    expect(t.gw.dms('bob')).toHaveLength(1);
    expect(t.gw.posts('payments')).toEqual([]);
    expect(t.failures).toEqual([]);
    expect(t.log.errors).toEqual([]);
    expect(await t.audit('page.step_failed')).toEqual([]);
    expect((await t.audit('page.escalated')).length).toBe(2);
  });

  it('a copy whose edit is rate limited is edited when the platform allows; the copies that took the edit are not asked again', async () => {
    const t = await setup();
    await t.page('alice', 'checkout', 'x');
    await t.run(); // T0: bob
    await t.at(T0 + 2000);
    await t.run(); // level 2: carol, and bob's copy edited
    expect(t.gw.dms('carol')).toHaveLength(1);
    const before = { bob: t.gw.edits('bob').length, carol: t.gw.edits('carol').length };
    t.gw.refuseEdits.add('@carol');
    expect((await t.paging.ack(await t.ctx('bob'), 1)).ok).toBe(true);
    await t.outbox.kick();
    expect(t.gw.edits('bob').length).toBe(before.bob + 1);
    expect(t.gw.edits('carol').length).toBe(before.carol);
    await t.at(T0 + 3000);
    await t.outbox.kick();
    expect(t.gw.edits('carol').length).toBe(before.carol + 1);
    expect(t.gw.edits('carol').at(-1)).toContain('acknowledged');
    expect(t.gw.edits('bob').length).toBe(before.bob + 1);
  });

  it('a later level set aside: every copy already sent says so; without a team channel whoever paged is told; acknowledging still works', async () => {
    const t = await setup();
    await t.page('alice', 'checkout', 'x');
    await t.run(); // bob, level 1
    await t.at(T0 + 2000);
    await t.run(); // carol, level 2
    // Round 2 pages the schedule again, which now throws; and the team is no longer in the policy.
    t.breakIt({ dropTeam: 'payments' });
    let due = T0 + 4000;
    for (let k = 1; k <= STEP_MAX_ATTEMPTS; k++) {
      await t.at(due);
      await t.run();
      due += 1000 * 2 ** (k - 1);
    }
    const s = await t.steps();
    expect(s.map((x) => [x.seq, x.state, x.attempts])).toEqual([
      [0, 'fired', 0],
      [1, 'fired', 0],
      [2, 'failed', STEP_MAX_ATTEMPTS],
    ]);
    expect(t.failures.map((f) => f.step.seq)).toEqual([2]);
    expect(t.gw.posts('payments')).toEqual([]);
    expect(t.gw.dms('alice')).toEqual([expect.stringMatching(/ :: ⚠️ PAGE-1 could not escalate · Checkout$/)]);
    expect(t.gw.lastFields('[direct message to alice')).toContainEqual(
      expect.stringMatching(/^Could not escalate: level 1 of 2, round 2 of 2 failed 8 times; Steward gave up at /),
    );
    const lastEdit = (person: string) => t.gw.log.filter((l) => l.startsWith(`↻ direct message to ${person} `)).at(-1);
    expect(lastEdit('bob')).toBe('↻ direct message to bob message 1 updated: ⚠️ PAGE-1 could not escalate · Checkout');
    expect(lastEdit('carol')).toBe(
      '↻ direct message to carol message 2 updated: ⚠️ PAGE-1 could not escalate · Checkout',
    );
    expect(title(await t.paging.ack(await t.ctx('bob'), 1))).toBe('You acknowledged PAGE-1');
    await t.outbox.kick();
    expect(
      t.gw.log
        .filter((l) => l.startsWith('↻'))
        .slice(-3)
        .map((l) => l.split(': ').at(-1)),
    ).toEqual(Array(3).fill('✅ PAGE-1 acknowledged by Bob Builder · Checkout'));
  });

  it('two workers failing the same try at once record it once', async () => {
    const t = await setup();
    t.breakIt();
    await t.page('alice', 'checkout', 'x');
    await Promise.all([t.escalator.pass(), t.escalator.pass()]);
    const [s] = await t.steps();
    expect([s!.state, s!.attempts, s!.dueAt.getTime()]).toEqual(['pending', 1, T0 + 1000]);
    expect(t.log.warnings).toEqual(['escalation step failed; will retry']);
  });

  // ---- /oncall override cancel ----

  it('cancel by id: the person who covers may; others may not; the cover stops counting at the cancel instant; twice says so', async () => {
    const { oncall, ctx, store, at, audit, holderAt, verifyAudit } = await setup();
    const cancel = async (user: string, ref: OverrideRef) => oncall.cancelOverride(await ctx(user), ref);
    const o = await oncall.override(await ctx('bob'), '@alice', '2h', undefined);
    expect(o.ok && plain(o.value.cards[0]!.context!)).toBe(
      'override #1 · set by Bob Builder · recorded in the audit log',
    );
    const show = await oncall.show(await ctx('bob'), 'checkout-primary');
    expect(fieldsOf(show)[2]).toBe(
      'Overrides: @Alice Example 2026-11-23T12:00:00.000Z → 2026-11-23T14:00:00.000Z · by @Bob Builder · #1',
    );
    expect(await holderAt(T0 + 30 * 60_000)).toBe('alice');
    const cancelAt = await at(T0 + 30 * 60_000);
    expect(title(await cancel('dave', { id: 1 }))).toBe(
      'AUTH.FORBIDDEN: Only Alice Example (who covers) or Bob Builder (who set it up) may cancel override #1.',
    );
    expect(title(await cancel('alice', overrideRef('#99')))).toBe('OVERRIDE.NOT_FOUND: There is no override #99.');
    const r = await cancel('alice', overrideRef('#1'));
    expect(title(r)).toBe('Override #1 cancelled: Bob Builder is on call for checkout-primary');
    expect(fieldsOf(r)).toEqual(['On call now: @Bob Builder (no change in the next 8 weeks)']);
    expect(r.ok && plain(r.value.cards[0]!.body!)).toBe(
      '@Alice Example no longer covers checkout-primary (the cover ran until 2026-11-23T14:00:00.000Z).',
    );
    // The override counted up to the instant before the cancel, and not from the cancel on.
    expect(await holderAt(cancelAt - 1)).toBe('alice');
    expect(await holderAt(cancelAt)).toBe('bob');
    expect(await holderAt(T0 + H + 30 * 60_000)).toBe('bob');
    expect(await store.transaction((tx) => tx.overrides.byId(1))).toMatchObject({
      cancelledAt: new Date(cancelAt),
      cancelledBy: 'alice',
      endsAt: new Date(T0 + 2 * H),
    });
    const [entry] = await audit('oncall.override_cancelled');
    expect([entry!.subject, entry!.at.getTime(), JSON.parse(entry!.after!)]).toEqual([
      'schedule:checkout-primary',
      cancelAt,
      { cancelledBy: 'alice', at: '2026-11-23T12:30:00.000Z', onCall: 'bob' },
    ]);
    expect(JSON.parse(entry!.before!)).toEqual({
      override: 1,
      person: 'alice',
      start: '2026-11-23T12:00:00.000Z',
      end: '2026-11-23T14:00:00.000Z',
    });
    await at(cancelAt + 60_000);
    expect(title(await cancel('bob', { id: 1 }))).toBe(
      'ONCALL.UNCHANGED: Override #1 was already cancelled by Alice Example at 2026-11-23 12:30 UTC. Nothing changed.',
    );
    // /oncall no longer lists it, and pages reach bob again.
    const after = await oncall.show(await ctx('bob'), 'checkout-primary');
    expect(after.ok && after.value.cards[0]!.fields!.map((f) => f.label)).toEqual(['Now', 'Next']);
    expect((await audit('oncall.override_cancelled')).length).toBe(1);
    expect((await verifyAudit()).ok).toBe(true);
  });

  it('cancel by schedule: the caller’s own override there (who created or covers); ambiguous and foreign ones get clear errors; ended ones say so', async () => {
    const { oncall, ctx, store, at, holderAt } = await setup();
    const cancel = async (user: string, ref: OverrideRef) => oncall.cancelOverride(await ctx(user), ref);
    await oncall.override(await ctx('bob'), '@alice', '1h', undefined); // #1
    await oncall.override(await ctx('bob'), '@carol', '2h', 'checkout-primary'); // #2
    // A cover planned for tomorrow (written through the store, as an override from another replica would be).
    await store.transaction((tx) =>
      tx.overrides.create({
        scheduleId: 'checkout-primary',
        personId: 'dave',
        startsAt: new Date(T0 + 24 * H),
        endsAt: new Date(T0 + 26 * H),
        covers: 'bob',
        createdBy: 'dave',
        createdAt: new Date(T0),
      }),
    ); // #3
    expect(title(await cancel('bob', overrideRef('checkout-primary')))).toBe(
      'COMMAND.INVALID: You have 2 overrides on checkout-primary: #1 Alice Example until 2026-11-23 13:00 UTC; #2 Carol Danvers until 2026-11-23 14:00 UTC. Which one?',
    );
    const none = await cancel('alice', { schedule: 'edge-primary' });
    expect(none.ok ? '' : [none.error.code, none.error.message, none.error.hint]).toEqual([
      'OVERRIDE.NOT_FOUND',
      'You have no current or coming override on edge-primary.',
      'See /oncall for the overrides of each schedule.',
    ]);
    expect(title(await cancel('alice', { schedule: 'nosuch' }))).toMatch(/^SCHEDULE.NOT_FOUND/);
    // Carol covers #2 (she did not set it up): it is hers to cancel. Alice, through the service, cancels #1.
    const later = await at(T0 + 10 * 60_000);
    const byCarol = await cancel('carol', { schedule: 'checkout-primary' });
    expect(title(byCarol)).toBe('Override #2 cancelled: Alice Example is on call for checkout-primary');
    expect(fieldsOf(byCarol)).toEqual(['On call now: @Alice Example until 2026-11-23T13:00:00.000Z']);
    expect(await holderAt(later)).toBe('alice');
    expect(title(await cancel('alice', { schedule: 'checkout' }))).toBe(
      'Override #1 cancelled: Bob Builder is on call for checkout-primary',
    );
    const foreign = await cancel('bob', { schedule: 'checkout-primary' });
    expect(foreign.ok ? '' : [foreign.error.code, foreign.error.hint]).toEqual([
      'OVERRIDE.NOT_FOUND',
      'Its overrides: #3 Dave Ops from 2026-11-24 12:00 UTC until 2026-11-24 14:00 UTC. Only who covers or who set one up may cancel it.',
    ]);
    // Dave's coming cover, cancelled before it starts, never counts.
    const future = await cancel('dave', { schedule: 'checkout-primary' });
    expect(future.ok && plain(future.value.cards[0]!.body!)).toBe(
      '@Dave Ops no longer covers checkout-primary from 2026-11-24T12:00:00.000Z until 2026-11-24T14:00:00.000Z.',
    );
    expect(await holderAt(T0 + 25 * H)).toBe('bob');
    // An override that ran its course is past cancelling.
    await oncall.override(await ctx('bob'), '@alice', '1h', undefined); // #4, 12:10 → 13:10
    await at(later + H);
    expect(title(await cancel('bob', { id: 4 }))).toBe(
      'ONCALL.UNCHANGED: Override #4 already ended at 2026-11-23 13:10 UTC; there is nothing to cancel.',
    );
  });
});
