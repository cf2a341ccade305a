// The outbox runner under a slow or rate-limited platform: batches overlap, so items of a platform
// that is slow to answer do not hold up another's; a rate limit's retry waits exactly what the
// platform named and does not count towards giving up; items whose handler takes batches run
// together, each with its own outcome. And Slack's per-method pause after a 429.
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { RateLimitedError, RetryableError } from '../../src/core/chat/gateway.js';
import { effectKind, effectRegistry, handle, handleMany } from '../../src/core/outbox/effects.js';
import { OUTBOX_BATCH, OUTBOX_MAX_ATTEMPTS, OUTBOX_MAX_IN_FLIGHT, OutboxRunner } from '../../src/core/outbox/runner.js';
import type { Store } from '../../src/core/ports.js';
import { SlackRateLimits } from '../../src/adapters/slack/gateway.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from '../support/clock.js';
import { forEachDialect } from '../support/databases.js';

const T0 = Date.parse('2026-12-07T09:00:00.000Z');
const Slow = effectKind('test.slow', z.object({ n: z.number() }));
const Fast = effectKind('test.fast', z.object({ n: z.number() }));
const Limited = effectKind('test.limited', z.object({ n: z.number() }));
const Many = effectKind('test.many', z.object({ n: z.number() }));

await forEachDialect('outbox runner', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  async function fresh(): Promise<Store> {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    return store;
  }
  const enqueue = (store: Store, kind: { kind: string }, from: number, count: number, at: number) =>
    store.transaction((tx) =>
      tx.outbox.enqueueMany(
        Array.from({ length: count }, (_, i) => ({
          key: `${kind.kind}:${from + i}`,
          kind: kind.kind,
          payload: { n: from + i },
        })),
        new Date(at),
      ),
    );
  const quiet = { warn: () => {}, error: () => {} };

  it('a platform that does not answer holds up only its own items: later batches go on around it', async () => {
    const store = await fresh();
    const clock = new ManualClock(T0);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const fast: number[] = [];
    let slowStarted = 0;
    const outbox = new OutboxRunner({
      store,
      clock,
      holder: 'a',
      log: quiet,
      handlers: effectRegistry([
        handle(Slow, async () => {
          slowStarted++;
          await held;
        }),
        handle(Fast, async (x) => void fast.push(x.n)),
      ]),
    });
    // A whole batch of items for the slow platform first, then ten for another.
    expect(await enqueue(store, Slow, 0, OUTBOX_BATCH, T0)).toBe(OUTBOX_BATCH);
    await enqueue(store, Fast, 0, 10, T0);
    const run = outbox.kick();
    await expect.poll(() => fast.length, { timeout: 10_000 }).toBe(10);
    expect(slowStarted).toBe(OUTBOX_BATCH);
    // The ten are done (completed) while the slow batch is still out.
    await expect.poll(() => store.outboxWorker.pending(), { timeout: 10_000 }).toBe(OUTBOX_BATCH);
    release();
    await run;
    expect(await store.outboxWorker.pending()).toBe(0);
    expect(OUTBOX_MAX_IN_FLIGHT).toBeGreaterThan(OUTBOX_BATCH);
  });

  it('a rate-limited item waits what the platform named, every time, and is not given up after the usual tries', async () => {
    const store = await fresh();
    const clock = new ManualClock(T0);
    let refusals = OUTBOX_MAX_ATTEMPTS + 4;
    let calls = 0;
    const sent: number[] = [];
    const outbox = new OutboxRunner({
      store,
      clock,
      holder: 'a',
      log: quiet,
      handlers: effectRegistry([
        handle(Limited, async (x) => {
          calls++;
          if (refusals-- > 0) throw new RateLimitedError('rate limited', 1_500);
          sent.push(x.n);
        }),
      ]),
    });
    await enqueue(store, Limited, 7, 1, T0);
    await outbox.kick();
    for (let k = 1; k <= OUTBOX_MAX_ATTEMPTS + 4; k++) {
      // Not tried a millisecond before the time named; tried at it.
      await clock.advance(1_499);
      await outbox.kick();
      expect(calls).toBe(k);
      await clock.advance(1);
      await outbox.kick();
      expect(calls).toBe(k + 1);
    }
    expect(sent).toEqual([7]);
    expect(await store.outboxWorker.pending()).toBe(0);
  });

  it('a transient failure without a named time backs off and is given up after the usual tries', async () => {
    const store = await fresh();
    const clock = new ManualClock(T0);
    const errors: string[] = [];
    let tries = 0;
    const outbox = new OutboxRunner({
      store,
      clock,
      holder: 'a',
      log: { warn: () => {}, error: (_o, m) => void errors.push(m) },
      handlers: effectRegistry([
        handle(Limited, () => {
          tries++;
          return Promise.reject(new RetryableError('HTTP 503'));
        }),
      ]),
    });
    await enqueue(store, Limited, 1, 1, T0);
    for (let k = 0; k < OUTBOX_MAX_ATTEMPTS; k++) {
      await outbox.kick();
      await clock.advance(300_000);
    }
    expect(tries).toBe(OUTBOX_MAX_ATTEMPTS);
    expect(errors).toEqual(['side effect failed for good']);
    expect(await store.outboxWorker.pending()).toBe(0);
  });

  it('items of a batching handler run together, each with its own outcome', async () => {
    const store = await fresh();
    const clock = new ManualClock(T0);
    const batches: number[][] = [];
    const outbox = new OutboxRunner({
      store,
      clock,
      holder: 'a',
      log: quiet,
      handlers: effectRegistry([
        handleMany(Many, (xs) => {
          batches.push(xs.map((x) => x.n));
          return Promise.resolve(
            xs.map((x): PromiseSettledResult<unknown> =>
              x.n % 2 ? { status: 'rejected', reason: new Error('odd') } : { status: 'fulfilled', value: null },
            ),
          );
        }),
      ]),
    });
    await enqueue(store, Many, 0, 6, T0);
    await outbox.kick();
    expect(batches).toEqual([[0, 1, 2, 3, 4, 5]]);
    // The odd ones failed and wait for their retry; the even ones are done.
    expect(await store.outboxWorker.pending()).toBe(3);
    await clock.advance(1_000);
    await outbox.kick();
    expect(batches.at(-1)).toEqual([1, 3, 5]);
  });
});

it("Slack's rate limits: a 429 stops that method (chat.postMessage: that channel) until the time named, then lets calls through", async () => {
  let now = T0;
  const limits = new SlackRateLimits(
    () => now,
    () => 0.5,
  );
  const limited = Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: 2 });
  let calls = 0;
  const ok = () => Promise.resolve(++calls);
  await expect(
    limits.call('chat.postMessage', () => Promise.reject(limited), [], 'chat.postMessage:C1'),
  ).rejects.toMatchObject({
    name: 'RateLimitedError',
    retryAfterMs: 2_000,
  });
  // Held back without asking Slack, to come back spread over the second after the pause.
  await expect(limits.call('chat.postMessage', ok, [], 'chat.postMessage:C1')).rejects.toMatchObject({
    name: 'RateLimitedError',
    retryAfterMs: 2_500,
  });
  expect(calls).toBe(0);
  // Another channel, another method: not held back.
  expect(await limits.call('chat.postMessage', ok, [], 'chat.postMessage:C2')).toBe(1);
  expect(await limits.call('chat.update', ok)).toBe(2);
  now += 1_999;
  expect(limits.wait('chat.postMessage:C1')).toBe(1);
  now += 1;
  expect(await limits.call('chat.postMessage', ok, [], 'chat.postMessage:C1')).toBe(3);
});

it('calls held back during a Slack pause come back in turn, at the pace Slack allowed before the 429', async () => {
  let now = T0;
  const limits = new SlackRateLimits(
    () => now,
    () => 0.5,
  );
  const ok = () => Promise.resolve(true);
  // Slack took 10 edits in this second, then refused the 11th for 1 s.
  for (let i = 0; i < 10; i++) {
    await limits.call('chat.update', ok);
    now += 50;
  }
  const limited = Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
  await expect(limits.call('chat.update', () => Promise.reject(limited))).rejects.toMatchObject({
    retryAfterMs: 1_000,
  });
  // The backlog is told to come back a tenth of a second apart after the pause, not all at once.
  const waits: number[] = [];
  for (let i = 0; i < 3; i++)
    await limits.call('chat.update', ok).catch((e: { retryAfterMs: number }) => waits.push(e.retryAfterMs));
  expect(waits).toEqual([1_050, 1_150, 1_250]);
  // After the pause, calls go through again, and the next pause counts its backlog afresh (at the
  // pace of the last second Slack took calls in).
  now += 1_000;
  expect(await limits.call('chat.update', ok)).toBe(true);
  await expect(limits.call('chat.update', () => Promise.reject(limited))).rejects.toMatchObject({
    retryAfterMs: 1_000,
  });
  await expect(limits.call('chat.update', ok)).rejects.toMatchObject({ retryAfterMs: 1_050 });
});
