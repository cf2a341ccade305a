// The incident flow in the console chat over a real process: form, war room, announcement, role,
// update, 📌, refused and accepted resolve, postmortem.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { spawnSteward } from '../support/process.js';

async function run(env: Record<string, string>, lines: string[]) {
  const p = spawnSteward('src/main.ts', [], env);
  p.child.stdin.end(lines.join('\n') + '\n');
  const { code } = await p.exited;
  return { code, out: p.stdout(), err: p.stderr() };
}

it('declare → war room → announcement → role → update → 📌 → refused resolve → resolve → postmortem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-console-inc-'));
  const env = { DATABASE_URL: `file:${join(dir, 'steward.db')}`, LOG_LEVEL: 'warn' };
  const first = await run(env, [
    '/incident declare Database down @everyone',
    '', // keep the prefilled title
    '9', // not an option: asked again
    '2',
    '1',
    'Primary is out of connections',
    'n', // paging from the console is covered by console-paging.test.ts
    'pgbouncer max_client_conn reached',
    '/pin 3',
    '/pin 3',
    '/incident role scribe @bob',
    '/incident update Rolled back the deploy',
    '/incident status monitoring error rate falling',
  ]);
  expect(first.code).toBe(0);
  const out = first.out;
  expect(out).toContain('Choose 1-4 or one of: SEV1, SEV2, SEV3, SEV4');
  expect(out).toContain('INC-1 declared');
  expect(out).toContain('── #inc-1-database-down-everyone opened ──');
  expect(out).toMatch(/\[#inc-1-database-down-everyone\] message \d+\n┌─ ! INC-1 · Database down @everyone/);
  expect(out).toMatch(/📌 #inc-1-database-down-everyone: message \d+ pinned/);
  const announcement = /\[#incidents\] message (\d+)\n┌─ ! 🚨 INC-1/.exec(out)?.[1];
  expect(announcement).toBeDefined();
  expect(out).toContain('📌 message 3 added to the incident timeline');
  expect(out).toContain('message 3 was already on the timeline');
  expect(out).toMatch(/\[direct message to bob\][\s\S]*You are scribe for INC-1[\s\S]*pin key messages/);
  expect(out).toMatch(/\[#inc-1-database-down-everyone\] message \d+\n┌─ INC-1 update ─+\n│ Rolled back the deploy/);
  expect(out).toMatch(
    new RegExp(`\\[#incidents › thread of message ${announcement}\\] message \\d+\\n┌─ INC-1 update`),
  );
  expect(out).toContain(`↻ #incidents message ${announcement} updated`);

  const carol = await run({ ...env, STEWARD_CONSOLE_USER: 'carol' }, ['/incident resolve INC-1 it is fine']);
  expect(carol.out).toContain('Only the commander or declarer may resolve INC-1.');

  const second = await run(env, [
    '/join inc-1-database-down-everyone',
    '/incident resolve Rolled back; pool size raised',
    '/incident postmortem',
    '/incident timeline',
    '/incident stats',
  ]);
  expect(second.out).toContain('INC-1: Resolved: Rolled back; pool size raised');
  expect(second.out).toMatch(
    /Postmortem draft: INC-1[\s\S]*## Response times[\s\S]*## Timeline[\s\S]*📌 pgbouncer max_client_conn reached/,
  );
  expect(second.out).toMatch(
    /INC-1 timeline[\s\S]*Declared as SEV2[\s\S]*📌 pgbouncer max_client_conn reached[\s\S]*Bob Builder is now scribe[\s\S]*Rolled back the deploy[\s\S]*Status investigating → monitoring[\s\S]*Resolved/,
  );
  expect(second.out).toMatch(/Incident stats, last 30d[\s\S]*1 incidents, 1 closed/);

  const db = new Database(join(dir, 'steward.db'), { readonly: true });
  expect(db.prepare('select number, status, war_room_state as w from incident').all()).toEqual([
    { number: 1, status: 'resolved', w: 'ready' },
  ]);
  expect(db.prepare("select count(*) as n from timeline_entry where kind = 'pinned'").get()).toEqual({ n: 1 });
  expect(db.prepare("select count(*) as n from outbox_item where state != 'done'").get()).toEqual({ n: 0 });
  const actions = (
    db.prepare("select action from audit_entry where subject = 'incident:INC-1' order by seq").all() as {
      action: string;
    }[]
  ).map((r) => r.action);
  expect(actions).toEqual([
    'incident.declared',
    'incident.pinned',
    'incident.role',
    'incident.update',
    'incident.status',
    'incident.resolved',
  ]);
  db.close();
});
