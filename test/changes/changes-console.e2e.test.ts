// Change approvals on the console: Steward in-process with its console on PassThrough streams,
// test/fixtures/changes-e2e.policy.yaml, one SQLite file shared by consecutive runs that speak as
// different people (STEWARD_CONSOLE_USER). bob requests through the form's prompts (a bad window
// is asked again) and cannot approve his own change; alice, the other owner, approves one change
// and rejects another by pressing the numbered buttons; list, show and calendar read them back.
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startSteward } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import { sqlitePath } from '../../src/store/dialect.js';
import { createSqliteDatabase } from '../support/databases.js';
import { LogCapture } from '../support/steward-slack.js';
import { until } from '../support/wait.js';

const POLICY = new URL('../fixtures/changes-e2e.policy.yaml', import.meta.url).pathname;

describe('change approvals on the console, two people on one database', () => {
  const db = createSqliteDatabase();
  afterAll(async () => {
    await db.drop();
  });

  /** A console Steward speaking as `user`: type a line, wait for what it answers. */
  async function consoleAs(user: string) {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (b: Buffer) => (out += b.toString()));
    const running = await startSteward(
      loadSettings({
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        STEWARD_CONSOLE: 'on',
        STEWARD_CONSOLE_USER: user,
        STEWARD_CONFIG: POLICY,
      }),
      { stdin, stdout, logDestination: new LogCapture() },
    );
    return {
      /** Types `line` and resolves with everything printed after it once `expected` appears. */
      async type(line: string, expected: string | RegExp): Promise<string> {
        const from = out.length;
        stdin.write(`${line}\n`);
        const seen = () => {
          const after = out.slice(from);
          return (typeof expected === 'string' ? after.includes(expected) : expected.test(after)) && after;
        };
        return until(`${JSON.stringify(expected)} after typing ${JSON.stringify(line)}\n--- output ---\n${out}`, seen);
      },
      out: () => out,
      async close() {
        stdin.end();
        await running.shutdown('test');
      },
    };
  }
  const rows = <T>(sql: string): T[] => {
    const conn = new Database(sqlitePath(db.url), { readonly: true, fileMustExist: true });
    try {
      return conn.prepare(sql).all() as T[];
    } finally {
      conn.close();
    }
  };

  it('bob requests two changes through the prompts (the bad window asked again) and may not approve his own', async () => {
    const bob = await consoleAs('bob');
    try {
      await bob.type('/change request Rotate the TLS certificate', '── Request a change ──');
      expect(bob.out()).toContain('Title [Rotate the TLS certificate]:');
      const service = await bob.type('', 'Service:');
      expect(service).toContain('  1) Payments API — payments-api · tier 1\n  2) Edge Gateway — edge-gateway · tier 1');
      const kind = await bob.type('1', 'Kind:');
      expect(kind).toContain(
        '  1) Standard (pre-approved)\n  2) Normal, low risk\n  3) Normal, medium risk\n  4) Normal, high risk\n  5) Emergency (name the incident)',
      );
      await bob.type('2', 'Planned window:');
      await bob.type('tomorrow at noon', 'Details:');
      // The form is checked once complete: only the bad field is asked again.
      const again = await bob.type('Swap the certificate; roll back by restoring the old one.', /Planned window:\n/);
      expect(again).toContain('  Planned window: Use YYYY-MM-DD HH:MM +2h or now +30m\nPlanned window:');
      expect(rows('select number from "change"')).toEqual([]);
      const done = await bob.type('now +2h', '[direct message to alice] message 1');
      expect(done).toContain('CHG-1 requested');
      // The card in the payments team's channel, and alice (the owner who did not ask) asked directly.
      expect(done).toMatch(
        /\[#payments\] message 1\n┌─ ! CHG-1 · Rotate the TLS certificate ─+\n(│[^\n]*\n)*│ Approvals +owners 0 of 1\n│ State +Waiting for approval\n(│[^\n]*\n)*│ \[1\] Approve {2}\[2\] Reject\n/,
      );
      expect(done).not.toContain('[direct message to carol');
      // The last message's buttons are current: Approve, on his own change.
      const refused = await bob.type('1', 'AUTH.FORBIDDEN');
      expect(refused).toContain('you requested this change: someone else must decide');

      await bob.type('/change request Drop the legacy tokens table', 'Title [Drop the legacy tokens table]:');
      await bob.type('', 'Service:');
      await bob.type('payments-api', 'Kind:');
      await bob.type('normal-medium', 'Planned window:');
      await bob.type('now +1h', 'Details:');
      await bob.type(
        'DROP TABLE legacy_tokens; restore last night’s backup to roll back.',
        '[direct message to alice] message 2',
      );
      const mine = await bob.type('/change list mine', 'Your changes (2)');
      expect(mine).toMatch(/CHG-1 Rotate the TLS certificate · Payments API · .* · Waiting for approval/);
      expect(mine).toMatch(/CHG-2 Drop the legacy tokens table · Payments API · .* · Waiting for approval/);
    } finally {
      await bob.close();
    }
    expect(
      rows(
        'select number, kind, risk, approval, requested_platform as platform, requested_by as who from "change" order by number',
      ),
    ).toEqual([
      { number: 1, kind: 'normal', risk: 'low', approval: 'pending', platform: 'console', who: 'bob' },
      { number: 2, kind: 'normal', risk: 'medium', approval: 'pending', platform: 'console', who: 'bob' },
    ]);
    expect(rows('select * from change_decision')).toEqual([]);
  });

  it('alice, in her own run, approves CHG-1 and rejects CHG-2 by their numbered buttons; every copy is edited', async () => {
    const alice = await consoleAs('alice');
    try {
      const pending = await alice.type('/change list pending', 'Changes waiting for approval (2)');
      expect(pending).toContain('CHG-1 Rotate the TLS certificate');
      const show = await alice.type('/change show CHG-1', '· CHG-1 · Waiting for approval');
      expect(show).toMatch(
        /│ ▸ History\n│ {3}[^\n]* · requested · bob \(console bob\)\n│ \[1\] Approve {2}\[2\] Reject\n/,
      );
      // No confirmation step on the console: the number is the click.
      const approved = await alice.type('1', '↻ direct message to alice message 1 updated');
      expect(approved).toContain('✓ You approved CHG-1');
      expect(approved).toContain('CHG-1 is now approved.');
      expect(approved).toContain('↻ #payments message 1 updated: CHG-1 · Rotate the TLS certificate');

      await alice.type('/change show CHG-2', '· CHG-2 · Waiting for approval');
      const form = await alice.type('2', 'Why:');
      expect(form).toContain('── Reject CHG-2 ──');
      const rejected = await alice.type(
        'Restore of that backup was never tested',
        '↻ direct message to alice message 2 updated',
      );
      expect(rejected).toContain('You rejected CHG-2');
      expect(rejected).toContain('CHG-2 is now rejected.');
      expect(rejected).toContain('↻ #payments message 2 updated: CHG-2 · Drop the legacy tokens table');

      const after = await alice.type('/change show CHG-1', '· CHG-1 · Approved');
      expect(after).toMatch(/│ Approvals +owners ✓\n│ +✓ @Alice Example /);
      expect(after).toMatch(/│ State +Approved\n/);
      expect(after).toMatch(
        /· approval_given · alice \(console alice\)\n│ {3}[^\n]* · approved · alice \(console alice\)\n/,
      );
      expect(after).not.toContain('[1] Approve');
      const reason = await alice.type('/change show CHG-2', '· CHG-2 · Rejected');
      expect(reason).toMatch(/✗ @Alice Example [^\n]*: Restore of that backup was never tested/);

      const calendar = await alice.type('/change calendar', 'in your time zone.');
      expect(calendar).toContain('Changes and freezes, the next 7 days');
      expect(calendar).toMatch(
        /▸ Changes \(1\)\n│ {3}CHG-1 Rotate the TLS certificate · Payments API · [^\n]* · Approved\n/,
      );
      expect(calendar).toContain('▸ Freezes (0)');
      const open = await alice.type('/change list', 'Open changes (1)');
      expect(open).not.toContain('CHG-2');
    } finally {
      await alice.close();
    }
    expect(rows('select number, approval, phase from "change" order by number')).toEqual([
      { number: 1, approval: 'approved', phase: 'requested' },
      { number: 2, approval: 'rejected', phase: 'requested' },
    ]);
    expect(rows('select person_id, decision, reason, platform from change_decision order by id')).toEqual([
      { person_id: 'alice', decision: 'approve', reason: null, platform: 'console' },
      {
        person_id: 'alice',
        decision: 'reject',
        reason: 'Restore of that backup was never tested',
        platform: 'console',
      },
    ]);
  });
});
