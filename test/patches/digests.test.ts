// Patch SLA digests, owner reminders and breach pages through the real Steward core, calendar
// scheduler and store (SQLite and PostgreSQL), with the console as the chat platform and a clock the
// test moves: each team's digest at its local hour (New York and Berlin daylight-saving days), its
// counts and trend against the previous digest, the all-clear and `quiet`, a restart between two
// occurrences (the missed one posted once, late), two replicas posting each digest once, reminders
// once per finding and point (also with two replicas at once), a breach page opened once and its
// acknowledgement on the finding, and an expired exception counted by the next digest.
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { ConsoleGateway } from '../../src/adapters/console/gateway.js';
import { parsePolicy } from '../../src/config/policy.js';
import { type Card, type Reply, plain } from '../../src/core/card.js';
import type { Invocation } from '../../src/core/context.js';
import { Directory } from '../../src/core/directory.js';
import { PAGING_ESCALATOR } from '../../src/core/paging/links.js';
import type { Escalator } from '../../src/core/paging/escalation.js';
import { importReport } from '../../src/core/patches/findings/importer.js';
import { PATCH_NOTICES } from '../../src/core/patches/links.js';
import type { NoticeService } from '../../src/core/patches/notices/service.js';
import type { Store } from '../../src/core/ports.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { createLogger } from '../../src/observability/logger.js';
import { CalendarScheduler } from '../../src/scheduler/calendar.js';
import { sqlitePath } from '../../src/store/dialect.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';
import { fixedClock, ManualClock } from '../support/clock.js';
import { until } from '../support/wait.js';
import { generatedVulns, trivyReport } from '../support/reports.js';

const policyText = (extra = '') => `
timezone: UTC
people:
  - { id: alice, name: Alice Owner, slack: U0ALICE }
  - { id: bob, name: Bob Web, slack: U0BOB }
  - { id: oscar, name: Oscar Oncall, slack: U0OSCAR }
  - { id: sam, name: Sam Sec, slack: U0SAM }
teams:
  - { id: payments, name: Payments, members: [alice, oscar], timezone: America/New_York }
  - { id: web, name: Web, members: [bob, alice], timezone: Europe/Berlin }
  - { id: idle, name: Idle, members: [sam, alice] }
  - { id: ops, name: Ops, members: [alice] }
groups:
  - { id: security, name: Security, members: [sam] }
services:
  - { id: payments-api, name: Payments API, team: payments, tier: 1, owners: [alice], escalation: pay }
  - { id: web-app, name: Web App, team: web, tier: 2, owners: [bob] }
schedules:
  - { id: pay-primary, timezone: UTC, rotation: { every: 1w, handoff: "Mon 09:00", members: [oscar] } }
escalationPolicies:
  - id: pay
    levels:
      - { notify: [{ schedule: pay-primary }], ackTimeout: 10m }
      - { notify: [{ person: alice }], ackTimeout: 10m }
patches:
  digest: { cron: "0 9 * * *"${extra} }
  remind: { before: 2d }
  exceptions: { approve: [{ group: security, count: 1 }] }
`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Tuesday 2026-12-01, 09:00 in New York (EST, UTC−5). */
const T0 = '2026-12-01T14:00:00.000Z';
const log = createLogger({ level: 'silent', secrets: [] });

const as = (person: string): Invocation => ({ platform: 'console', userId: person, requestId: `r-${Math.random()}` });

/** The console platform, keeping every post and direct message. */
class Recorder extends ConsoleGateway {
  readonly posts: { channel: string; reply: Reply }[] = [];
  readonly dms: { to: string; reply: Reply }[] = [];
  constructor() {
    super({ show: () => {}, note: () => {}, enter: () => {} }, 'nobody');
  }
  override async post(channelId: string, reply: Reply, opts?: { threadOf?: string }) {
    this.posts.push({ channel: channelId, reply });
    return super.post(channelId, reply, opts);
  }
  override async dm(userId: string, reply: Reply) {
    this.dms.push({ to: userId, reply });
    return super.dm(userId, reply);
  }
  digests(team?: string): Card[] {
    return this.posts
      .filter((p) => p.reply.cards[0]?.title.startsWith('Patch SLA digest') && (!team || p.channel === team))
      .map((p) => p.reply.cards[0]!);
  }
}

const text = (c: Card) =>
  [
    c.title,
    plain(c.body ?? []),
    ...(c.sections ?? []).map((s) => `${s.heading}\n${plain(s.body)}`),
    plain(c.context ?? []),
  ].join('\n');

await forEachDialect('patch digests core', ({ dialect, createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  const dbUrl: { current?: string } = {};
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(opts: { start?: string; extra?: string } = {}) {
    const db = await createDatabase();
    dbUrl.current = db.url;
    cleanup.push(() => db.drop());
    const clock = new ManualClock(opts.start ?? T0);
    const loaded = parsePolicy(policyText(opts.extra));
    let shared: Store | undefined;
    const open = async (holder: string) => {
      const store = dialect === 'sqlite' && shared ? shared : await openStore({ url: db.url, migrate: true });
      if (store !== shared) cleanup.push(() => store.close());
      shared ??= store;
      const steward = new Steward({ store, clock, policy: loaded, modules: STANDARD_MODULES, holder });
      cleanup.push(() => steward.outbox.stop());
      const gw = new Recorder();
      steward.gateways.set('console', gw);
      const calendar = new CalendarScheduler(
        { jobRuns: store.jobRuns, clock, dir: () => steward.dir, holder, log },
        steward.jobs().calendar,
      );
      cleanup.push(() => calendar.stop());
      /** One planning step of the calendar, then the side effects it queued. */
      const tick = async () => {
        const r = await calendar.runDue();
        await steward.outbox.kick();
        return r.filter((o) => o.result !== 'lost');
      };
      const notices = async () => {
        const r = await steward.part<NoticeService>(PATCH_NOTICES).run(clock.now());
        await steward.outbox.kick();
        return r;
      };
      return { store, steward, gw, calendar, tick, notices };
    };
    const first = await open('replica-a');
    const importAt = async (at: number, n: number, service = 'payments-api', seed = 0) => {
      const r = await importReport(
        { store: first.store, clock: fixedClock(at), dir: new Directory(loaded.policy, loaded.sha256) },
        {
          serviceId: service,
          input: trivyReport(generatedVulns(n, seed)),
          actor: { platform: 'cli', platformUserId: 'ci' },
          by: 'cli:ci',
        },
      );
      if (!r.ok) throw new Error(r.reason);
      return r.summary;
    };
    const findings = async () => (await first.store.transaction((tx) => tx.findings.listOpen({}, 0, 1000))).findings;
    return { ...first, open, clock, importAt, findings, at: (iso: string) => clock.set(iso) };
  }

  it("posts each team's digest at 09:00 in its time zone on the daylight-saving change days of New York and Berlin", async () => {
    // US clocks go forward on Sunday 2027-03-14, German ones on Sunday 2027-03-28.
    const s = await setup({ start: '2027-03-13T00:00:00.000Z' });
    await s.importAt(Date.parse('2027-03-01T00:00:00.000Z'), 4);
    await s.importAt(Date.parse('2027-03-01T00:00:00.000Z'), 4, 'web-app', 100);
    const posted: string[] = [];
    const step = async (iso: string) => {
      await s.at(iso);
      for (const o of await s.tick()) posted.push(`${o.scope}@${o.occurrence.toISOString()}`);
    };
    await s.tick();
    await step('2027-03-13T08:00:00.000Z'); // 09:00 in Berlin (CET, UTC+1)
    await step('2027-03-13T13:59:59.000Z');
    await step('2027-03-13T14:00:00.000Z'); // 09:00 in New York (EST, UTC−5)
    await step('2027-03-14T08:00:00.000Z');
    await step('2027-03-14T12:59:59.000Z');
    await step('2027-03-14T13:00:00.000Z'); // 09:00 in New York (EDT, UTC−4) on its change day
    await step('2027-03-27T08:00:00.000Z');
    await step('2027-03-28T06:59:59.000Z');
    await step('2027-03-28T07:00:00.000Z'); // 09:00 in Berlin (CEST, UTC+2) on its change day
    expect(posted.filter((p) => !p.includes('2027-03-2') || p.startsWith('web'))).toEqual([
      'web@2027-03-13T08:00:00.000Z',
      'payments@2027-03-13T14:00:00.000Z',
      'web@2027-03-14T08:00:00.000Z',
      'payments@2027-03-14T13:00:00.000Z',
      'web@2027-03-27T08:00:00.000Z',
      'web@2027-03-28T07:00:00.000Z',
    ]);
    // The idle team owns no service: it has no digest. Each run posted one card to its team.
    expect(s.gw.digests('payments').length).toBe(posted.filter((p) => p.startsWith('payments')).length);
    expect(s.gw.digests('web')).toHaveLength(4);
    expect(s.gw.digests('idle')).toHaveLength(0);
  });

  it('counts overdue by severity with the worst first, due soon, new and fixed since the last digest, and the trend', async () => {
    const s = await setup();
    // 8 findings first seen 25 days ago: 2 critical (7d, overdue by 18d), 2 high (30d, due in 5d), 2 medium, 2 low.
    await s.importAt(Date.parse(T0) - 25 * DAY, 8);
    // 09:00 in New York; Berlin's 09:00 comes next (08:00 UTC tomorrow).
    expect(await s.tick()).toMatchObject([{ scope: 'payments', result: 'done', late: false }]);
    const [first] = s.gw.digests('payments');
    expect(first!.title).toBe('Patch SLA digest · Payments');
    expect(plain(first!.body!)).toBe('2 overdue · 2 due within 7 days · 8 open');
    expect(first!.sections!.map((x) => x.heading)).toEqual(['Overdue: 2 critical', 'Due within 7 days: 2 high']);
    const worst = plain(first!.sections![0]!.body).split('\n');
    expect(worst).toHaveLength(2);
    expect(worst[0]).toMatch(/^F-\d+ critical CVE-\d{4}-\d+ · pkg-\d+ 1\.\d\.0 · payments-api · 18d overdue$/);
    expect((first!.buttons ?? []).map((b) => [b.label, b.command])).toEqual([
      ['Show all overdue', { kind: 'patch.list', scope: 'payments', overdue: 'true' }],
      ['Request exception', { kind: 'patch.request_exception', team: 'payments' }],
    ]);
    expect(plain(first!.context!)).toBe('First digest for this team: nothing earlier to compare with.');
    // Web has nothing open: a short all-clear.
    await s.at('2026-12-02T08:00:00.000Z');
    expect(await s.tick()).toMatchObject([{ scope: 'web', result: 'done' }]);
    expect(s.gw.digests('web').map((c) => [c.tone, plain(c.body!)])).toEqual([
      ['good', 'All clear: no open findings.'],
    ]);

    // Next day: a report without one critical (fixed) and with 3 new findings (1 new critical, first seen now).
    await s.at('2026-12-02T10:00:00.000Z');
    const vulns = generatedVulns(8).slice(1).concat(generatedVulns(3, 500));
    await importReport(
      { store: s.store, clock: s.clock, dir: s.steward.dir },
      {
        serviceId: 'payments-api',
        input: trivyReport(vulns),
        actor: { platform: 'cli', platformUserId: 'ci' },
        by: 'cli:ci',
      },
    );
    await s.at('2026-12-02T14:00:00.000Z');
    await s.tick();
    const second = s.gw.digests('payments')[1]!;
    expect(plain(second.body!)).toBe(
      '1 overdue (▼ 1 since the last digest) · 3 due within 7 days · 10 open · 3 new, 1 fixed since the last digest',
    );
    expect(plain(second.context!)).toBe('Compared with the digest of 2026-12-01T14:00:00.000Z.');
    // On demand: the viewer's teams, the same counts, compared with the latest digest; nothing recorded.
    const shown = await s.steward.execute(as('alice'), { kind: 'patch.digest' });
    expect(shown.ok && shown.value.visibility).toBe('ephemeral');
    expect(shown.ok && plain(shown.value.cards[0]!.body!)).toBe(
      '1 overdue (unchanged since the last digest) · 3 due within 7 days · 10 open · 0 new, 0 fixed since the last digest',
    );
    expect(await s.steward.execute(as('alice'), { kind: 'patch.digest', team: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'SERVICE.NOT_FOUND' },
    });
    // Alice is in four teams: three cards, and the fourth named under the last one.
    expect(shown.ok && shown.value.cards.map((c) => c.title)).toEqual([
      'Patch SLA digest · Payments',
      'Patch SLA digest · Web',
      'Patch SLA digest · Idle',
    ]);
    expect(shown.ok && plain(shown.value.cards[2]!.context!)).toContain('Also your teams ops: /patch digest <team>.');
    // A service names its team.
    const byService = await s.steward.execute(as('bob'), { kind: 'patch.digest', team: 'payments-api' });
    expect(byService.ok && byService.value.cards.map((c) => [c.title, plain(c.body!)])).toEqual([
      [
        'Patch SLA digest · Payments',
        plain(second.body!)
          .replace('▼ 1 since the last digest', 'unchanged since the last digest')
          .replace('3 new, 1 fixed', '0 new, 0 fixed'),
      ],
    ]);
    // Show all overdue lists exactly the overdue ones.
    const list = await s.steward.execute(as('alice'), second.buttons![0]!.command);
    expect(list.ok && list.value.cards[0]!.title).toBe('Overdue findings · team Payments');
    expect(list.ok && plain(list.value.cards[0]!.body!)).toBe('Showing 1–1 of 1, worst first.');
  });

  it('Request exception from a digest opens a form naming the finding; a wrong finding gets a field error', async () => {
    const s = await setup();
    await s.importAt(Date.parse(T0) - 25 * DAY, 8);
    const [worst] = (await s.findings()).filter((f) => f.severity === 'critical');
    const opened = await s.steward.execute(as('alice'), { kind: 'patch.request_exception', team: 'payments' });
    expect(opened.ok && opened.value.form?.fields.map((f) => [f.id, f.placeholder?.startsWith('F-')])).toEqual([
      ['finding', true],
      ['justification', false],
      ['until', false],
    ]);
    const submit = (finding: string) =>
      s.steward.submit(
        as('alice'),
        { kind: 'patch.exception_pick', nonce: `n-${finding}` },
        { finding, justification: 'Only reachable from the admin network.', until: '30d' },
      );
    expect(await submit('F-999')).toMatchObject({
      ok: false,
      error: { code: 'FORM.INVALID', fields: { finding: 'There is no finding F-999.' } },
    });
    expect(await submit('soon')).toMatchObject({
      ok: false,
      error: { code: 'FORM.INVALID', fields: { finding: 'Name the finding, such as F-12' } },
    });
    const r = await submit(`F-${worst!.id}`);
    expect(r.ok && r.value.cards[0]!.title).toBe(`EXC-1 requested for F-${worst!.id}`);
  });

  it('quiet: a team with nothing open gets no digest, and its digest is still recorded', async () => {
    const s = await setup({ extra: ', quiet: true' });
    await s.importAt(Date.parse(T0) - 25 * DAY, 4);
    await s.tick();
    await s.at('2026-12-02T08:00:00.000Z');
    expect(await s.tick()).toMatchObject([{ scope: 'web', result: 'done' }]);
    expect(s.gw.digests('payments')).toHaveLength(1);
    expect(s.gw.digests('web')).toHaveLength(0);
    expect(await s.store.transaction((tx) => tx.digests.latest('web'))).toMatchObject({ overdue: 0, late: false });
  });

  it('a restart between two occurrences posts the missed one once at start, marked late', async () => {
    const s = await setup();
    await s.importAt(Date.parse(T0) - 25 * DAY, 8);
    await s.tick();
    await s.calendar.stop();
    await s.steward.outbox.stop();
    // Down from Wednesday 08:00 to Thursday 12:00 New York time: Wednesday's and Thursday's 09:00 passed.
    await s.at('2026-12-03T17:00:00.000Z');
    const b = await s.open('replica-b');
    const started = await b.calendar.start();
    await b.steward.outbox.kick();
    expect(
      started.filter((o) => o.scope === 'payments').map((o) => [o.occurrence.toISOString(), o.late, o.result]),
    ).toEqual([['2026-12-03T14:00:00.000Z', true, 'done']]);
    const late = b.gw.digests('payments');
    expect(late).toHaveLength(1);
    expect(plain(late[0]!.context!)).toBe(
      'Posted late: the digest of 2026-12-03T14:00:00.000Z was missed while Steward was down. Compared with the digest of 2026-12-01T14:00:00.000Z.',
    );
    expect(await b.tick()).toEqual([]);
    expect(b.gw.digests('payments')).toHaveLength(1);
  });

  it.runIf(dialect === 'sqlite')(
    'a digest whose first try fails (its table is away) is tried again and posted once',
    async () => {
      const s = await setup();
      await s.importAt(Date.parse(T0) - 25 * DAY, 4);
      const file = new Database(sqlitePath(dbUrl.current!));
      file.exec('ALTER TABLE "patch_digest" RENAME TO "patch_digest_away"');
      const ran = s.tick();
      // The first try fails and waits on the clock to try again, RETRY_MS later.
      await until('the digest to wait for its second try', () => s.clock.pending().length > 0);
      expect(s.clock.pending()).toEqual([new Date(Date.parse(T0) + 2000)]);
      expect(s.gw.digests('payments')).toEqual([]);
      file.exec('ALTER TABLE "patch_digest_away" RENAME TO "patch_digest"');
      file.close();
      await s.clock.advance(2000);
      expect((await ran).map((o) => [o.scope, o.result])).toEqual([['payments', 'done']]);
      expect(s.gw.digests('payments')).toHaveLength(1);
    },
  );

  it('two replicas on one database post each digest once', async () => {
    const s = await setup();
    await s.importAt(Date.parse(T0) - 25 * DAY, 8);
    const b = await s.open('replica-b');
    await Promise.all([s.tick(), b.tick()]);
    await s.at('2026-12-02T08:00:00.000Z');
    await Promise.all([s.tick(), b.tick()]);
    await Promise.all([s.steward.outbox.kick(), b.steward.outbox.kick()]);
    expect(s.gw.digests('payments').length + b.gw.digests('payments').length).toBe(1);
    expect(s.gw.digests('web').length + b.gw.digests('web').length).toBe(1);
    const rows = await s.store.transaction(async (tx) => [
      await tx.digests.latest('payments'),
      await tx.digests.latest('web'),
    ]);
    expect(rows.map((r) => r?.occurrence.toISOString())).toEqual([
      '2026-12-01T14:00:00.000Z',
      '2026-12-02T08:00:00.000Z',
    ]);
  });

  it('reminds each owner once per finding ahead of its deadline and when it passes, one message per point and run', async () => {
    const s = await setup();
    // First seen 25 days ago: the criticals passed their deadline 18 days ago; the highs are due in 5 days.
    await s.importAt(Date.parse(T0) - 25 * DAY, 8);
    await s.importAt(Date.parse(T0) - 25 * DAY, 4, 'web-app', 100);
    const b = await s.open('replica-b');
    // Both replicas at once: each finding is claimed by one of them.
    const [x, y] = await Promise.all([s.notices(), b.notices()]);
    expect(x.passed + y.passed).toBe(3);
    // Their deadline passed 18 days before Steward looked: the owners are told, nobody is paged.
    expect(x.paged + y.paged).toBe(0);
    const critical = (await s.findings()).find((f) => f.severity === 'critical' && f.serviceId === 'payments-api')!;
    expect((await s.store.transaction((tx) => tx.findings.events(critical.id))).map((e) => e.detail)).toContain(
      'not paged: its deadline passed more than 7 days before Steward saw it (the owners were told)',
    );
    const dms = () => [...s.gw.dms, ...b.gw.dms].map((d) => [d.to, d.reply.cards[0]!.title]);
    expect(dms().sort()).toEqual([
      ['alice', '2 findings of yours passed their patch deadline'],
      ['bob', '1 finding of yours passed its patch deadline'],
    ]);
    expect(await s.notices()).toEqual({ ahead: 0, passed: 0, paged: 0, messages: 0 });
    // 2 days ahead of the highs' deadline (in 5 days): 3 days on.
    await s.at(new Date(Date.parse(T0) + 3 * DAY + HOUR).toISOString());
    s.gw.dms.length = 0;
    b.gw.dms.length = 0;
    const ahead = await s.notices();
    expect(ahead).toMatchObject({ ahead: 3, passed: 0, paged: 0 });
    expect(dms().sort()).toEqual([
      ['alice', '2 findings of yours due within 2d'],
      ['bob', '1 finding of yours due within 2d'],
    ]);
    const aliceAhead = s.gw.dms.find((d) => d.to === 'alice')!.reply.cards[0]!;
    expect(plain(aliceAhead.body!).split('\n')).toHaveLength(2);
    expect(plain(aliceAhead.body!)).toMatch(
      /^F-\d+ high CVE-\d+-\d+ · pkg-\d+ 1\.\d\.0 · payments-api · due 2026-12-06T/,
    );
    expect(await s.notices()).toMatchObject({ ahead: 0, passed: 0, messages: 0 });
    // The highs' deadline passes: told once more; the tier-1 highs do not page (patches.page: critical only).
    await s.at(new Date(Date.parse(T0) + 5 * DAY + HOUR).toISOString());
    s.gw.dms.length = 0;
    expect(await s.notices()).toMatchObject({ ahead: 0, passed: 3, paged: 0 });
    expect(await s.notices()).toMatchObject({ passed: 0, messages: 0 });
  });

  it('a critical finding of a tier-1 service that passes its deadline pages the escalation path once; the acknowledgement is on the finding', async () => {
    const s = await setup();
    // First seen 10 days ago: the critical one passed its deadline 3 days ago.
    await s.importAt(Date.parse(T0) - 10 * DAY, 4);
    const [critical] = (await s.findings()).filter((f) => f.severity === 'critical');
    expect(await s.notices()).toMatchObject({ passed: 1, paged: 1 });
    const escalator = s.steward.part<Escalator>(PAGING_ESCALATOR);
    await escalator.pass();
    await s.steward.outbox.kick();
    const page = s.gw.dms.find((d) => d.to === 'oscar')!.reply.cards[0]!;
    expect(page.title).toMatch(/PAGE-1 · Payments API/);
    expect(text(page)).toContain(`F-${critical!.id} critical`);
    // Nobody acknowledges: the second level (alice) is paged 10 minutes later.
    await s.clock.advance(10 * 60_000 + 1000);
    await escalator.pass();
    await s.steward.outbox.kick();
    expect(s.gw.dms.filter((d) => d.to === 'alice' && d.reply.cards[0]!.title.includes('PAGE-1'))).toHaveLength(1);
    // The deadline moves (a policy reload recomputes it) and passes again: no second page.
    await s.store.transaction((tx) =>
      tx.findings.setDeadlines(
        [
          {
            ids: [critical!.id],
            knownExploited: false,
            kevDueDate: null,
            deadline: new Date(s.clock.now().getTime() - 1000),
          },
        ],
        s.clock.now(),
      ),
    );
    expect(await s.notices()).toMatchObject({ passed: 1, paged: 0 });
    expect(
      await s.store.transaction(async (tx) => (await tx.pages.list({ statuses: ['open', 'acknowledged'] })).length),
    ).toBe(1);
    expect(await s.steward.execute(as('alice'), { kind: 'page.ack', page: 1 })).toMatchObject({ ok: true });
    // The page is its service's breach group's: the group, then each of its findings, hears of it.
    await s.steward.outbox.kick();
    const shown = await s.steward.execute(as('alice'), { kind: 'patch.show', finding: critical!.id });
    const history = shown.ok ? plain(shown.value.cards[0]!.sections!.find((x) => x.heading === 'History')!.body) : '';
    expect(history).toContain('paged: PAGE-1 opened: overdue critical on a tier-1 service');
    expect(history).toContain('page_acknowledged: PAGE-1 acknowledged by Alice Owner');
  });

  it('a report with 21 overdue criticals opens one page: each joins its service’s open breach group', async () => {
    const s = await setup();
    await s.importAt(Date.parse(T0) - 10 * DAY, 84);
    const criticals = (await s.findings()).filter((f) => f.severity === 'critical');
    expect(criticals).toHaveLength(21);
    expect(await s.notices()).toMatchObject({ passed: 21, paged: 21 });
    const pages = await s.store.transaction((tx) => tx.pages.list({ limit: 50 }));
    expect(pages.map((p) => p.key)).toEqual(['alert:1']);
    const group = await s.store.transaction((tx) => tx.alerts.byNumber(1));
    expect(group).toMatchObject({
      integration: 'findings',
      groupKey: 'breach:payments-api',
      firing: 21,
      pageNumber: 1,
    });
    // The first finding opened the page; the others joined its group; the next run adds nothing.
    const history = async (id: number) => {
      const shown = await s.steward.execute(as('alice'), { kind: 'patch.show', finding: id });
      return shown.ok ? plain(shown.value.cards[0]!.sections!.find((x) => x.heading === 'History')!.body) : '';
    };
    const histories = await Promise.all(criticals.map((f) => history(f.id)));
    expect(histories.filter((h) => h.includes('paged: PAGE-1 opened'))).toHaveLength(1);
    expect(histories.filter((h) => h.includes('paged: joined ALR-1 (PAGE-1)'))).toHaveLength(20);
    expect(await s.notices()).toMatchObject({ paged: 0 });
    // Acknowledging the one page reaches every finding of the group.
    expect(await s.steward.execute(as('alice'), { kind: 'page.ack', page: 1 })).toMatchObject({ ok: true });
    await s.steward.outbox.kick();
    for (const f of criticals)
      expect(await history(f.id)).toContain('page_acknowledged: PAGE-1 acknowledged by Alice Owner');
  });

  it('an exception that expires reactivates its finding, and the next digest counts it', async () => {
    const s = await setup();
    await s.importAt(Date.parse(T0) - 25 * DAY, 4);
    const [critical] = (await s.findings()).filter((f) => f.severity === 'critical');
    const req = await s.steward.submit(
      as('alice'),
      { kind: 'patch.exception', number: critical!.id, nonce: 'x1' },
      { justification: 'Behind the VPN until the upgrade.', until: '2d' },
    );
    expect(req.ok).toBe(true);
    expect(
      await s.steward.execute(
        { platform: 'console', userId: 'sam', requestId: 'a1' },
        { kind: 'exception.approve', exception: 1 },
      ),
    ).toMatchObject({ ok: true });
    await s.tick();
    const first = s.gw.digests('payments')[0]!;
    expect(plain(first.body!)).toBe('0 overdue · 1 due within 7 days · 4 open · 1 under a risk exception');
    expect(first.sections!.map((x) => x.heading)).toEqual([
      'Due within 7 days: 1 high',
      'Risk exceptions ending within 14 days: 1',
    ]);
    expect(plain(first.sections![1]!.body)).toBe(
      `EXC-1 on F-${critical!.id} · payments-api · ends 2026-12-03T14:00:00.000Z`,
    );
    await s.at('2026-12-03T14:00:00.000Z');
    for (const j of s.steward.jobs().interval.filter((j) => j.name === 'exceptions-expire')) await j.run(s.clock.now());
    await s.steward.outbox.kick();
    expect(s.gw.dms.filter((d) => d.to === 'alice' && /EXC-1/.test(d.reply.cards[0]!.title)).length).toBeGreaterThan(0);
    await s.at('2026-12-03T14:00:01.000Z');
    await s.tick();
    const after = s.gw.digests('payments').at(-1)!;
    expect(plain(after.body!)).toBe(
      '1 overdue (▲ 1 since the last digest) · 1 due within 7 days · 4 open · 0 new, 0 fixed since the last digest\n1 risk exception expired since the last digest: its finding counts again.',
    );
  });
});
