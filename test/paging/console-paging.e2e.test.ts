// Paging on the console over a real process: a page walks level 1 → level 2 → repeat → the team
// channel; the Acknowledge button stops it and edits every copy; a SIGKILL mid-escalation loses
// no step and fires none twice; /oncall shows and overrides who is on call.
// Policy: test/fixtures/paging.policy.yaml (checkout → checkout-fast: bob, then carol, 2s each, repeat 1).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type StewardProcess, spawnSteward } from '../support/process.js';
import { until as waitFor } from '../support/wait.js';

const POLICY = new URL('../fixtures/paging.policy.yaml', import.meta.url).pathname;
const BANNER = 'Steward console.';
const NOBODY = /\[#payments\] message \d+\n┌─[^\n]*nobody acknowledged/;

const running: StewardProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0))
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
});

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'steward-console-paging-'));
  const db = join(dir, 'steward.db');
  return { db, env: { DATABASE_URL: `file:${db}`, STEWARD_CONFIG: POLICY, LOG_LEVEL: 'warn' } };
}

/** A console Steward whose stdin stays open, so lines can be typed as output arrives. */
function start(env: Record<string, string>, user: string) {
  const p = spawnSteward('src/main.ts', [], { ...env, STEWARD_CONSOLE_USER: user });
  running.push(p);
  return {
    p,
    type: (line: string) => p.child.stdin.write(`${line}\n`),
    out: () => p.stdout(),
    /** Ends stdin and waits for the graceful exit. */
    async close() {
      p.child.stdin.end();
      return p.exited;
    },
  };
}

/** Polls `cond` over the output until it holds; fails with the output after `timeoutMs`. */
async function until<T>(
  p: StewardProcess,
  cond: () => T | undefined | null | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > deadline || p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`gave up waiting for ${what}\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
    await sleep(20);
  }
}

interface Post {
  /** "bob" for a direct message to bob, "#payments" for a channel post. */
  to: string;
  id: string;
  title: string;
  body: string;
}

/** Page messages and posts Steward printed (direct messages and channel posts, complete cards only). */
function posts(out: string): Post[] {
  const re =
    /^\[(?:direct message to (\w+)(?: \(you\))?|(#[\w-]+))\] message (\d+)\n┌─ (?:[!✓] ?)*([^\n]*?) ─+\n((?:│[^\n]*\n)*)└─+$/gm;
  return [...out.matchAll(re)].map((m) => ({ to: (m[1] ?? m[2])!, id: m[3]!, title: m[4]!, body: m[5]! }));
}
const dmsTo = (out: string, who: string) => posts(out).filter((x) => x.to === who);

/** Reads Steward's SQLite file through a read-only connection of its own. */
function read<T>(db: string, sql: string): T[] {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}
/** Every step of PAGE-1 fired and every side effect carried out: nothing more is coming. */
const done = (db: string) =>
  read<{ n: number }>(db, "select count(*) as n from page_step where state = 'pending'")[0]!.n === 0 &&
  read<{ n: number }>(db, "select count(*) as n from outbox_item where state != 'done'")[0]!.n === 0;

describe('paging on the console', () => {
  it('walks level 1 → level 2 → repeat → the team channel, each message once, each after the ack timeout', async () => {
    const { env, db } = fresh();
    const s = start(env, 'alice');
    await until(s.p, () => s.out().includes(BANNER), 'the banner');
    s.type('/page checkout Checkout returns 502');
    await until(s.p, () => s.out().includes('PAGE-1 · paging the on-call for Checkout'), 'the /page reply');

    await until(s.p, () => NOBODY.test(s.out()), 'the "nobody acknowledged" post');
    // Nothing pending, nothing left to send: what is printed by the exit is all there will be.
    await until(s.p, () => done(db), 'every step fired and every message sent');
    expect((await s.close()).code).toBe(0);

    const all = posts(s.out());
    expect(all.map((x) => x.to)).toEqual(['bob', 'carol', 'bob', 'carol', '#payments']);
    expect(all.map((x) => /Escalation\s+([^·\n]*?) ·/.exec(x.body)?.[1])).toEqual([
      'level 1 of 2, round 1 of 2',
      'level 2 of 2, round 1 of 2',
      'level 1 of 2, round 2 of 2',
      'level 2 of 2, round 2 of 2',
      'nobody acknowledged',
    ]);
    for (const dm of all.slice(0, 4)) {
      expect(dm.title).toBe('🔔 PAGE-1 · Checkout');
      expect(dm.body).toContain('Checkout returns 502');
      expect(dm.body).toMatch(/\[1\] Acknowledge/);
    }
    expect(all[4]!.title).toContain('nobody acknowledged');
    expect(all[4]!.title).toBe('⚠️ PAGE-1 · nobody acknowledged · Checkout');
    // No step before its due instant, and each due 2s after the previous one fired.
    const steps = read<{ due: string; fired: string }>(
      db,
      'select due_at as due, fired_at as fired from page_step order by seq',
    ).map((x) => ({ due: Date.parse(x.due), fired: Date.parse(x.fired) }));
    expect(steps).toHaveLength(5);
    for (const st of steps) expect(st.fired).toBeGreaterThanOrEqual(st.due);
    expect(steps.slice(1).map((st, i) => st.due - steps[i]!.fired)).toEqual([2_000, 2_000, 2_000, 2_000]);
    // Every earlier copy was brought up to date in place.
    for (const dm of all.slice(0, 4))
      expect(s.out()).toContain(
        `↻ direct message to ${dm.to} message ${dm.id} updated: ⚠️ PAGE-1 · nobody acknowledged · Checkout`,
      );
  }, 45_000);

  it('Acknowledge on the direct message stops the escalation and edits the message', async () => {
    const { env, db } = fresh();
    const s = start(env, 'bob');
    await until(s.p, () => s.out().includes(BANNER), 'the banner');
    s.type('/page checkout Checkout returns 502');
    // Bob's direct message, complete with its buttons.
    const dm = await until(
      s.p,
      () =>
        /^\[direct message to bob \(you\)\] message (\d+)\n┌─[^\n]*\n(?:│[^\n]*\n)*?│ (?:\[\d+\] [^\n[]+ {2})*\[(\d+)\] Acknowledge/m.exec(
          s.out(),
        ),
      "bob's direct message",
    );
    const [, messageId, button] = dm;
    expect(dmsTo(s.out(), 'carol')).toEqual([]); // still within level 1's 2s
    s.type(button!);
    await until(s.p, () => s.out().includes('You acknowledged PAGE-1'), 'the acknowledgement');
    const edited = new RegExp(
      `↻ direct message to bob message ${messageId} updated: ✅ PAGE-1 acknowledged by Bob Builder · Checkout`,
    );
    await until(s.p, () => edited.test(s.out()), 'the edit of the direct message', 5_000);

    // The acknowledgement cancelled level 2 (only pending steps ever fire) and nothing is left to send.
    await until(s.p, () => done(db), 'level 2 cancelled and nothing left to send', 5_000);
    expect((await s.close()).code).toBe(0);
    expect(s.out()).not.toContain('[direct message to carol');
    expect(dmsTo(s.out(), 'bob')).toHaveLength(1);
    expect(s.out()).not.toContain('[#payments]');

    const d = new Database(db, { readonly: true });
    expect(d.prepare('select status, ack_by as by from page where number = 1').get()).toEqual({
      status: 'acknowledged',
      by: 'bob',
    });
    expect(d.prepare('select seq, state from page_step order by seq').all()).toEqual([
      { seq: 0, state: 'fired' },
      { seq: 1, state: 'cancelled' },
    ]);
    d.close();
  }, 30_000);

  it('SIGKILL mid-escalation: a restart fires the overdue level at once, then walks on; no step fires twice', async () => {
    const { env, db } = fresh();
    const first = start(env, 'alice');
    await until(first.p, () => first.out().includes(BANNER), 'the banner');
    first.type('/page checkout Checkout returns 502');
    await until(first.p, () => dmsTo(first.out(), 'bob').length === 1, "bob's level-1 direct message");
    // Kill once the delivery is on record and its outbox items are done: a kill between printing and
    // recording would legitimately send it again after the restart (at least once; see the next test),
    // which this test's exact counts do not allow. Takes milliseconds.
    await until(
      first.p,
      () => {
        const d = new Database(db, { readonly: true, fileMustExist: true });
        try {
          const sent = d.prepare("select 1 from page_message where send_key = '1:0:console:bob'").get();
          const open = d.prepare("select count(*) as n from outbox_item where state != 'done'").get() as { n: number };
          return sent && open.n === 0;
        } finally {
          d.close();
        }
      },
      "bob's delivery on record",
      1_000,
    );
    first.p.child.kill('SIGKILL');
    expect((await first.p.exited).signal).toBe('SIGKILL');
    expect(dmsTo(first.out(), 'carol')).toEqual([]);

    let d = new Database(db, { readonly: true });
    const pending = d.prepare('select seq, state, due_at as due from page_step order by seq').all() as {
      seq: number;
      state: string;
      due: string;
    }[];
    d.close();
    expect(pending.map(({ seq, state }) => ({ seq, state }))).toEqual([
      { seq: 0, state: 'fired' },
      { seq: 1, state: 'pending' },
    ]);
    // Stay down until level 2 is overdue.
    const dueAt = Date.parse(pending[1]!.due);
    await waitFor('level 2 to fall due while down', () => Date.now() > dueAt, 5_000);

    const second = start(env, 'alice');
    await until(second.p, () => second.out().includes(BANNER), 'the banner after restart');
    const readyAt = Date.now();
    await until(
      second.p,
      () => dmsTo(second.out(), 'carol').length === 1,
      "carol's overdue level-2 direct message",
      10_000,
    );
    expect(Date.now() - readyAt, 'overdue step fired right after start').toBeLessThan(1_500);
    await until(second.p, () => NOBODY.test(second.out()), 'the "nobody acknowledged" post', 20_000);
    await until(second.p, () => done(db), 'every step fired and every message sent');
    expect((await second.close()).code).toBe(0);

    expect(posts(second.out()).map((x) => x.to)).toEqual(['carol', 'bob', 'carol', '#payments']);
    const both = first.out() + second.out();
    expect(dmsTo(both, 'bob')).toHaveLength(2);
    expect(dmsTo(both, 'carol')).toHaveLength(2);
    expect(posts(both).filter((x) => x.to === '#payments')).toHaveLength(1);

    d = new Database(db, { readonly: true });
    const steps = d
      .prepare(
        'select seq, kind, state, fired_by as by from page_step where page_id = (select id from page where number = 1) order by seq',
      )
      .all() as {
      seq: number;
      kind: string;
      state: string;
      by: string;
    }[];
    expect(steps.map(({ seq, kind, state }) => ({ seq, kind, state }))).toEqual([
      { seq: 0, kind: 'notify', state: 'fired' },
      { seq: 1, kind: 'notify', state: 'fired' },
      { seq: 2, kind: 'notify', state: 'fired' },
      { seq: 3, kind: 'notify', state: 'fired' },
      { seq: 4, kind: 'exhausted', state: 'fired' },
    ]);
    // Level 1 fired in the killed process, everything after in the new one.
    expect(steps[0]!.by).toMatch(new RegExp(`-${first.p.child.pid}$`));
    for (const st of steps.slice(1)) expect(st.by).toMatch(new RegExp(`-${second.p.child.pid}$`));
    const sends = (
      d.prepare("select payload, state from outbox_item where kind = 'page.send' order by id").all() as {
        payload: string;
        state: string;
      }[]
    ).map((r) => {
      const x = JSON.parse(r.payload) as { seq: number; to: string };
      return `${x.seq}:${x.to}:${r.state}`;
    });
    expect(sends).toEqual(['0:bob:done', '1:carol:done', '2:bob:done', '3:carol:done', '4:payments:done']);
    expect(d.prepare("select count(*) as n from outbox_item where state != 'done'").get()).toEqual({ n: 0 });
    const messages = (d.prepare('select send_key as k from page_message order by id').all() as { k: string }[]).map(
      (r) => r.k,
    );
    expect(messages).toEqual([
      '1:0:console:bob',
      '1:1:console:carol',
      '1:2:console:bob',
      '1:3:console:carol',
      '1:4:console:payments',
    ]);
    expect(d.prepare("select count(*) as n from audit_entry where action = 'page.escalated'").get()).toEqual({ n: 4 });
    expect(d.prepare("select count(*) as n from audit_entry where action = 'page.exhausted'").get()).toEqual({ n: 1 });
    d.close();
  }, 45_000);

  it('a message the killed process had claimed but not sent goes out right after restart, not when its claim expires', async () => {
    const { env, db } = fresh();
    const first = start(env, 'alice');
    await until(first.p, () => first.out().includes(BANNER), 'the banner');
    first.type('/page checkout Checkout returns 502');
    await until(first.p, () => dmsTo(first.out(), 'bob').length === 1, "bob's level-1 direct message");
    first.p.child.kill('SIGKILL');
    await first.p.exited;
    // Put the database in the state of a kill between claiming bob's message and sending it:
    // the item is claimed by the dead process for another 10 minutes, and nothing was recorded.
    const d = new Database(db);
    const { locked_until: sample } = d
      .prepare("select due_at as locked_until from outbox_item where kind = 'page.send'")
      .get() as { locked_until: string | number };
    const later = Date.now() + 600_000;
    d.prepare(
      "update outbox_item set state = 'pending', locked_by = 'ghost-1', locked_until = ?, attempts = 1 where kind = 'page.send'",
    ).run(typeof sample === 'number' ? later : new Date(later).toISOString());
    d.prepare("delete from page_message where send_key = '1:0:console:bob'").run();
    d.close();

    const second = start(env, 'alice');
    await until(second.p, () => second.out().includes(BANNER), 'the banner after restart');
    const readyAt = Date.now();
    await until(second.p, () => dmsTo(second.out(), 'bob').length === 1, "bob's unsent direct message", 5_000);
    expect(Date.now() - readyAt, 'sent right after start').toBeLessThan(1_500);
    second.p.child.kill('SIGKILL');
  }, 30_000);

  it('/oncall shows who is on call; an override by a member moves it, and is refused to others', async () => {
    const { env } = fresh();
    const bob = start(env, 'bob');
    await until(bob.p, () => bob.out().includes(BANNER), 'the banner');
    bob.type('/oncall checkout');
    await until(
      bob.p,
      () => /On call: checkout-primary[^\n]*\n│ Now\s+@Bob Builder until /.test(bob.out()),
      '/oncall checkout',
    );
    bob.type('/oncall override @alice 2h checkout-primary');
    await until(
      bob.p,
      () => bob.out().includes('Alice Example is on call for checkout-primary for 2h'),
      'the override',
    );
    expect(bob.out()).toMatch(/@Alice Example covers checkout-primary from [^\n]* instead of @Bob Builder\./);
    bob.type('/oncall checkout-primary');
    await until(
      bob.p,
      () =>
        /steward> \/oncall checkout-primary\n┌─ On call: checkout-primary[^\n]*\n│ Now\s+@Alice Example \(override[^\n]*/.test(
          bob.out(),
        ),
      '/oncall after the override',
    );
    expect(bob.out()).toMatch(
      /│ Now\s+@Alice Example \(override for @Bob Builder, set by @Bob Builder\) until [^\n]*\n│ Next\s+@Bob Builder from /,
    );
    // A page now reaches the cover, not bob.
    bob.type('/page checkout Checkout returns 502');
    await until(bob.p, () => posts(bob.out()).length >= 1, 'the page message');
    expect(posts(bob.out())[0]!.to).toBe('alice');
    expect((await bob.close()).code).toBe(0);

    // carol is neither in checkout-primary nor in the team it pages for.
    const carol = start(env, 'carol');
    carol.type('/oncall override @carol 2h checkout-primary');
    carol.type('/oncall checkout');
    expect((await carol.close()).code).toBe(0);
    expect(carol.out()).toContain(
      'Only members of checkout-primary and of the teams it pages for may set up cover in it.',
    );
    expect(carol.out()).toMatch(/│ Now\s+@Alice Example \(override for @Bob Builder, set by @Bob Builder\)/);
  }, 30_000);
});
