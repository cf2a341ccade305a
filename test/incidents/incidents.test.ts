// The incident use cases through the real Steward core and store (SQLite and PostgreSQL), with the
// console as the chat platform: idempotency, authorization, names, retries, timeline, durations.
import { STANDARD_MODULES } from '../../src/modules.js';
import { afterEach, expect, it } from 'vitest';
import type { Reply } from '../../src/core/card.js';
import { plain } from '../../src/core/card.js';
import type { Invocation } from '../../src/core/context.js';
import { RetryableError } from '../../src/core/chat/gateway.js';
import { loadPolicyFile } from '../../src/config/policy.js';
import { Steward } from '../../src/core/steward.js';
import { ConsoleGateway } from '../../src/adapters/console/gateway.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';
import { until } from '../support/wait.js';
import { fixedClock } from '../support/clock.js';

const policy = loadPolicyFile(new URL('../../manifests/policy.example.yaml', import.meta.url).pathname);
const as = (user: string, channelId?: string): Invocation => ({
  platform: 'console',
  userId: user,
  channelId,
  requestId: 'test',
});
const titles = (r: { ok: boolean; value?: Reply; error?: { code: string } }) =>
  r.ok ? r.value!.cards.map((c) => c.title) : [r.error!.code];

/** The console platform, recording what it was asked to do; optionally failing some calls first. */
class Recorder extends ConsoleGateway {
  readonly log: string[] = [];
  failNext: Partial<Record<'createChannel' | 'post', Error | 'forbidden'>> = {};
  constructor() {
    super(
      {
        show: (h, r) => this.log.push(`show ${h} ${r.cards[0]?.title}`),
        note: (l) => this.log.push(l),
        enter: () => {},
      },
      'alice',
    );
  }
  override async createChannel(name: string, topic: string) {
    const f = this.failNext.createChannel;
    delete this.failNext.createChannel;
    if (f === 'forbidden')
      return { ok: false as const, reason: 'forbidden' as const, message: 'missing permission to create channels' };
    if (f) throw f;
    return super.createChannel(name, topic);
  }
  override async post(channelId: string, reply: Reply, opts?: { threadOf?: string }) {
    const f = this.failNext.post;
    delete this.failNext.post;
    if (f && f !== 'forbidden') throw f;
    return super.post(channelId, reply, opts);
  }
}

await forEachDialect('incidents core', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup() {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    let now = new Date('2026-03-08T06:30:00.000Z');
    const steward = new Steward({ store, clock: fixedClock(() => now), policy, modules: STANDARD_MODULES });
    // Stopped before the store closes, as at shutdown (see paging.test.ts).
    cleanup.push(() => steward.outbox.stop());
    const gw = new Recorder();
    steward.gateways.set('console', gw);
    const declare = async (user = 'alice', title = 'Database down', values: Record<string, string> = {}) => {
      const form = await steward.execute(as(user), { kind: 'incident.declare', title });
      if (!form.ok || !form.value.form) throw new Error(`no form: ${JSON.stringify(form)}`);
      const target = form.value.form.target;
      const submit = () =>
        steward.submit(as(user), target, {
          title,
          severity: 'SEV2',
          service: 'payments-api',
          summary: 'pool exhausted',
          ...values,
        });
      return { target, submit };
    };
    return {
      store,
      steward,
      gw,
      declare,
      advance: (ms: number) => (now = new Date(now.getTime() + ms)),
      settle: () => steward.outbox.kick(),
    };
  }

  it('a double-submitted declare form creates one incident, one war room, one announcement', async () => {
    const { steward, gw, declare, settle, store } = await setup();
    const { submit } = await declare();
    const [a, b] = await Promise.all([submit(), submit()]);
    const c = await submit();
    expect([a, b, c].every((r) => r.ok)).toBe(true);
    await settle();
    const all = await store.transaction((tx) => tx.incidents.list({}));
    expect(all.map((i) => [i.number, i.warRoom.state, i.warRoom.name])).toEqual([[1, 'ready', 'inc-1-database-down']]);
    expect(gw.log.filter((l) => l.startsWith('── #'))).toEqual(['── #inc-1-database-down opened ──']);
    expect(gw.log.filter((l) => l.includes('[#incidents]'))).toHaveLength(1);
    expect(titles(await steward.execute(as('alice'), { kind: 'incident.list' }))).toEqual(['Open incidents (1)']);
  });

  it('invalid form fields come back per field and nothing is created', async () => {
    const { declare, store } = await setup();
    const { submit } = await declare('alice', 'x', { severity: 'SEV9', service: 'nope' });
    const r = await submit();
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error.fields).toEqual({
        title: 'Use at least 3 characters',
        severity: 'Choose one of SEV1, SEV2, SEV3, SEV4',
        service: 'Choose a service from the catalog',
      });
    expect(await store.transaction((tx) => tx.incidents.list({}))).toEqual([]);
  });

  it('a taken channel name gets a suffix; a refused channel leaves the incident and a retry works', async () => {
    const { steward, gw, declare, settle, store } = await setup();
    await gw.createChannel('inc-1-database-down', '');
    gw.log.length = 0;
    await (await declare()).submit();
    await settle();
    expect((await store.transaction((tx) => tx.incidents.byNumber(1)))?.warRoom.name).toBe('inc-1-database-down-2');

    gw.failNext.createChannel = 'forbidden';
    await (await declare('alice', 'Checkout 502')).submit();
    await settle();
    const failed = await store.transaction((tx) => tx.incidents.byNumber(2));
    expect(failed?.warRoom).toMatchObject({ state: 'failed', error: 'missing permission to create channels' });
    expect(
      gw.log.some((l) => l.includes('direct message to alice') && l.includes('war room could not be created')),
    ).toBe(true);
    expect(titles(await steward.execute(as('alice'), { kind: 'incident.retry_war_room', incident: 2 }))).toEqual([
      'Retrying the war room for INC-2',
    ]);
    await settle();
    expect((await store.transaction((tx) => tx.incidents.byNumber(2)))?.warRoom).toMatchObject({
      state: 'ready',
      name: 'inc-2-checkout-502',
    });
  });

  it('a platform error is retried with backoff until it goes through', async () => {
    const { declare, settle, store, gw, advance } = await setup();
    gw.failNext.createChannel = new RetryableError('rate limited', 1_000);
    await (await declare()).submit();
    await settle();
    expect((await store.transaction((tx) => tx.incidents.byNumber(1)))?.warRoom.state).toBe('pending');
    // Retried exactly when the platform asked: not at 999 ms, at 1000 ms.
    advance(999);
    await settle();
    expect((await store.transaction((tx) => tx.incidents.byNumber(1)))?.warRoom.state).toBe('pending');
    advance(1);
    await settle();
    expect((await store.transaction((tx) => tx.incidents.byNumber(1)))?.warRoom.state).toBe('ready');
  });

  it('resolve: refused for others, allowed for the commander the declarer hands over to, once; durations and postmortem recorded', async () => {
    const { steward, declare, settle, store, advance } = await setup();
    await (await declare()).submit();
    await settle();
    const room = 'inc-1-database-down';
    const refused = await steward.execute(as('carol', room), { kind: 'incident.resolve', summary: 'done' });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'AUTH.FORBIDDEN', message: 'Only the commander or declarer may resolve INC-1.' },
    });
    advance(4 * 60_000);
    expect(
      titles(await steward.execute(as('alice', room), { kind: 'incident.role', role: 'commander', user: '@bob' })),
    ).toEqual(['INC-1: Bob Builder is now commander']);
    advance(6 * 60_000);
    await steward.execute(as('bob', room), { kind: 'incident.status', status: 'monitoring', text: 'rolled back' });
    advance(10 * 60_000);
    expect(
      titles(await steward.execute(as('bob', room), { kind: 'incident.resolve', summary: 'Rollback fixed it' })),
    ).toEqual(['INC-1: Resolved: Rollback fixed it']);
    expect(await steward.execute(as('alice', room), { kind: 'incident.resolve' })).toMatchObject({
      ok: false,
      error: { code: 'INCIDENT.CLOSED' },
    });
    await settle();
    const i = (await store.transaction((tx) => tx.incidents.byNumber(1)))!;
    expect([
      i.acknowledgedAt!.getTime() - i.declaredAt.getTime(),
      i.mitigatedAt!.getTime() - i.declaredAt.getTime(),
      i.resolvedAt!.getTime() - i.declaredAt.getTime(),
    ]).toEqual([240_000, 600_000, 1_200_000]);
    expect(i.postmortem).toContain('| time to acknowledge | 4m |');
    expect(i.postmortem).toContain('| time to mitigate (first "monitoring") | 10m |');
    expect(i.postmortem).toContain('| time to resolve | 20m |');
    expect(i.postmortem).toMatch(/## Action items/);
    const pm = await steward.execute(as('dave'), { kind: 'incident.postmortem', incident: 1 });
    expect(pm.ok && plain(pm.value.cards[0]!.sections![0]!.body)).toContain('# Postmortem: INC-1 — Database down');
  });

  it('a pinned message joins the timeline once, with its author and time', async () => {
    const { steward, declare, settle } = await setup();
    await (await declare()).submit();
    await settle();
    const at = new Date('2026-03-08T06:31:15.000Z');
    const pin = { messageId: '42', authorId: 'bob', authorName: 'Bob', text: 'pgbouncer max_client_conn hit', at };
    expect(await steward.pinned('console', 'inc-1-database-down', pin)).toBe(true);
    expect(await steward.pinned('console', 'inc-1-database-down', pin)).toBe(false);
    expect(await steward.pinned('console', 'general', pin)).toBe(false);
    const t = await steward.execute(as('alice', 'inc-1-database-down'), { kind: 'incident.timeline' });
    const text = t.ok ? plain(t.value.cards[0]!.body!) : '';
    expect(text.match(/pgbouncer/g)).toHaveLength(1);
    expect(text).toContain(`${at.toISOString()} · @Bob Builder: 📌 pgbouncer max_client_conn hit`);
  });

  it('stopping the outbox lets the batch in flight finish and starts no other; what follows stays due', async () => {
    const { steward, gw, declare, store } = await setup();
    let started = false;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const createChannel = gw.createChannel.bind(gw);
    gw.createChannel = async (name, topic) => {
      started = true;
      await held;
      return createChannel(name, topic);
    };
    await (await declare()).submit(); // sets off the war room (not awaited)
    await until('the war room to be under way', () => started);
    let stopped = false;
    const stopping = steward.outbox.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);

    release();
    await stopping;
    expect(gw.log).toContain('── #inc-1-database-down opened ──');
    // The war room's follow-ups (its setup, the refreshed cards) were enqueued and stay due.
    const left = await store.outboxWorker.pending();
    expect(left).toBeGreaterThan(0);
    const shown = gw.log.length;
    await steward.outbox.kick();
    expect(await store.outboxWorker.pending()).toBe(left);
    expect(gw.log).toHaveLength(shown);
  });

  it('people not in the policy cannot declare; the same form submitted twice for a status change applies once', async () => {
    const { steward, declare, settle } = await setup();
    expect(await steward.execute(as('mallory'), { kind: 'incident.declare' })).toMatchObject({
      ok: false,
      error: { code: 'AUTH.UNKNOWN_USER' },
    });
    await (await declare()).submit();
    await settle();
    const form = await steward.execute(as('alice'), { kind: 'incident.form', incident: 1, form: 'status' });
    const target = form.ok ? form.value.form!.target : undefined;
    const [a, b] = await Promise.all([
      steward.submit(as('alice'), target!, { status: 'identified' }),
      steward.submit(as('alice'), target!, { status: 'identified' }),
    ]);
    expect([titles(a), titles(b)].sort()).toEqual([['Already done'], ['INC-1: Status investigating → identified']]);
  });
});
