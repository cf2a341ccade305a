// From the signed Slack modal submission (`/incident declare`) to the announcement posted in the
// incidents channel: p50/p99 over N declarations, on SQLite and on PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack, SlackClientSim } from '../test/fakes/slack.js';
import { INCIDENT_CHANNELS, INCIDENTS_CHANNEL, field } from '../test/support/steward-slack.js';
import { createPgDatabase, pgAvailable } from '../test/support/databases.js';
import { fmt, rssMb, summarize } from './lib/stats.js';

const root = new URL('../', import.meta.url).pathname;
const N = Number(process.env.BENCH_DECLARATIONS ?? 1000);
const SECRET = 'bench-signing-secret';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

async function waitReady(port: number, child: ChildProcess) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`Steward exited with ${child.exitCode}`);
    if (
      await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('Steward did not become ready');
}

async function run(label: string, databaseUrl: string) {
  const fake = await FakeSlack.start({ botToken: 'xoxb-bench', channels: INCIDENT_CHANNELS });
  const port = await freePort();
  const steward = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      LOG_LEVEL: 'warn',
      MALLOC_ARENA_MAX: '2',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady(port, steward);
  const sim = new SlackClientSim({ url: `http://127.0.0.1:${port}`, signingSecret: SECRET, fake });
  const samples: number[] = [];
  const started = Date.now();
  for (let n = 1; n <= N; n++) {
    const t0 = process.hrtime.bigint();
    const res = await sim.viewSubmission({
      callback_id: `f1|incident.declare|${randomBytes(9).toString('base64url')}`,
      private_metadata: JSON.stringify({ channel: 'C0GENERAL' }),
      user: 'U0ALICE',
      values: {
        title: field.text(`Bench incident ${n}`),
        severity: field.select('SEV3'),
        service: field.select('payments-api'),
        summary: field.text(null),
        page: field.unchecked(),
      },
    });
    if (res.status !== 200) throw new Error(`submission ${n}: HTTP ${res.status} ${res.body}`);
    await fake.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === INCIDENTS_CHANNEL && String(c.body.text).includes(`INC-${n} `),
      10_000,
    );
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (n % 100 === 0) fake.resetCalls();
  }
  const wall = (Date.now() - started) / 1000;
  const rss = rssMb(steward.pid!);
  steward.kill('SIGTERM');
  await new Promise((r) => steward.once('exit', r));
  await fake.close();
  console.log(
    `  ${label.padEnd(10)} ${fmt(summarize(samples))}  (${(N / wall).toFixed(0)} declarations/s, Steward RSS ${rss.toFixed(0)} MB)`,
  );
}

console.log(
  `\nsigned modal submission → announcement posted, ${N} sequential declarations (each: incident, timeline, audit, outbox; war room, invite, pin and announcement on the fake Slack)`,
);
const dir = mkdtempSync(join(tmpdir(), 'steward-bench-inc-'));
await run('SQLite', `file:${join(dir, 'steward.db')}`);
rmSync(dir, { recursive: true, force: true });
if (await pgAvailable()) {
  const db = await createPgDatabase();
  try {
    await run('PostgreSQL', db.url);
  } finally {
    await db.drop();
  }
} else console.log('  PostgreSQL not reachable: skipped');
