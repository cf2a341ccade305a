// Paging through the real Steward core and store (SQLite and PostgreSQL), with the console as the
// chat platform and a clock the test moves: the escalation walk, the frozen path, races between
// workers, clicks and acknowledgements, restarts, incidents, overrides and daylight saving.
import { STANDARD_MODULES } from '../../src/modules.js';
import { ESCALATION_POLL_MS } from '../../src/core/paging/escalation.js';
import { PAGING_ESCALATOR } from '../../src/core/paging/links.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Reply } from '../../src/core/card.js';
import { plain } from '../../src/core/card.js';
import type { Invocation } from '../../src/core/context.js';
import type { Outcome } from '../../src/core/errors.js';
import { loadPolicyFile } from '../../src/config/policy.js';
import { Steward } from '../../src/core/steward.js';
import { ConsoleGateway } from '../../src/adapters/console/gateway.js';
import { openStore, type OpenedStore } from '../../src/store/index.js';
import type { Store } from '../../src/core/ports.js';
import { forEachDialect } from '../support/databases.js';
import { fixedClock, ManualClock } from '../support/clock.js';
import { until } from '../support/wait.js';

const fixture = new URL('../fixtures/paging.policy.yaml', import.meta.url).pathname;
const as = (user: string, platform: Invocation['platform'] = 'console'): Invocation => ({
  platform,
  userId: user,
  requestId: `r-${Math.random()}`,
});
const title = (r: Outcome<Reply>) => (r.ok ? (r.value.cards[0]?.title ?? '') : `${r.error.code}: ${r.error.message}`);

/** The console platform, recording direct messages, channel posts and edits. */
class Recorder extends ConsoleGateway {
  readonly log: string[] = [];
  constructor() {
    super(
      { show: (h, r) => this.log.push(`${h} :: ${r.cards[0]?.title}`), note: (l) => this.log.push(l), enter: () => {} },
      'alice',
    );
  }
  dms(person: string) {
    return this.log.filter((l) => l.startsWith(`[direct message to ${person}`));
  }
  posts(channel: string) {
    return this.log.filter((l) => l.startsWith(`[#${channel}]`));
  }
}

/** A policy file: the paging fixture with `edit` applied to its text. */
function policyWith(edit: (yaml: string) => string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steward-policy-'));
  const file = path.join(dir, 'policy.yaml');
  writeFileSync(file, edit(readFixture()));
  return loadPolicyFile(file);
}
let fixtureText: string | undefined;
/** Pending steps due at `ms`, earliest first, as the runner sees them. */
async function dueSteps(store: Store, ms: number) {
  return store.transaction((tx) => tx.pages.pendingSteps(new Date(ms), 100));
}

const readFixture = () => (fixtureText ??= readFileSync(fixture, 'utf8'));

await forEachDialect('paging core', ({ dialect, createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(opts: { start?: string; policy?: ReturnType<typeof loadPolicyFile> } = {}) {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const clock = new ManualClock(opts.start ?? '2026-11-23T12:00:00.000Z');
    const open = async (holder: string, policy = opts.policy ?? loadPolicyFile(fixture), shared?: OpenedStore) => {
      const store = shared ?? (await openStore({ url: db.url, migrate: true }));
      if (!shared) cleanup.push(() => store.close());
      const steward = new Steward({ store, clock, policy, modules: STANDARD_MODULES, holder });
      // Stopped before the store closes, as at shutdown: outbox kicks are not awaited by commands,
      // and a query after close would reconnect to a database about to be dropped.
      cleanup.push(() => steward.outbox.stop());
      const gw = new Recorder();
      steward.gateways.set('console', gw);
      return { store, steward, gw };
    };
    const first = await open('replica-a');
    /** Fires every step due now (and the side effects), as the runner does. */
    const run = async (replica: { steward: Steward; store: Store } = first) => {
      for (let i = 0; i < 20; i++) {
        await replica.steward.part(PAGING_ESCALATOR).pass();
        await replica.steward.outbox.kick();
        const due = await dueSteps(replica.store, clock.now().getTime());
        if (!due.length) return;
      }
    };
    return { ...first, open, run, clock, advance: (ms: number) => clock.advance(ms) };
  }

  const steps = (store: Store, page = 1) =>
    store.transaction(async (tx) => tx.pages.steps((await tx.pages.byNumber(page))!.id));

  it('a page walks level 1 → level 2 → repeat → team channel, each step once, at its due instant', async () => {
    const { steward, gw, run, advance, store } = await setup();
    const r = await steward.execute(as('alice'), {
      kind: 'page.create',
      target: 'checkout',
      message: 'Checkout returns 502',
    });
    expect(title(r)).toBe('PAGE-1 · paging the on-call for Checkout');
    await run();
    expect(gw.dms('bob')).toHaveLength(1);
    expect(gw.dms('carol')).toHaveLength(0);
    await advance(1999);
    await run();
    expect(gw.dms('carol')).toHaveLength(0);
    await advance(1);
    await run();
    expect(gw.dms('carol')).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      await advance(2000);
      await run();
    }
    expect(gw.dms('bob')).toHaveLength(2);
    expect(gw.dms('carol')).toHaveLength(2);
    expect(gw.posts('payments')).toEqual([expect.stringContaining('nobody acknowledged')]);
    const s = await steps(store);
    expect(s.map((x) => [x.seq, x.kind, x.state, x.round, x.level])).toEqual([
      [0, 'notify', 'fired', 0, 0],
      [1, 'notify', 'fired', 0, 1],
      [2, 'notify', 'fired', 1, 0],
      [3, 'notify', 'fired', 1, 1],
      [4, 'exhausted', 'fired', 1, -1],
    ]);
    // Each step fired exactly at its due instant (the clock only moved in whole steps).
    expect(s.map((x) => x.firedAt!.getTime() - x.dueAt.getTime())).toEqual([0, 0, 0, 0, 0]);
    expect(s[0]!.targets).toEqual({
      people: [{ person: 'bob', via: 'schedule:checkout-primary' }],
      teams: [],
      missed: [],
    });
    // Later runs find nothing more to do; every message now reads "nobody acknowledged".
    await advance(60_000);
    await run();
    expect(gw.dms('bob')).toHaveLength(2);
    const edits = gw.log.filter((l) => l.startsWith('↻'));
    expect(edits.at(-1)).toContain('nobody acknowledged');
    const audit = await store.auditReader.page(0, 100);
    expect(audit.filter((a) => a.subject === 'page:PAGE-1').map((a) => a.action)).toEqual([
      'page.created',
      'page.escalated',
      'page.escalated',
      'page.escalated',
      'page.escalated',
      'page.exhausted',
    ]);
    expect((await steward.verifyAudit()).ok).toBe(true);
  });

  it('the running escalator waits through the clock: each step fires when the clock reaches its due instant, not a millisecond before', async () => {
    const { steward, gw, clock, store } = await setup();
    steward.start();
    cleanup.push(() => steward.stop());
    const t0 = clock.now().getTime();
    await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'Checkout returns 502' });
    // Level 1 fires at once; then the runner waits on the clock for its next poll, and nothing runs until the clock moves.
    await until('bob paged and the runner waiting', () => gw.dms('bob').length === 1 && clock.pending().length === 1);
    expect(clock.pending()).toEqual([new Date(t0 + ESCALATION_POLL_MS)]);
    await clock.advance(1999);
    expect((await steps(store)).map((x) => x.state)).toEqual(['fired', 'pending']);
    await clock.advance(1);
    expect((await steps(store)).map((x) => [x.state, x.firedAt && x.firedAt.getTime() - t0])).toEqual([
      ['fired', 0],
      ['fired', 2000],
      ['pending', null],
    ]);
    await until('carol paged', () => gw.dms('carol').length === 1);
    // Round 2 and the team channel, each at its instant.
    await clock.advance(6000);
    const s = await steps(store);
    expect(s.map((x) => [x.seq, x.kind, x.state, x.firedAt!.getTime() - t0])).toEqual([
      [0, 'notify', 'fired', 0],
      [1, 'notify', 'fired', 2000],
      [2, 'notify', 'fired', 4000],
      [3, 'notify', 'fired', 6000],
      [4, 'exhausted', 'fired', 8000],
    ]);
    await until('the team channel told', () => gw.posts('payments').length === 1);
    // A minute later nothing more was sent; the runner still polls on the clock.
    await clock.advance(60_000);
    await steward.outbox.kick();
    expect([gw.dms('bob').length, gw.dms('carol').length, gw.posts('payments').length]).toEqual([2, 2, 1]);
    expect(clock.pending()).toEqual([new Date(t0 + 68_000 + ESCALATION_POLL_MS)]);
  });

  it('the escalation path is frozen into the page: a policy edit does not change a running page', async () => {
    const { steward, run, advance, open, store } = await setup();
    await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'db down' });
    await run();
    // The policy now waits an hour at level 1 and pages dave at level 2; a new replica runs with it.
    const edited = policyWith((y) =>
      y
        .replace(/ackTimeout: 2s/g, 'ackTimeout: 1h')
        .replace('notify: [{ person: carol }]', 'notify: [{ person: dave }]'),
    );
    const b = await open('replica-b', edited);
    await advance(2000);
    await run(b);
    expect(b.gw.dms('carol')).toHaveLength(1);
    expect(b.gw.dms('dave')).toHaveLength(0);
    // A page started now uses the new path.
    await b.steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'again' });
    await run(b);
    const s2 = await steps(store, 2);
    expect(s2.find((x) => x.seq === 1)!.dueAt.getTime() - s2[0]!.firedAt!.getTime()).toBe(3_600_000);
  });

  it('two workers racing for the same due steps fire each exactly once', async () => {
    const { steward, open, advance, store, clock } = await setup();
    // PostgreSQL: a second replica with its own connection pool. SQLite serves one process, whose
    // single connection both workers share (a second connection would block this process's event loop).
    const b = await open('replica-b', undefined, store.dialect === 'sqlite' ? store : undefined);
    for (let i = 0; i < 6; i++)
      await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: `p${i}` });
    for (let round = 0; round < 5; round++) {
      const due = await dueSteps(store, clock.now().getTime());
      // Both replicas try every due step at once, twice over.
      const results = await Promise.all(
        due.flatMap((s) => [
          steward.part(PAGING_ESCALATOR).fire(s),
          b.steward.part(PAGING_ESCALATOR).fire(s),
          steward.part(PAGING_ESCALATOR).fire(s),
          b.steward.part(PAGING_ESCALATOR).fire(s),
        ]),
      );
      expect(results.filter(Boolean)).toHaveLength(due.length);
      await advance(2000);
    }
    for (let n = 1; n <= 6; n++)
      expect((await steps(store, n)).map((x) => x.state)).toEqual(['fired', 'fired', 'fired', 'fired', 'fired']);
  });

  it('acknowledging stops the escalation and edits every copy; double, late and foreign clicks get clear answers', async () => {
    const { steward, gw, run, advance, store } = await setup();
    await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'db down' });
    await run();
    await advance(2000);
    await run(); // carol notified at level 2
    expect(title(await steward.execute(as('dave'), { kind: 'page.ack', page: 1 }))).toMatch(
      /^AUTH.FORBIDDEN: Only the people it notified or its service team may acknowledge PAGE-1/,
    );
    expect(title(await steward.execute(as('U0NOBODY', 'slack'), { kind: 'page.ack', page: 1 }))).toMatch(
      /^AUTH.UNKNOWN_USER/,
    );
    const [x, y] = await Promise.all([
      steward.execute(as('bob'), { kind: 'page.ack', page: 1 }),
      steward.execute(as('carol'), { kind: 'page.ack', page: 1 }),
    ]);
    const answers = [title(x), title(y)].sort();
    expect(answers.filter((t) => t.startsWith('You acknowledged PAGE-1'))).toHaveLength(1);
    expect(
      answers.filter((t) => /^PAGE-1 was already acknowledged by (Bob Builder|Carol Danvers)$/.test(t)),
    ).toHaveLength(1);
    const page = await store.transaction((tx) => tx.pages.byNumber(1));
    expect(page!.status).toBe('acknowledged');
    expect(title(await steward.execute(as(page!.ackBy!), { kind: 'page.ack', page: 1 }))).toBe(
      'You already acknowledged PAGE-1',
    );
    await run();
    // Every message about the page (bob's and carol's) now says who acknowledged.
    const ackName = page!.ackBy === 'bob' ? 'Bob Builder' : 'Carol Danvers';
    expect(gw.log.filter((l) => l.startsWith('↻') && l.includes(`acknowledged by ${ackName}`))).toHaveLength(2);
    await advance(60_000);
    await run();
    expect(gw.dms('bob')).toHaveLength(1);
    expect((await steps(store)).map((s) => s.state)).toEqual(['fired', 'fired', 'cancelled']);
    expect(title(await steward.execute(as('bob'), { kind: 'page.escalate', page: 1, step: 1 }))).toMatch(
      /already acknowledged/,
    );
    expect(title(await steward.execute(as('bob'), { kind: 'page.resolve', page: 1 }))).toBe('You resolved PAGE-1');
    expect(title(await steward.execute(as('bob'), { kind: 'page.ack', page: 1 }))).toBe('PAGE-1 is already resolved');
    expect(title(await steward.execute(as('alice'), { kind: 'page.ack', page: 99 }))).toMatch(/^PAGE.NOT_FOUND/);
  });

  it('an acknowledgement racing a firing step leaves no step pending and nothing fired after it', async () => {
    const { steward, run, advance, store, clock } = await setup();
    await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'x' });
    await run();
    await advance(2000);
    const [due] = await dueSteps(store, clock.now().getTime());
    await Promise.all([
      steward.part(PAGING_ESCALATOR).fire(due!),
      steward.execute(as('bob'), { kind: 'page.ack', page: 1 }),
    ]);
    const s = await steps(store);
    expect(s.filter((x) => x.state === 'pending')).toEqual([]);
    expect((await store.transaction((tx) => tx.pages.byNumber(1)))!.status).toBe('acknowledged');
    await advance(10_000);
    await run();
    expect((await steps(store)).filter((x) => x.state === 'fired').length).toBeLessThanOrEqual(2);
  });

  // SQLite has one connection: the runner's poll queues behind an open transaction. (PostgreSQL
  // gives the poll a connection of its own, so it never waits like this.)
  if (dialect === 'sqlite') {
    it('a poll that waited for the database fires the steps that fell due while it waited', async () => {
      const { steward, gw, run, advance, store } = await setup();
      await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'x' });
      await run();
      // Level 2 is due in 2 s; the poll starts 100 ms before that, behind a transaction that holds
      // the connection for 300 ms of clock time.
      await advance(1900);
      let release!: () => void;
      let started!: () => void;
      const holding = new Promise<void>((r) => (started = r));
      const held = store.transaction(() => new Promise<void>((r) => ((release = r), started())));
      await holding;
      const poll = steward.part(PAGING_ESCALATOR).pass();
      await advance(300);
      release();
      await held;
      await poll;
      const level2 = (await steps(store)).find((x) => x.seq === 1)!;
      expect(level2.state).toBe('fired');
      expect(level2.firedAt!.getTime() - level2.dueAt.getTime()).toBe(200);
      await steward.outbox.kick();
      expect(gw.dms('carol')).toHaveLength(1);
    });
  }

  it('escalate now fires the next level at once, once, even when clicked twice', async () => {
    const { steward, gw, run, store, clock } = await setup();
    await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'x' });
    await run();
    const clicks = await Promise.all([
      steward.execute(as('bob'), { kind: 'page.escalate', page: 1, step: 0 }),
      steward.execute(as('bob'), { kind: 'page.escalate', page: 1, step: 0 }),
    ]);
    expect(clicks.every((c) => c.ok)).toBe(true);
    await run();
    expect(gw.dms('carol')).toHaveLength(1);
    expect(title(await steward.execute(as('bob'), { kind: 'page.escalate', page: 1, step: 0 }))).toMatch(
      /^PAGE.UNCHANGED: PAGE-1 has already escalated/,
    );
    await run();
    expect(gw.dms('carol')).toHaveLength(1);
    expect(gw.dms('bob')).toHaveLength(1);
    const s = await steps(store);
    expect(s[1]!.dueAt.getTime()).toBe(clock.now().getTime());
  });

  it('a schedule with nobody on call escalates at once; /page @person pages that person alone', async () => {
    // Bob is on call only on weekdays 09:00–17:00 New York time; 2026-11-28 is a Saturday.
    const policy = policyWith((y) =>
      y.replace(
        'rotation: { every: 1w, handoff: "Mon 09:00", members: [bob] }',
        'layers: [{ rotation: { every: 1w, handoff: "Mon 09:00", members: [bob] }, restrictions: [{ days: [Mon, Tue, Wed, Thu, Fri], from: "09:00", to: "17:00" }] }]',
      ),
    );
    const { steward, gw, run, store } = await setup({ start: '2026-11-28T15:00:00.000Z', policy });
    await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'x' });
    await run();
    expect(gw.dms('bob')).toHaveLength(0);
    expect(gw.dms('carol')).toHaveLength(1);
    const s = await steps(store);
    expect(s[0]!.targets!.missed).toEqual(['checkout-primary: nobody on call']);
    expect(s[1]!.dueAt.getTime()).toBe(s[0]!.firedAt!.getTime());
    const direct = await steward.execute(as('alice'), { kind: 'page.create', target: '@carol', message: 'call me' });
    expect(title(direct)).toBe('PAGE-2 · paging Carol Danvers');
    await run();
    expect(gw.dms('carol')).toHaveLength(2);
    expect(gw.dms('bob')).toHaveLength(0);
    expect(title(await steward.execute(as('alice'), { kind: 'page.create', target: 'nosuch', message: 'x' }))).toMatch(
      /^SERVICE.NOT_FOUND/,
    );
  });

  it('a restart resumes where it was: a step that fell due while down fires right after start', async () => {
    const { steward, gw, run, advance, open, store } = await setup();
    await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'x' });
    await run();
    await store.close();
    await advance(30_000); // down for 30 s: level 2 fell due meanwhile
    const b = await open('replica-restarted');
    await run(b);
    expect(gw.dms('bob')).toHaveLength(1);
    expect(b.gw.dms('carol')).toHaveLength(1);
    expect(b.gw.dms('bob')).toHaveLength(0);
    const s = await steps(b.store);
    // Level 2 was due 2 s after level 1; it fired 28 s late, and level 1 of round 2 is due 2 s after that.
    expect(s[1]!.firedAt!.getTime() - s[1]!.dueAt.getTime()).toBe(28_000);
    expect(s[2]!.dueAt.getTime() - s[1]!.firedAt!.getTime()).toBe(2_000);
  });

  it('an incident that pages the on-call: the war room timeline shows the page, TTA comes from its acknowledgement', async () => {
    const { steward, gw, run, advance, store } = await setup();
    const form = await steward.execute(as('alice'), { kind: 'incident.declare', title: 'Checkout down' });
    if (!form.ok || !form.value.form) throw new Error('no form');
    const declared = await steward.submit(as('alice'), form.value.form.target, {
      title: 'Checkout down',
      severity: 'SEV1',
      service: 'checkout',
      summary: '502s',
      page: 'yes',
    });
    expect(declared.ok && plain(declared.value.cards[0]!.body!)).toContain('Paging the on-call (PAGE-1)');
    await run();
    await advance(30_000);
    await run();
    // An update by the commander is not an acknowledgement of the page.
    await steward.execute(as('alice'), { kind: 'incident.update', incident: 1, text: 'looking' });
    expect((await store.transaction((tx) => tx.incidents.byNumber(1)))!.acknowledgedAt).toBeNull();
    await advance(1000);
    await steward.execute(as('carol'), { kind: 'page.ack', page: 1 });
    const i = (await store.transaction((tx) => tx.incidents.byNumber(1)))!;
    const page = (await store.transaction((tx) => tx.pages.byNumber(1)))!;
    expect(i.acknowledgedAt!.getTime()).toBe(page.ackAt!.getTime());
    expect(page.incidentNumber).toBe(1);
    const timeline = await store.transaction((tx) => tx.incidents.timeline(i.id));
    expect(timeline.filter((e) => e.kind === 'page').map((e) => e.text)).toEqual([
      'PAGE-1: paging Checkout along checkout-fast',
      'PAGE-1: level 1 of 2, round 1 of 2: notified Bob Builder',
      'PAGE-1: level 2 of 2, round 1 of 2: notified Carol Danvers',
      'PAGE-1: acknowledged by Carol Danvers (level 2 of 2, round 1 of 2)',
    ]);
    await run();
    // The war room holds the page card, edited in place as the page moves on.
    const room = gw.posts('inc-1-checkout-down').filter((l) => l.includes('PAGE-1'));
    expect(room).toHaveLength(1);
    const id = /message (\d+)/.exec(room[0]!)![1];
    expect(gw.log.filter((l) => l.startsWith(`↻ #inc-1-checkout-down message ${id} updated`)).at(-1)).toContain(
      '✅ PAGE-1 acknowledged by Carol Danvers',
    );
    await steward.execute(as('alice'), { kind: 'incident.resolve', incident: 1, summary: 'fixed' });
    expect((await store.transaction((tx) => tx.pages.byNumber(1)))!.status).toBe('resolved');
  });

  it('cover planned in the policy is paged and shown; the catalog describes a layered schedule', async () => {
    const policy = policyWith((y) =>
      y.replace(
        'rotation: { every: 1w, handoff: "Mon 09:00", members: [bob] }',
        'rotation: { every: 1w, handoff: "Mon 09:00", members: [bob] }\n    layers: [{ rotation: { every: 1d, handoff: "09:00", members: [bob] }, restrictions: [{ from: "09:00", to: "17:00" }] }]\n    overrides: [{ person: carol, start: "2026-11-23T11:00:00Z", end: "2026-11-23T13:00:00Z" }]',
      ),
    );
    const { steward, gw, run } = await setup({ policy });
    const show = await steward.execute(as('alice'), { kind: 'oncall.show', target: 'checkout-primary' });
    const fields = show.ok ? show.value.cards[0]!.fields!.map((f) => `${f.label}: ${plain(f.value)}`) : [];
    expect(fields[0]).toMatch(/^Now: @Carol Danvers \(override\) until 2026-11-23T13:00:00.000Z$/);
    expect(fields[2]).toMatch(/planned in the policy$/);
    await steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'x' });
    await run();
    expect(gw.dms('carol')).toHaveLength(1);
    expect(gw.dms('bob')).toHaveLength(0);
    const svc = await steward.execute(as('alice'), { kind: 'service.escalation', id: 'checkout' });
    const text = svc.ok
      ? svc.value.cards
          .flatMap((c) => [
            plain(c.body ?? []),
            ...(c.fields ?? []).map((f) => plain(f.value)),
            ...(c.sections ?? []).map((x) => plain(x.body)),
          ])
          .join('\n')
      : '';
    expect(text).toContain('on call in checkout-primary (1 in rotation, 2 layers)');
  });

  it('who may act is policy: with [owners] only the service owner may acknowledge; [anyone] lets any person', async () => {
    const owners = await setup({ policy: policyWith((y) => `${y}\npaging: { acknowledge: [owners] }\n`) });
    await owners.steward.execute(as('carol'), { kind: 'page.create', target: 'checkout', message: 'x' });
    await owners.run();
    expect(title(await owners.steward.execute(as('bob'), { kind: 'page.ack', page: 1 }))).toBe(
      'AUTH.FORBIDDEN: Only its service owners may acknowledge PAGE-1.',
    );
    expect(title(await owners.steward.execute(as('alice'), { kind: 'page.ack', page: 1 }))).toBe(
      'You acknowledged PAGE-1',
    );
    const anyone = await setup({ policy: policyWith((y) => `${y}\npaging: { acknowledge: [anyone] }\n`) });
    await anyone.steward.execute(as('alice'), { kind: 'page.create', target: 'checkout', message: 'x' });
    await anyone.run();
    expect(title(await anyone.steward.execute(as('dave'), { kind: 'page.ack', page: 1 }))).toBe(
      'You acknowledged PAGE-1',
    );
  });

  it('a direct page re-notifies its person up to paging.direct.repeat times; declining the incident resolves its page', async () => {
    const { steward, gw, run, store } = await setup();
    await steward.execute(as('alice'), { kind: 'page.create', target: 'carol', message: 'x' });
    await run();
    for (const step of [0, 1]) {
      expect(title(await steward.execute(as('carol'), { kind: 'page.escalate', page: 1, step }))).toBe(
        'Escalating PAGE-1 now',
      );
      await run();
    }
    expect(gw.dms('carol')).toHaveLength(3);
    expect(title(await steward.execute(as('carol'), { kind: 'page.escalate', page: 1, step: 2 }))).toBe(
      'PAGE.UNCHANGED: PAGE-1 has no further level to escalate to.',
    );
    const form = await steward.execute(as('alice'), { kind: 'incident.declare', title: 'Checkout down' });
    if (!form.ok || !form.value.form) throw new Error('no form');
    await steward.submit(as('alice'), form.value.form.target, {
      title: 'Checkout down',
      severity: 'SEV3',
      service: 'checkout',
      page: 'yes',
    });
    await run();
    await steward.execute(as('alice'), {
      kind: 'incident.status',
      incident: 1,
      status: 'declined',
      text: 'false alarm',
    });
    const page = (await store.transaction((tx) => tx.pages.list({ incidentNumber: 1 })))[0]!;
    expect([page.number, page.status, page.resolvedBy]).toEqual([2, 'resolved', 'alice']);
    expect((await steps(store, 2)).filter((s) => s.state === 'pending')).toEqual([]);
  });

  it('an override makes its person the one paged, and shows in /oncall', async () => {
    const { steward, gw, run, store } = await setup();
    const o = await steward.execute(as('bob'), { kind: 'oncall.override', user: '@alice', duration: '2h' });
    expect(title(o)).toBe('Alice Example is on call for checkout-primary for 2h');
    expect(
      title(
        await steward.execute(as('dave'), {
          kind: 'oncall.override',
          user: 'dave',
          duration: '2h',
          schedule: 'checkout-primary',
        }),
      ),
    ).toMatch(/^AUTH.FORBIDDEN/);
    expect(
      title(
        await steward.execute(as('bob'), {
          kind: 'oncall.override',
          user: 'alice',
          duration: '5w',
          schedule: 'checkout-primary',
        }),
      ),
    ).toMatch(/at most 2w/);
    const show = await steward.execute(as('bob'), { kind: 'oncall.show', target: 'checkout' });
    const fields = show.ok ? show.value.cards[0]!.fields!.map((f) => `${f.label}: ${plain(f.value)}`) : [];
    // Set at 12:00 for 2h: it ends at 14:00 exactly.
    expect(fields[0]).toBe(
      'Now: @Alice Example (override for @Bob Builder, set by @Bob Builder) until 2026-11-23T14:00:00.000Z',
    );
    expect(fields[2]).toMatch(/^Overrides: @Alice Example 2026-11-23T12:00:00.000Z → 2026-11-23T14:00:00.000Z /);
    await steward.execute(as('carol'), { kind: 'page.create', target: 'checkout', message: 'x' });
    await run();
    expect(gw.dms('alice')).toHaveLength(1);
    expect(gw.dms('bob')).toHaveLength(0);
    const audit = await store.auditReader.page(0, 100);
    expect(audit.find((a) => a.action === 'oncall.override')?.subject).toBe('schedule:checkout-primary');
  });
});

await forEachDialect('on call across daylight-saving changes', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const example = loadPolicyFile(new URL('../../manifests/policy.example.yaml', import.meta.url).pathname);

  async function oncallAt(iso: string, target: string) {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const steward = new Steward({ store, clock: fixedClock(iso), policy: example, modules: STANDARD_MODULES });
    const r = await steward.execute(as('alice'), { kind: 'oncall.show', target });
    if (!r.ok) throw new Error(r.error.message);
    const f = r.value.cards[0]!.fields!;
    const times = (label: string) =>
      f.find((x) => x.label === label)!.value.flatMap((s) => (s.t === 'time' ? [s.at.toISOString()] : []));
    const names = (label: string) =>
      f.find((x) => x.label === label)!.value.flatMap((s) => (s.t === 'user' ? [s.name] : []));
    return {
      now: { who: names('Now'), until: times('Now')[0] },
      next: { who: names('Next'), from: times('Next')[0], until: times('Next')[1] },
    };
  }

  it('America/New_York weekly handoff Mon 09:00 stays at 09:00 local over the March 8 change', async () => {
    // payments-primary: alice/bob weekly from Mon 2024-01-01 09:00 New York time. 2026-03-08 02:00 EST → 03:00 EDT.
    const r = await oncallAt('2026-03-08T12:00:00.000Z', 'payments-primary');
    expect(r.now.until).toBe('2026-03-09T13:00:00.000Z'); // Mon 09:00 EDT (UTC-4)
    expect(r.next.from).toBe('2026-03-09T13:00:00.000Z');
    expect(r.next.until).toBe('2026-03-16T13:00:00.000Z');
    expect(r.now.who).not.toEqual(r.next.who);
    // The same shift started at 09:00 EST (UTC-5) on 2 March: it lasts 167 hours.
    const before = await oncallAt('2026-03-02T14:30:00.000Z', 'payments-primary'); // Mon 09:30 EST
    expect(before.now.until).toBe('2026-03-09T13:00:00.000Z');
    expect(before.now.who).toEqual(r.now.who);
    const prev = await oncallAt('2026-03-02T13:59:00.000Z', 'payments-primary'); // Mon 08:59 EST
    expect(prev.now.until).toBe('2026-03-02T14:00:00.000Z');
    expect(prev.next.who).toEqual(r.now.who);
  });

  it('Europe/Berlin daily handoff 09:00 across the March 29 and October 25 changes', async () => {
    // platform-primary: carol/dave daily at 09:00 Berlin time.
    const spring = await oncallAt('2026-03-29T06:30:00.000Z', 'platform-primary'); // 08:30 CEST, after 02:00 → 03:00
    expect(spring.now.until).toBe('2026-03-29T07:00:00.000Z'); // 09:00 CEST
    expect(spring.next.until).toBe('2026-03-30T07:00:00.000Z');
    const eve = await oncallAt('2026-03-28T08:30:00.000Z', 'platform-primary'); // 09:30 CET the day before
    expect(eve.now.until).toBe('2026-03-29T07:00:00.000Z'); // a 23-hour shift
    const autumn = await oncallAt('2026-10-24T08:00:00.000Z', 'platform-primary'); // 10:00 CEST
    expect(autumn.now.until).toBe('2026-10-25T08:00:00.000Z'); // 09:00 CET: a 25-hour shift
    expect(autumn.next.until).toBe('2026-10-26T08:00:00.000Z');
    expect(autumn.now.who).not.toEqual(autumn.next.who);
  });
});
