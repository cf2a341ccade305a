// Signed `/service list` requests to Steward and to a bare Bolt app that only acks, in one run:
// latency sequential and at 50 concurrent, the Steward / bare ratio, and Steward's resident memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack } from '../test/fakes/slack.js';
import { closeAgent, concurrent, send, sequential, slashBody, type Target } from './lib/slack-load.js';
import { cpuMs, fmt, rssMb, summarize } from './lib/stats.js';

const root = new URL('../', import.meta.url).pathname;
const SEQ = Number(process.env.BENCH_SEQ ?? 10_000);
const WIDTH = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const SECRET = 'bench-signing-secret';
const WARM_SEQ = 500;
const SEQ_TURN = 100;
const ROUNDS_TURN = 5;
const WARM_ROUNDS = 60;
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

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
    if (child.exitCode !== null) throw new Error(`Steward exited with ${child.exitCode}: see its log above`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
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
  const logFile = join(dir, 'steward.log');
  const logFd = openSync(logFile, 'a');

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
    // Logs go to a file, as under a log collector that tails files (a pipe read by this process
    // would put the benchmark's own event loop on the log path).
    stdio: ['ignore', logFd, logFd],
  });
  const bare = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/bare-bolt.ts', String(barePort), SECRET, fake.apiUrl],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await Promise.all([waitForReady(stewardPort, steward), waitForLine(bare, /ready/)]).catch((err) => {
    process.stderr.write(readFileSync(logFile, 'utf8').slice(-4000));
    throw err;
  });

  const targets: Record<'steward' | 'bare', Target> = {
    steward: { port: stewardPort, secret: SECRET },
    bare: { port: barePort, secret: SECRET },
  };
  const body = slashBody('/service', 'list');
  const probe = await send(targets.steward, body);
  if (probe.status !== 200 || probe.bytes < 500)
    throw new Error(`Steward did not answer with the catalog card (status ${probe.status}, ${probe.bytes} bytes)`);

  // Resident memory 2 s after start, and idle: 30 s after start, once V8's memory reducer (which
  // runs after some seconds without allocation) has collected what starting up left behind.
  await new Promise((r) => setTimeout(r, 2000));
  const rssStart = rssMb(steward.pid!);
  // Idle CPU: what the runners, timers and samplers of a Steward nobody talks to cost.
  const idleCpuStart = cpuMs(steward.pid!);
  await new Promise((r) => setTimeout(r, IDLE_MS - 2000));
  const rssIdle = rssMb(steward.pid!);
  const idleCpuPerSecond = (cpuMs(steward.pid!) - idleCpuStart) / ((IDLE_MS - 2000) / 1000);

  // Warm-up (the JIT compiles the hot paths of both).
  for (const k of ['steward', 'bare'] as const) {
    await sequential(targets[k], body, WARM_SEQ);
    await concurrent(targets[k], body, WIDTH, WARM_ROUNDS);
  }
  // Measured: the two targets take turns, 100 sequential requests or 5 bursts at a time, the first
  // of each pair of turns alternating. A turn lasts some 50 ms: a slow moment of the shared machine
  // falls on both targets alike, while each server runs warm through its turn as under steady
  // traffic (turns of one request measured each server's cold caches more than its own cost).
  const seq = { steward: [] as number[], bare: [] as number[] };
  const conc = { steward: [] as number[], bare: [] as number[] };
  const pids = { steward: steward.pid!, bare: bare.pid! };
  const cpuStart = { steward: cpuMs(pids.steward), bare: cpuMs(pids.bare) };
  const wallStart = Date.now();
  const order = (i: number) => (i % 2 === 0 ? (['steward', 'bare'] as const) : (['bare', 'steward'] as const));
  for (let i = 0; i < SEQ / SEQ_TURN; i++)
    for (const k of order(i)) seq[k].push(...(await sequential(targets[k], body, SEQ_TURN)));
  for (let i = 0; i < ROUNDS / ROUNDS_TURN; i++)
    for (const k of order(i)) conc[k].push(...(await concurrent(targets[k], body, WIDTH, ROUNDS_TURN)));
  // Server CPU over the whole measured phase (Steward's includes its background work meanwhile).
  const cpu = { steward: cpuMs(pids.steward) - cpuStart.steward, bare: cpuMs(pids.bare) - cpuStart.bare };
  const wallMs = Date.now() - wallStart;
  const rssEnd = rssMb(steward.pid!);

  const s = { steward: summarize(seq.steward), bare: summarize(seq.bare) };
  const c = { steward: summarize(conc.steward), bare: summarize(conc.bare) };
  console.log(
    `\nSteward launched with: node ${NODE_FLAGS.join(' ')} dist/src/main.js, MALLOC_ARENA_MAX=${process.env.BENCH_MALLOC_ARENA_MAX ?? '2'}`,
  );
  console.log(
    `/service list over signed HTTP (${SEQ} sequential, ${ROUNDS} bursts of ${WIDTH} concurrent per target, in turns of ${SEQ_TURN} and ${ROUNDS_TURN}; after ${WARM_SEQ} + ${WARM_ROUNDS * WIDTH} warm-up requests each; ${(wallMs / 1000).toFixed(1)} s measured)`,
  );
  console.log(`  sequential   Steward   ${fmt(s.steward)}`);
  console.log(`  sequential   bare Bolt ${fmt(s.bare)}`);
  console.log(`  concurrent   Steward   ${fmt(c.steward)}`);
  console.log(`  concurrent   bare Bolt ${fmt(c.bare)}`);
  console.log(
    `  ratio Steward/bare     sequential p50 ${(s.steward.p50 / s.bare.p50).toFixed(2)}  p99 ${(s.steward.p99 / s.bare.p99).toFixed(2)}` +
      `   concurrent p50 ${(c.steward.p50 / c.bare.p50).toFixed(2)}  p99 ${(c.steward.p99 / c.bare.p99).toFixed(2)}   (target p99 ≤ 1.3)`,
  );
  const perRequest = (k: 'steward' | 'bare') => (cpu[k] * 1000) / (seq[k].length + conc[k].length);
  console.log(
    `  server CPU per request Steward ${perRequest('steward').toFixed(0)} µs   bare Bolt ${perRequest('bare').toFixed(0)} µs   ratio ${(perRequest('steward') / perRequest('bare')).toFixed(2)}`,
  );
  console.log(
    `  Steward idle CPU       ${idleCpuPerSecond.toFixed(1)} ms per second (from 2 s to ${IDLE_MS / 1000} s after start)`,
  );
  console.log(
    `  Steward RSS            2 s after start ${rssStart.toFixed(1)} MB   idle (${IDLE_MS / 1000} s after start) ${rssIdle.toFixed(1)} MB   after run ${rssEnd.toFixed(1)} MB   (target idle ≤ 120 MB)`,
  );
  console.log(`  reply size             Steward ${probe.bytes} bytes (the card), bare Bolt 0 bytes (empty ack)`);

  closeAgent();
  steward.kill('SIGTERM');
  bare.kill('SIGTERM');
  await Promise.all([new Promise((r) => steward.once('exit', r)), new Promise((r) => bare.once('exit', r))]);
  await fake.close();
  closeSync(logFd);
  rmSync(dir, { recursive: true, force: true });
}

await main();
