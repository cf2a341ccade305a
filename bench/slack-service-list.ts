// Signed `/service list` requests to Steward and to a bare Bolt app that only acks, in one run:
// latency sequential and at 50 concurrent, the Steward / bare ratio, and Steward's resident memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack } from '../test/fakes/slack.js';
import { closeAgent, concurrent, send, sequential, slashBody, type Target } from './lib/slack-load.js';
import { fmt, rssMb, summarize } from './lib/stats.js';

const root = new URL('../', import.meta.url).pathname;
const SEQ = Number(process.env.BENCH_SEQ ?? 2000);
const WIDTH = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const SECRET = 'bench-signing-secret';
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${seen.slice(-2000)}`)), timeoutMs);
    const on = (d: Buffer) => {
      seen += d;
      if (re.test(seen)) {
        clearTimeout(t);
        child.stdout?.off('data', on);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', (d) => (seen += d));
  });
}

async function waitForReady(port: number, child: ChildProcess, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`Steward exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('Steward did not become ready');
}

async function main() {
  if (!existsSync(join(root, 'dist/src/main.js'))) throw new Error('run `npm run build` first (bench/run.ts does)');
  const fake = await FakeSlack.start();
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-'));
  const [stewardPort, barePort] = [await freePort(), await freePort()];

  // Launched as the Docker image launches it (see Dockerfile): same Node flags and allocator setting.
  const steward = spawn(process.execPath, [...NODE_FLAGS, 'dist/src/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(stewardPort),
      HOST: '127.0.0.1',
      DATABASE_URL: `file:${join(dir, 'steward.db')}`,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX ?? '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bare = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-bolt.ts', String(barePort), SECRET, fake.apiUrl], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  await Promise.all([waitForReady(stewardPort, steward), waitForLine(bare, /ready/)]);
  // Logs keep flowing during the run: drain them like a log shipper would.
  steward.stdout!.resume();
  steward.stderr!.resume();

  const targets: Record<'steward' | 'bare', Target> = { steward: { port: stewardPort, secret: SECRET }, bare: { port: barePort, secret: SECRET } };
  const body = slashBody('/service', 'list');
  const probe = await send(targets.steward, body);
  if (probe.status !== 200 || probe.bytes < 500) throw new Error(`Steward did not answer with the catalog card (status ${probe.status}, ${probe.bytes} bytes)`);

  await new Promise((r) => setTimeout(r, 2000));
  const rssStart = rssMb(steward.pid!);

  // Warm-up, then interleave the two targets so neither gets a quieter machine.
  await sequential(targets.steward, body, 300);
  await sequential(targets.bare, body, 300);
  const seq = { steward: [] as number[], bare: [] as number[] };
  const conc = { steward: [] as number[], bare: [] as number[] };
  for (let i = 0; i < 4; i++) {
    for (const k of ['steward', 'bare'] as const) seq[k].push(...(await sequential(targets[k], body, SEQ / 4)));
    for (const k of ['bare', 'steward'] as const) conc[k].push(...(await concurrent(targets[k], body, WIDTH, ROUNDS / 4)));
  }
  const rssEnd = rssMb(steward.pid!);

  const s = { steward: summarize(seq.steward), bare: summarize(seq.bare) };
  const c = { steward: summarize(conc.steward), bare: summarize(conc.bare) };
  console.log(`\nSteward launched with: node ${NODE_FLAGS.join(' ')} dist/src/main.js, MALLOC_ARENA_MAX=${process.env.BENCH_MALLOC_ARENA_MAX ?? '2'}`);
  console.log(`/service list over signed HTTP (${SEQ} sequential, ${ROUNDS} bursts of ${WIDTH} concurrent per target)`);
  console.log(`  sequential   Steward   ${fmt(s.steward)}`);
  console.log(`  sequential   bare Bolt ${fmt(s.bare)}`);
  console.log(`  concurrent   Steward   ${fmt(c.steward)}`);
  console.log(`  concurrent   bare Bolt ${fmt(c.bare)}`);
  console.log(`  ratio Steward/bare     sequential p50 ${(s.steward.p50 / s.bare.p50).toFixed(2)}  p99 ${(s.steward.p99 / s.bare.p99).toFixed(2)}` +
    `   concurrent p50 ${(c.steward.p50 / c.bare.p50).toFixed(2)}  p99 ${(c.steward.p99 / c.bare.p99).toFixed(2)}   (target p99 ≤ 1.3)`);
  console.log(`  Steward RSS            after start ${rssStart.toFixed(1)} MB   after run ${rssEnd.toFixed(1)} MB   (target idle ≤ 120 MB)`);
  console.log(`  reply size             Steward ${probe.bytes} bytes (the card), bare Bolt 0 bytes (empty ack)`);

  closeAgent();
  steward.kill('SIGTERM');
  bare.kill('SIGTERM');
  await Promise.all([new Promise((r) => steward.once('exit', r)), new Promise((r) => bare.once('exit', r))]);
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
