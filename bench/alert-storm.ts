// An alert storm over HTTP: 10,000 alerts in 500 groups posted within 60 s by 50 concurrent
// senders, as Alertmanager sends them (each group's notification carries every alert of the group
// so far: 4 notifications of 5, 10, 15 and 20 alerts), to Steward running as its own process
// (`node dist/src/main.js`, as production runs). Prints the accept latency (request to 202)
// p50/p99, alerts stored per second, and the pages opened (one per group), on SQLite and
// PostgreSQL; then the same storm through a rate limit of 300 alerts / 5 min, where most groups
// are stored but page nobody. (No chat platform is connected: pages and the storm notice have
// nowhere to go, so this measures accepting, grouping and paging, not chat delivery.)
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pgAvailable } from '../test/support/databases.js';
import { benchDatabase } from './lib/setup.js';
import { cpuMs, fmt, rssMb, summarize } from './lib/stats.js';

const root = new URL('../', import.meta.url).pathname;
const env = process.env;
const num = (name: string, dflt: number) => Number(env[name] ?? dflt);
const GROUPS = num('BENCH_GROUPS', 500);
const PER_GROUP = num('BENCH_ALERTS_PER_GROUP', 20);
const BATCHES = 4;
const SECONDS = num('BENCH_SECONDS', 60);
const SENDERS = num('BENCH_SENDERS', 50);
const DIALECTS = (env.BENCH_DIALECTS ?? 'sqlite,postgresql').split(',');
const TOKEN = 'bench-alerts-token-0000000000000001';
const fromDist = env.BENCH_FROM !== 'src' && existsSync(join(root, 'dist/src/main.js'));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');

function policyYaml(rateLimit: string | null): string {
  return [
    'timezone: UTC',
    'people:',
    '  - { id: oncall, name: On Call }',
    'teams:',
    '  - { id: ops, name: Ops, members: [oncall] }',
    'services:',
    '  - { id: api, name: API, team: ops, tier: 1, owners: [oncall], escalation: api }',
    'escalationPolicies:',
    '  - { id: api, levels: [{ notify: [{ person: oncall }], ackTimeout: 30m }] }',
    'api:',
    `  tokens: [{ id: monitoring, sha256: ${sha256(TOKEN)}, scopes: [alerts:write] }]`,
    'alerts:',
    '  integrations:',
    `    - { id: prom, service: api${rateLimit ? `, rateLimit: ${rateLimit}` : ''} }`,
    '',
  ].join('\n');
}

/** Notification `batch` (0-based) of group `g`: every alert of the group so far, as Alertmanager sends it. */
function body(g: number, batch: number): string {
  const per = PER_GROUP / BATCHES;
  const alerts = Array.from({ length: per * (batch + 1) }, (_, i) => ({
    status: 'firing',
    labels: { alertname: `Alert${g}`, service: 'api', instance: `host-${i}`, severity: 'critical' },
    annotations: { summary: `Alert ${g} on host-${i}` },
    startsAt: new Date().toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example/graph',
    fingerprint: `${g.toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`,
  }));
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="Alert${g}"}`,
    status: 'firing',
    receiver: 'steward',
    groupLabels: { alertname: `Alert${g}` },
    commonLabels: { alertname: `Alert${g}`, service: 'api', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    truncatedAlerts: 0,
    alerts,
  });
}

function post(agent: http.Agent, port: number, payload: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/alerts/prom',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function startSteward(url: string, policyFile: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const flags = (env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const args = [...flags, ...(fromDist ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'])];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: env.PATH,
      MALLOC_ARENA_MAX: '2',
      NODE_ENV: 'production',
      DATABASE_URL: url,
      STEWARD_CONFIG: policyFile,
      PORT: String(port),
      HOST: '127.0.0.1',
      STEWARD_CONSOLE: 'off',
      LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 600; i++) {
    const ok = await new Promise<boolean>((r) =>
      http
        .get({ host: '127.0.0.1', port, path: '/readyz' }, (res) => {
          res.resume();
          r(res.statusCode === 200);
        })
        .on('error', () => r(false)),
    );
    if (ok) return { child, port };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('Steward did not become ready');
}

async function count(url: string, sql: string): Promise<number> {
  if (url.startsWith('file:')) {
    const db = new Database(url.slice('file:'.length), { readonly: true });
    try {
      return Number((db.prepare(sql).get() as { n: number }).n);
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(sql)).rows[0]!.n);
  } finally {
    await c.end();
  }
}

async function run(dialect: string, rateLimit: string | null) {
  const db = await benchDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-alerts-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyYaml(rateLimit));
  const { child, port } = await startSteward(db.url, policyFile);
  try {
    // Every notification, in the order Alertmanager would send them: group g's batch b at its slot.
    const sends: { g: number; b: number; at: number }[] = [];
    const spacing = (SECONDS * 1000) / (GROUPS * BATCHES);
    for (let b = 0; b < BATCHES; b++)
      for (let g = 0; g < GROUPS; g++) sends.push({ g, b, at: (b * GROUPS + g) * spacing });
    const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    const cpu0 = cpuMs(child.pid!);
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        for (;;) {
          const i = next++;
          const s = sends[i];
          if (!s) return;
          const wait = start + s.at - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const payload = body(s.g, s.b);
          const t0 = performance.now();
          const status = await post(agent, port, payload);
          latencies.push(performance.now() - t0);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    agent.destroy();
    const cpu = cpuMs(child.pid!) - cpu0;
    const alerts = await count(db.url, 'SELECT COUNT(*) AS n FROM alert');
    const groups = await count(db.url, 'SELECT COUNT(*) AS n FROM alert_group');
    const pages = await count(db.url, 'SELECT COUNT(*) AS n FROM page');
    const storm = await count(db.url, "SELECT COUNT(*) AS n FROM alert_group WHERE suppressed LIKE '%storm%'");
    console.log(
      `${dialect.padEnd(10)} ${rateLimit ? `rate limit ${rateLimit}` : 'no rate limit'}: ${GROUPS * BATCHES} notifications ` +
        `(${GROUPS * PER_GROUP} alerts in ${GROUPS} groups) by ${SENDERS} senders in ${elapsed.toFixed(1)} s`,
    );
    console.log(`  accept latency   ${fmt(summarize(latencies))}`);
    console.log(
      `  answers          ${[...statuses].map(([k, v]) => `${k}×${v}`).join(' ')}  ·  alerts stored ${alerts} ` +
        `(${(alerts / elapsed).toFixed(0)}/s)  ·  groups ${groups}  ·  pages opened ${pages}` +
        (rateLimit ? `  ·  storm groups (stored, not paged) ${storm}` : ''),
    );
    console.log(
      `  Steward CPU      ${(cpu / 1000).toFixed(1)} s (${((cpu / 1000 / elapsed) * 100).toFixed(0)}% of one core)  ·  RSS ${rssMb(child.pid!).toFixed(0)} MB`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

console.log(`alert storm from ${fromDist ? 'dist/' : 'src/'}`);
for (const dialect of DIALECTS) {
  if (dialect === 'postgresql' && !(await pgAvailable())) {
    console.log('postgresql: not reachable, skipped');
    continue;
  }
  await run(dialect, null);
  await run(dialect, env.BENCH_RATE_LIMIT ?? '300/5m');
}
