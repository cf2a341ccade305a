// Scanner report import: a generated Trivy report of 10,000 findings into an empty service, the
// identical report again (nothing written), and 100,000 findings, on SQLite and PostgreSQL.
// Each (dialect, size) runs in its own process so that its peak RSS is its own; the report is
// generated once by this process and read from a file by each run, as `steward import` reads it.
// Targets: 10,000 ≤ 2 s, identical re-import ≤ 1 s, 100,000 ≤ 20 s (parse + compare + write, one transaction).
//   npx tsx bench/findings-import.ts            (BENCH_DIALECTS=sqlite,postgresql BENCH_SIZES=10000,100000)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePolicy } from '../src/config/policy.js';
import { Directory } from '../src/core/directory.js';
import { importReport } from '../src/core/patches/findings/importer.js';
import { openStore } from '../src/store/index.js';
import { benchDatabase } from './lib/setup.js';
import { pgAvailable } from '../test/support/databases.js';
import { generatedVulns, trivyReport } from '../test/support/reports.js';
import { systemClock } from '../src/core/ports.js';

const TARGETS: Record<string, number> = { '10000': 2000, '100000': 20000 };
const REIMPORT_TARGET_MS = 1000;
const POLICY =
  'teams: [{ id: payments, name: Payments }]\nservices: [{ id: payments-api, name: Payments API, team: payments, tier: 1 }]\n';

async function one(dialect: string, n: number, file: string) {
  const { url, drop } = await benchDatabase(dialect);
  const store = await openStore({ url, migrate: true });
  try {
    const p = parsePolicy(POLICY);
    const dir = new Directory(p.policy, p.sha256);
    const report = readFileSync(file);
    const deps = { store, clock: systemClock, dir };
    const req = { serviceId: 'payments-api', input: report, actor: { platform: 'cli' as const }, by: 'cli:bench' };
    let t = performance.now();
    const first = await importReport(deps, req);
    const firstMs = performance.now() - t;
    t = performance.now();
    const again = await importReport(deps, req);
    const againMs = performance.now() - t;
    if (!first.ok || !again.ok) throw new Error('import refused');
    if (first.summary.new !== n || again.summary.unchanged !== n)
      throw new Error(`unexpected counts ${JSON.stringify([first.summary, again.summary])}`);
    const rss = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(
      JSON.stringify({
        dialect,
        findings: n,
        reportMB: +(report.length / 1e6).toFixed(1),
        importMs: Math.round(firstMs),
        reimportMs: Math.round(againMs),
        peakRssMB: rss,
      }),
    );
  } finally {
    await store.close();
    await drop();
  }
}

if (process.argv[2] === '--one') {
  await one(process.argv[3]!, Number(process.argv[4]), process.argv[5]!);
} else {
  const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgresql').split(',');
  const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',');
  const pg = await pgAvailable();
  const tmp = mkdtempSync(join(tmpdir(), 'steward-bench-reports-'));
  const files = new Map(sizes.map((n) => [n, join(tmp, `trivy-${n}.json`)]));
  for (const [n, file] of files) writeFileSync(file, trivyReport(generatedVulns(Number(n))));
  console.log('dialect     findings  report  import (target)      identical re-import (target)  peak RSS');
  for (const dialect of dialects) {
    if (dialect === 'postgresql' && !pg) {
      console.log('postgresql: server not reachable, skipped');
      continue;
    }
    for (const n of sizes) {
      const out = execFileSync(
        process.execPath,
        ['--import', 'tsx', new URL(import.meta.url).pathname, '--one', dialect, n, files.get(n)!],
        { encoding: 'utf8', env: { ...process.env, MALLOC_ARENA_MAX: '2' } },
      );
      const r = JSON.parse(out.trim().split('\n').pop()!) as {
        findings: number;
        reportMB: number;
        importMs: number;
        reimportMs: number;
        peakRssMB: number;
      };
      const target = TARGETS[n] ?? (r.findings / 10_000) * 2000;
      const mark = (ms: number, t: number) => `${String(ms).padStart(6)} ms (≤ ${t}) ${ms <= t ? 'ok' : 'MISSED'}`;
      console.log(
        `${dialect.padEnd(11)} ${String(r.findings).padStart(8)}  ${String(r.reportMB).padStart(4)}MB  ${mark(r.importMs, target)}  ${mark(r.reimportMs, n === '10000' ? REIMPORT_TARGET_MS : target / 2)}          ${r.peakRssMB} MB`,
      );
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}
