// The console chat driven over a real process's stdin/stdout, as `npm start` runs it without credentials.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli, spawnSteward } from '../support/process.js';

const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-console-'));
  return { dir, env: { DATABASE_URL: `file:${join(dir, 'data', 'steward.db')}`, LOG_LEVEL: 'warn' } };
};

describe('console chat', () => {
  it('answers piped commands like Slack and Discord would, presses numbered buttons, exits at EOF', async () => {
    const { env, dir } = fresh();
    const p = spawnSteward('src/main.ts', [], env);
    p.child.stdin.end(
      [
        '/steward help',
        '/service list',
        '2',
        '1',
        '/service show nope',
        '7',
        'hello',
        '/service list payments',
        'exit',
      ].join('\n') + '\n',
    );
    const { code } = await p.exited;
    const out = p.stdout();
    expect(code).toBe(0);
    expect(out).toContain('You are Alice Example');
    expect(out).toContain('Owner of Payments API payments-api');
    expect(out).toMatch(
      /Service catalog[\s\S]*Payments \(2\)[\s\S]*Payments API payments-api · tier 1 · @Alice Example/,
    );
    // [2] of the list is Payments API (tier 1, alphabetical), then [1] of that card is its escalation path.
    expect(out).toMatch(
      /steward> 2\n┌─ ! Payments API[\s\S]*Escalation path {2}payments-default · 2 levels, 15m per pass, repeats 1×/,
    );
    expect(out).toMatch(
      /steward> 1\n┌─ Escalation path of Payments API[\s\S]*Level 2 · after 5m\n│ {3}@Carol Danvers, team Payments/,
    );
    expect(out).toMatch(/There is no service "nope"[\s\S]*SERVICE\.NOT_FOUND/);
    expect(out).toContain('There are no buttons to press yet.');
    expect(out).toContain('Commands start with "/"');
    expect(out).toMatch(/Services of Payments[\s\S]*Ledger ledger · tier 2/);

    // The run left an audit trail that verifies, and tampering is reported at its entry.
    const ok = await runCli(['audit', 'verify'], env);
    expect(ok.stdout).toMatch(/audit log intact: 2 entries verified/);
    expect(ok.code).toBe(0);
    const db = new Database(join(dir, 'data', 'steward.db'));
    const actions = db.prepare('select action from audit_entry order by seq').all() as { action: string }[];
    expect(actions.map((a) => a.action)).toEqual(['policy.applied', 'identity.first_seen']);
    db.prepare("update audit_entry set subject = 'identity:console:mallory' where seq = 2").run();
    db.close();
    const bad = await runCli(['audit', 'verify'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/audit log TAMPERED at entry #2 \(hash mismatch\); 1 entries before it verified/);
  });

  it('refuses to start on an invalid policy, naming file, line and path', async () => {
    const { env, dir } = fresh();
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'people: [{ id: a, name: A }]\nteams:\n  - id: t\n    name: T\n    members: [a, zed]\n');
    const p = spawnSteward('src/main.ts', [], { ...env, STEWARD_CONFIG: file });
    p.child.stdin.end();
    const { code } = await p.exited;
    expect(code).toBe(1);
    expect(p.stderr()).toContain(`${file}:5:18 teams[0].members[1]: unknown person "zed" (known: a)`);
  });
});
