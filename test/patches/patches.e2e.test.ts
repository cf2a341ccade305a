// Patch SLAs end to end: scanner reports imported by the CLI (a real process) and by
// POST /api/v1/findings against a running Steward (tokens, scopes, limits, refusals, logs), the
// KEV catalog by the CLI, and /patch list (paged with Next / Previous) and /patch show with its
// Request exception button on Slack (real Bolt), Discord (real discord.js) and the console.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import { importReport } from '../../src/core/patches/findings/importer.js';
import { openStore } from '../../src/store/index.js';
import { runCli, spawnSteward } from '../support/process.js';
import { generatedVulns, kevCatalog, trivyReport } from '../support/reports.js';
import { LogCapture, startStewardSlack, type StewardSlack } from '../support/steward-slack.js';
import { POLICY_DISCORD, startDiscordSteward, type DiscordSteward } from '../support/steward-discord.js';
import { until } from '../support/wait.js';
import { offsetClock } from '../support/clock.js';

type Json = Record<string, any>;
const example = readFileSync(new URL('../../manifests/policy.example.yaml', import.meta.url), 'utf8');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const MARKER = 'do-not-log-this-report-body';
const rowsOf = <T>(file: string, sql: string): T[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
};

/** 23 findings (every 4th critical) and 2 suppressed, in one service: three pages of /patch list. */
const vulns = generatedVulns(23);
const report = trivyReport(vulns, { suppressed: generatedVulns(30).slice(28) });

/** Imports the report into the database of a running Steward (a second connection, as the CLI would). */
async function seed(url: string, running: RunningSteward, serviceId = 'payments-api') {
  const store = await openStore({ url });
  try {
    const r = await importReport(
      { store, clock: offsetClock(0), dir: running.steward.dir },
      { serviceId, input: report, actor: { platform: 'cli' }, by: 'cli:test' },
    );
    if (!r.ok) throw new Error(r.reason);
  } finally {
    await store.close();
  }
}

describe('`steward import` and `steward kev import` (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-import-'));
  const file = join(dir, 'steward.db');
  const env = { DATABASE_URL: `file:${file}`, LOG_LEVEL: 'warn' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one summary line; a refused report exits 1 with the reason and stores nothing; KEV flags what it lists', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        SchemaVersion: 2,
        Results: [{ Target: 'x', Vulnerabilities: [{ VulnerabilityID: 'CVE-2026-1' }] }],
      }),
    );
    const refused = await runCli(['import', bad, '--service', 'payments-api'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^payments-api: report refused, nothing stored: .*PkgName/m);
    expect(rowsOf(file, 'select * from finding')).toEqual([]);
    expect(rowsOf(file, 'select * from finding_import')).toEqual([]);

    const good = join(dir, 'trivy.json');
    writeFileSync(good, report);
    const first = await runCli(['import', good, '--service', 'payments-api', '--format', 'trivy'], env);
    expect(first.stdout.trim()).toBe('payments-api: trivy, 23 new, 0 unchanged, 0 fixed, 0 reopened, 2 suppressed');
    expect(first.code).toBe(0);
    writeFileSync(good, trivyReport(vulns.slice(3)));
    const again = await runCli(['import', good, '--service', 'payments-api'], env);
    expect(again.stdout.trim()).toBe('payments-api: trivy, 0 new, 20 unchanged, 5 fixed, 0 reopened, 0 suppressed');

    expect((await runCli(['import', good, '--service', 'nope'], env)).stderr).toContain(
      'there is no service "nope" in the policy',
    );
    expect((await runCli(['import', good, '--service', 'ledger', '--format', 'nessus'], env)).code).toBe(2);

    const kev = join(dir, 'kev.json');
    // Due in 3 days: sooner than the 14 days of a tier-1 high finding.
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    writeFileSync(
      kev,
      kevCatalog([
        { cve: vulns[5]!.id, dueDate: soon },
        { cve: 'CVE-1999-0001', dueDate: '2000-01-01' },
      ]),
    );
    const k = await runCli(['kev', 'import', kev], env);
    expect(k.stdout.trim()).toBe('KEV catalog: 2 entries; 1 finding(s) newly known exploited, 1 deadline(s) moved');
    const flagged = rowsOf<{ vuln_id: string; known_exploited: number }>(
      file,
      'select vuln_id, known_exploited from finding where known_exploited = 1',
    );
    expect(flagged.map((r) => r.vuln_id)).toEqual([vulns[5]!.id]);
    const audit = rowsOf<{ action: string }>(
      file,
      "select action from audit_entry where action like 'findings.%' or action like 'kev.%' order by seq",
    );
    expect(audit.map((a) => a.action)).toEqual(['findings.imported', 'findings.imported', 'kev.imported']);
  });

  it('Steward recomputes the deadlines at start when the policy changed while it was down', async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      example.replace(
        'sla: { critical: 7d, high: 30d, medium: 90d, low: 120d }',
        'sla: { critical: 7d, high: 30d, medium: 10d, low: 120d }',
      ),
    );
    const p = spawnSteward('src/main.ts', [], { ...env, STEWARD_CONFIG: policy, LOG_LEVEL: 'info' });
    try {
      const line = await p.waitFor(/\{[^\n]*"msg":"finding deadlines recomputed for the current policy"[^\n]*\}/);
      // The five open medium findings move to 10 days; nothing else does.
      expect(JSON.parse(line)).toMatchObject({ moved: 5 });
      p.child.stdin.end('exit\n');
      expect((await p.exited).code).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});

describe('POST /api/v1/findings against a running Steward', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-findings-api-'));
  const policyFile = join(dir, 'policy.yaml');
  const logs = new LogCapture();
  const ci = `stw_${'c'.repeat(43)}`;
  const reader = `stw_${'r'.repeat(43)}`;
  let running: RunningSteward;
  let base = '';
  const post = (body: string, opts: { token?: string; service?: string; type?: string } = {}) =>
    fetch(`${base}/api/v1/findings${opts.service === '' ? '' : `?service=${opts.service ?? 'payments-api'}`}`, {
      method: 'POST',
      headers: {
        ...(opts.token !== '' ? { authorization: `Bearer ${opts.token ?? ci}` } : {}),
        'content-type': opts.type ?? 'application/json',
      },
      body,
    });

  beforeAll(async () => {
    writeFileSync(
      policyFile,
      `${example}\napi:\n  tokens:\n    - { id: ci-payments, sha256: "${sha(ci)}", scopes: [findings:write], services: [payments-api] }\n    - { id: reader, sha256: "${sha(reader)}", scopes: [changes:read] }\n`,
    );
    running = await startSteward(
      loadSettings({
        DATABASE_URL: `file:${join(dir, 'steward.db')}`,
        STEWARD_CONFIG: policyFile,
        PORT: '0',
        HOST: '127.0.0.1',
        STEWARD_CONSOLE: 'off',
        NODE_ENV: 'test',
        LOG_LEVEL: 'debug',
        STEWARD_MAX_REPORT_BYTES: '200000',
      }),
      { logDestination: logs },
    );
    base = `http://127.0.0.1:${running.port}`;
  });
  afterAll(async () => {
    await running?.shutdown('test');
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a report: 200 with the counts; the same report again changes nothing', async () => {
    const body = trivyReport(generatedVulns(12).map((v) => ({ ...v, title: `${v.title} ${MARKER}` })));
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      format: 'trivy',
      service: 'payments-api',
      new: 12,
      unchanged: 0,
      fixed: 0,
      reopened: 0,
      suppressed: 0,
    });
    const again = await post(body, { type: 'application/octet-stream' });
    expect(await again.json()).toEqual({
      format: 'trivy',
      service: 'payments-api',
      new: 0,
      unchanged: 12,
      fixed: 0,
      reopened: 0,
      suppressed: 0,
    });
    const imported = logs.records().filter((r) => r.msg === 'scanner report imported');
    expect(imported).toHaveLength(2);
    expect(imported[0]).toMatchObject({ service: 'payments-api', tokenId: 'ci-payments', format: 'trivy', new: 12 });
    expect(logs.text).not.toContain(MARKER);
    expect(logs.text).not.toContain(ci);
  });

  it('a policy reload recomputes the deadlines of open findings and logs how many moved', async () => {
    writeFileSync(
      policyFile,
      readFileSync(policyFile, 'utf8').replace('sla: { critical: 3d, high: 14d }', 'sla: { critical: 2d, high: 14d }'),
    );
    expect(await running.reloadPolicy()).toMatchObject({ ok: true, changed: true });
    // The three open critical findings of the first import (payments-api is tier 1) move from 3 to 2 days.
    expect(logs.records().find((r) => r.msg === 'policy reloaded')).toMatchObject({ deadlinesMoved: 3 });
  });

  it('refuses: 401 without a token, 403 without the scope or the service, 415, 413 over the limit, 422 unreadable — nothing stored', async () => {
    const body = trivyReport(generatedVulns(3, 500));
    expect((await post(body, { token: '' })).status).toBe(401);
    const noScope = await post(body, { token: reader });
    expect(noScope.status).toBe(403);
    expect(await noScope.json()).toEqual({
      error: 'forbidden',
      detail: 'token "reader" lacks the scope findings:write',
    });
    const otherService = await post(body, { service: 'ledger' });
    expect(otherService.status).toBe(403);
    expect(await otherService.json()).toEqual({
      error: 'forbidden',
      detail: 'token "ci-payments" may not act on service "ledger"',
    });
    expect((await post(body, { service: '' })).status).toBe(400);
    expect((await post(body, { type: 'text/plain' })).status).toBe(415);
    const sarif = await post(JSON.stringify({ version: '2.1.0', runs: [] }), { type: 'application/sarif+json' });
    expect(sarif.status).toBe(200);
    expect(await sarif.json()).toMatchObject({ format: 'sarif', new: 0 });
    const big = await post(trivyReport(generatedVulns(1000)));
    expect(big.status).toBe(413);
    const unreadable = await post(
      `{"SchemaVersion": 2, "Results": [{"Target": "${MARKER}", "Vulnerabilities": [{}]}]}`,
    );
    expect(unreadable.status).toBe(422);
    const answer = await unreadable.json();
    expect(answer.error).toBe('unreadable report');
    expect(answer.detail).toContain('VulnerabilityID');
    expect(logs.text).not.toContain(MARKER);
    const db = new Database(join(dir, 'steward.db'), { readonly: true });
    const n = (db.prepare("select count(*) as n from finding where service_id = 'payments-api'").get() as { n: number })
      .n;
    const imports = (db.prepare('select count(*) as n from finding_import').get() as { n: number }).n;
    db.close();
    expect([n, imports]).toEqual([12, 3]);
  });
});

const ALICE = 'U0ALICE';

describe('/patch on Slack (real Bolt, FakeSlack)', () => {
  let s: StewardSlack;
  beforeAll(async () => {
    s = await startStewardSlack();
    await seed(s.db.url, s.running);
  });
  afterAll(async () => {
    await s?.close();
  });
  const texts = (blocks: Json[]) => JSON.stringify(blocks);
  const reply = async (click: Awaited<ReturnType<StewardSlack['sim']['blockAction']>>) =>
    (await s.fake.waitForResponse((r) => click.sent.response_url.endsWith(r.id))).body;

  it('/patch list pages 10 at a time with Next and Previous; /patch show has everything and Request exception opens its form', async () => {
    const res = await s.sim.slashCommand({ command: '/patch', text: 'list payments-api', user_id: ALICE });
    expect(res.status).toBe(200);
    const blocks = res.json.blocks as Json[];
    expect(blocks[0]!.text.text).toBe(':warning: Open findings · Payments API');
    expect(texts(blocks)).toContain('Showing 1–10 of 23, worst first.');
    expect(texts(blocks)).toMatch(/F-\d+ · CRITICAL · CVE-/);
    expect(texts(blocks)).toContain('pkg-0 1.0.0 → no fix yet');
    const buttons = blocks.find((b) => b.type === 'actions')!.elements as Json[];
    expect(buttons.map((b) => [b.text.text, b.value])).toEqual([['Next', 'st1|patch.list|payments-api||10']]);

    const next = await s.sim.blockAction({ action_id: buttons[0]!.action_id, value: buttons[0]!.value, user: ALICE });
    const page2 = await reply(next);
    expect(page2.replace_original).toBe(true);
    expect(texts(page2.blocks)).toContain('Showing 11–20 of 23, worst first.');
    const nav = page2.blocks.find((b: Json) => b.type === 'actions').elements as Json[];
    expect(nav.map((b) => [b.text.text, b.value])).toEqual([
      ['Previous', 'st1|patch.list|payments-api||0'],
      ['Next', 'st1|patch.list|payments-api||20'],
    ]);
    const page3 = await reply(
      await s.sim.blockAction({ action_id: nav[1]!.action_id, value: nav[1]!.value, user: ALICE }),
    );
    expect(texts(page3.blocks)).toContain('Showing 21–23 of 23, worst first.');

    const team = await s.sim.slashCommand({ command: '/patch', text: 'list payments overdue', user_id: ALICE });
    expect(texts(team.json.blocks)).toContain('No overdue findings.');
    const bad = await s.sim.slashCommand({ command: '/patch', text: 'list nope', user_id: ALICE });
    expect(bad.json.text).toContain('There is no service or team "nope".');

    const { id } = s.query<{ id: number }>(
      "select id from finding where severity = 'critical' order by id limit 1",
    )[0]!;
    const show = await s.sim.slashCommand({ command: '/patch', text: `show F-${id}`, user_id: ALICE });
    const card = texts(show.json.blocks);
    expect(show.json.blocks[0].text.text).toContain(`F-${id} · ${vulns[0]!.id} in pkg-0`);
    for (const part of [
      'Payments API',
      'payments-api',
      'CRITICAL · CVSS 7.5',
      'pkg-0 1.0.0 → no fix yet (npm)',
      'first seen (trivy report, imported by cli:test)',
      'Scanners',
      'trivy',
      'target app0/package-lock.json',
    ])
      expect(card).toContain(part);
    const exception = show.json.blocks.find((b: Json) => b.type === 'actions').elements[0];
    expect([exception.text.text, exception.value]).toEqual(['Request exception', `st1|patch.exception|${id}`]);
    const mark = s.fake.mark;
    await s.sim.blockAction({ action_id: exception.action_id, value: exception.value, user: ALICE });
    const open = await s.fake.waitFor('views.open', (c) => c.seq >= mark);
    expect(open.body.view.title.text).toBe(`Risk exception for F-${id}`);
    expect(open.body.view.blocks.map((b: Json) => b.block_id)).toEqual(['justification', 'until']);
    const missing = await s.sim.slashCommand({ command: '/patch', text: 'show F-99999', user_id: ALICE });
    expect(missing.json.text).toContain('There is no finding F-99999.');
  });
});

describe('/patch on Discord (real discord.js, FakeDiscord)', () => {
  let s: DiscordSteward;
  beforeAll(async () => {
    s = await startDiscordSteward();
    await seed(s.db.url, s.running);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('/patch list with its Next button, and /patch show', async () => {
    const alice = POLICY_DISCORD.alice;
    const list = await s.send(
      s.fake.chatInput({ name: 'patch', subcommand: 'list', options: { scope: 'payments-api' }, user: alice }),
    );
    const embed = list.body.data.embeds[0];
    expect(embed.title).toBe('Open findings · Payments API');
    expect(embed.description).toContain('Showing 1–10 of 23, worst first.');
    expect(embed.fields).toHaveLength(10);
    const ids = list.body.data.components.flatMap((r: Json) => r.components.map((c: Json) => c.custom_id));
    expect(ids).toEqual(['st1|patch.list|payments-api||10']);
    const next = await s.send(s.fake.button({ customId: ids[0], user: alice }));
    expect(next.body.data.embeds[0].description).toContain('Showing 11–20 of 23, worst first.');

    const overdue = await s.send(
      s.fake.chatInput({ name: 'patch', subcommand: 'list', options: { overdue: 'overdue' }, user: alice }),
    );
    expect(overdue.body.data.embeds[0].title).toBe('Overdue findings · all services');
    const { id } = s.rows<{ id: number }>('select id from finding order by id limit 1')[0]!;
    const show = await s.send(
      s.fake.chatInput({ name: 'patch', subcommand: 'show', options: { finding: String(id) }, user: alice }),
    );
    expect(show.body.data.embeds[0].title).toBe(`F-${id} · ${vulns[0]!.id} in pkg-0`);
    const showIds = show.body.data.components.flatMap((r: Json) => r.components.map((c: Json) => c.custom_id));
    expect(showIds).toEqual([`st1|patch.exception|${id}`]);
    const exception = await s.send(s.fake.button({ customId: showIds[0], user: alice }));
    expect(exception.body.type).toBe(9);
    expect(exception.body.data.title).toBe(`Risk exception for F-${id}`);
  });
});

describe('/patch on the console (a real process, after a CLI import)', () => {
  it('lists the imported findings and pages with the numbered buttons', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-patch-console-'));
    try {
      const env = { DATABASE_URL: `file:${join(dir, 'steward.db')}`, LOG_LEVEL: 'warn' };
      writeFileSync(join(dir, 'trivy.json'), report);
      expect((await runCli(['import', join(dir, 'trivy.json'), '--service', 'payments-api'], env)).code).toBe(0);
      const p = spawnSteward('src/main.ts', [], env);
      p.child.stdin.end(['/patch list payments', '1', '/patch show F-1', 'exit'].join('\n') + '\n');
      expect((await p.exited).code).toBe(0);
      const out = p.stdout();
      expect(out).toMatch(/Open findings · team Payments[\s\S]*Showing 1–10 of 23, worst first\./);
      expect(out).toMatch(/steward> 1\n[\s\S]*Showing 11–20 of 23/);
      expect(out).toMatch(/F-1 · CVE-2020-10000 in pkg-0[\s\S]*no fix yet[\s\S]*Request exception/);
      await until('exit', () => true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
