// Backup and restore of a large database: 1,000,000 findings and a 100,000-entry audit chain (both
// configurable), on SQLite and PostgreSQL. The source is filled directly (row batches through the
// backup's own driver connections; the audit entries chained as Steward chains them), then each
// step runs in its own process so that its peak RSS is its own: the backup (snapshot → age file),
// the restore into an empty database of the same dialect (one transaction), and the check that
// follows a restore (counts against the manifest, the audit chain verified).
//   npx tsx bench/backup-restore.ts      (BENCH_DIALECTS=sqlite,postgresql BENCH_FINDINGS=1000000 BENCH_AUDIT=100000)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { chainEntry, GENESIS_HASH } from '../src/core/audit/chain.js';
import { writeBackup } from '../src/store/backup/backup.js';
import { checkRestored } from '../src/store/backup/drill.js';
import { openRaw, type RawConn } from '../src/store/backup/raw.js';
import { restoreBackup } from '../src/store/backup/restore.js';
import { readTables, storedValue, type TableInfo } from '../src/store/backup/tables.js';
import { migrateDatabase, openStore } from '../src/store/index.js';
import { pgAvailable } from '../test/support/databases.js';
import { benchDatabase } from './lib/setup.js';

const BATCH = 5_000;
const T0 = Date.parse('2026-01-05T10:00:00.000Z');
const SEVERITIES = ['critical', 'high', 'medium', 'low'];

/** Inserts portable rows into `table`, checking that every column without a default is given. */
async function insert(conn: RawConn, t: TableInfo, rows: Record<string, unknown>[]) {
  const cols = t.columns.filter((c) => !c.hasDefault || rows[0]![c.name] !== undefined);
  const values = rows.map((r, i) =>
    cols.map((c) => {
      const v = r[c.name];
      if (v === undefined && !c.nullable) throw new Error(`${t.name}.${c.name} is not given`);
      return storedValue(conn.dialect, t.name, c, v ?? null, i + 1);
    }),
  );
  await conn.insertMany(
    t.name,
    cols.map((c) => c.name),
    values,
  );
}

function finding(i: number): Record<string, unknown> {
  const at = new Date(T0 + (i % 86_400) * 1000).toISOString();
  const cve = `CVE-${2018 + (i % 8)}-${String(10_000 + i).padStart(7, '0')}`;
  const pkg = `pkg-${Math.floor(i / 3)}`;
  return {
    id: i + 1,
    service_id: `service-${i % 50}`,
    key: `${cve}|npm|${pkg}|1.${i % 3}.0|app${Math.floor(i / 100)}/package-lock.json`,
    vuln_id: cve,
    aliases: '[]',
    package_name: pkg,
    ecosystem: 'npm',
    purl: `pkg:npm/${pkg}@1.${i % 3}.0`,
    installed_version: `1.${i % 3}.0`,
    fixed_versions: i % 7 === 0 ? '[]' : `["1.${i % 3}.1"]`,
    severity: SEVERITIES[i % 4],
    cvss: 7.5,
    cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
    known_exploited: i % 97 === 0,
    reported_exploited: false,
    epss: 0.0123,
    location: `{"target":"app${Math.floor(i / 100)}/package-lock.json"}`,
    title: `Generated vulnerability ${i} in ${pkg}`,
    url: `https://avd.aquasec.com/nvd/${cve.toLowerCase()}`,
    state: i % 10 === 0 ? 'fixed' : 'open',
    scanners: '{"trivy":"listed"}',
    first_seen_at: at,
    last_seen_at: at,
    fixed_at: i % 10 === 0 ? at : null,
    deadline: new Date(Date.parse(at) + 30 * 86_400_000).toISOString(),
    digest: (i * 2654435761).toString(16).padStart(16, '0').repeat(4).slice(0, 64),
    updated_at: at,
  };
}

async function fill(url: string, findings: number, entries: number) {
  await openStore({ url, migrate: true }).then((s) => s.close());
  const conn = await openRaw(url, { mustExist: true });
  try {
    const tables = new Map((await readTables(conn)).map((t) => [t.name, t]));
    for (let i = 0; i < findings; i += BATCH) {
      await conn.run('BEGIN');
      const rows = [];
      for (let j = i; j < Math.min(findings, i + BATCH); j++) rows.push(finding(j));
      await insert(conn, tables.get('finding')!, rows);
      await conn.run('COMMIT');
    }
    let prev = { seq: 0, hash: GENESIS_HASH };
    for (let i = 0; i < entries; i += BATCH) {
      await conn.run('BEGIN');
      const rows = [];
      for (let j = i; j < Math.min(entries, i + BATCH); j++) {
        const r = chainEntry(
          {
            actor: { platform: 'cli', platformUserId: 'ci' },
            action: 'findings.imported',
            subject: `service:service-${j % 50}`,
            after: { format: 'trivy', new: j % 100, unchanged: 1000 - (j % 100), fixed: j % 7 },
          },
          new Date(T0 + j * 1000),
          prev.seq,
          prev.hash,
        );
        prev = { seq: r.seq, hash: r.hash };
        rows.push({
          seq: r.seq,
          at: r.at.toISOString(),
          actor_platform: r.actor.platform,
          actor_user_id: r.actor.platformUserId ?? null,
          actor_person_id: null,
          action: r.action,
          subject: r.subject,
          before: r.before,
          after: r.after,
          prev_hash: r.prevHash,
          hash: r.hash,
          mac: null,
        });
      }
      await insert(conn, tables.get('audit_entry')!, rows);
      await conn.run('COMMIT');
    }
    await insert(conn, tables.get('audit_head')!, [{ id: 1, seq: prev.seq, hash: prev.hash }]);
  } finally {
    await conn.close();
  }
}

const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** One measured step in this process; prints one JSON line. */
async function step(what: string, url: string, file: string) {
  const t = performance.now();
  if (what === 'backup') {
    const r = await writeBackup({
      url,
      out: file,
      recipients: [process.env.BENCH_RECIPIENT!],
      now: new Date(),
      steward: 'bench',
    });
    console.log(JSON.stringify({ ms: performance.now() - t, rssMB: rssMB(), bytes: r.bytes, rows: r.manifest.rows }));
    return;
  }
  const r = await restoreBackup({
    file,
    identities: [process.env.BENCH_IDENTITY!],
    url,
    migrate: (u, upTo) => migrateDatabase(u, { upTo }),
  });
  const restoreMs = performance.now() - t;
  const restoreRss = rssMB();
  const c = await checkRestored(url, r.manifest);
  if (!c.audit.ok || c.mismatched.length)
    throw new Error(`check failed: ${JSON.stringify(c.audit)} ${c.mismatched.join(',')}`);
  console.log(
    JSON.stringify({
      ms: restoreMs,
      rssMB: restoreRss,
      checkMs: performance.now() - t - restoreMs,
      checkRssMB: rssMB(),
      entries: c.audit.checked,
    }),
  );
}

function child(args: string[], env: Record<string, string>): Record<string, number> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MALLOC_ARENA_MAX: '2', ...env },
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
}

if (process.argv[2] === '--step') {
  await step(process.argv[3]!, process.argv[4]!, process.argv[5]!);
} else {
  const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgresql').split(',');
  const findings = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
  const entries = Number(process.env.BENCH_AUDIT ?? 100_000);
  const identity = await generateX25519Identity();
  const keys = { BENCH_IDENTITY: identity, BENCH_RECIPIENT: await identityToRecipient(identity) };
  const pg = await pgAvailable();
  console.log(`${findings} findings, ${entries} audit entries`);
  console.log(
    'dialect     fill      backup (peak RSS)     file     restore (peak RSS)    check: counts + audit (peak RSS)',
  );
  for (const dialect of dialects) {
    if (dialect === 'postgresql' && !pg) {
      console.log('postgresql: server not reachable, skipped');
      continue;
    }
    const source = await benchDatabase(dialect);
    const target = await benchDatabase(dialect);
    const tmp = mkdtempSync(join(tmpdir(), 'steward-bench-backup-'));
    try {
      const t = performance.now();
      await fill(source.url, findings, entries);
      const fillS = (performance.now() - t) / 1000;
      const file = join(tmp, 'bench.age');
      const b = child(['--step', 'backup', source.url, file], keys);
      const r = child(['--step', 'restore', target.url, file], keys);
      const s = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
      console.log(
        `${dialect.padEnd(11)} ${s(fillS * 1000)}  ${s(b.ms!)} (${String(b.rssMB).padStart(4)} MB)  ${String(Math.round(statSync(file).size / 1e6)).padStart(4)} MB  ${s(r.ms!)} (${String(r.rssMB).padStart(4)} MB)  ${s(r.checkMs!)} (${r.checkRssMB} MB)`,
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      await source.drop();
      await target.drop();
    }
  }
}
