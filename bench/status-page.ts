// GET /status and /status/api/v2/summary.json at 200 concurrent keep-alive clients for 30 s each,
// while the page keeps changing (a public update or a component's status every 500 ms), against a
// static file served by the same Node.js HTTP server in the same run: latency p50/p99, requests per
// second, and the ratios to the static file. The server (bench/lib/status-server.ts) runs in its
// own process; this one is the clients, on raw sockets (HTTP/1.1, one request at a time each).
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { fmt, summarize } from './lib/stats.js';

const root = new URL('../', import.meta.url).pathname;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 3);

interface Run {
  latencies: number[];
  ok: number;
  failed: number;
  bytes: number;
  seconds: number;
}

/** `clients` connections, each sending GET `path` again as soon as the previous answer is read, for `seconds`. */
function load(port: number, path: string, clients: number, seconds: number): Promise<Run> {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n`);
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let bytes = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let buf = Buffer.alloc(0);
      let sent = 0;
      const send = () => {
        sent = performance.now();
        socket.write(request);
      };
      socket.on('connect', send);
      socket.on('data', (chunk) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buf.subarray(0, end).toString('latin1');
          const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
          if (buf.length < end + 4 + length) return;
          const now = performance.now();
          latencies.push(now - sent);
          if (head.startsWith('HTTP/1.1 200')) ok++;
          else failed++;
          bytes += length;
          buf = buf.subarray(end + 4 + length);
          if (now < until) send();
          else {
            socket.end();
            resolve();
            return;
          }
        }
      });
      socket.on('error', reject);
    });
  return Promise.all(Array.from({ length: clients }, one)).then(() => ({
    latencies,
    ok,
    failed,
    bytes,
    seconds: (performance.now() - started) / 1000,
  }));
}

async function main() {
  const server = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/status-server.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
  const next = async (prefix: string) => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`the server ended before "${prefix}"`);
      if (String(value).startsWith(prefix)) return String(value).split(' ');
    }
  };
  const [, portText, staticBytes, pageBytes] = await next('ready ');
  const port = Number(portText);
  console.log(
    `${CLIENTS} clients, ${SECONDS} s per target after ${WARM_SECONDS} s of warm-up; the page changes every ${process.env.BENCH_UPDATE_MS ?? 500} ms`,
  );
  console.log(`static file ${staticBytes} bytes, the page ${pageBytes} bytes when it started`);
  const targets = [
    ['static file', '/static.html'],
    ['GET /status', '/status'],
    ['GET /status/api/v2/summary.json', '/status/api/v2/summary.json'],
  ] as const;
  const results = new Map<string, { run: Run; updates: number }>();
  for (const [name, path] of targets) {
    await load(port, path, CLIENTS, WARM_SECONDS);
    server.stdin.write('count\n');
    const before = Number((await next('updates '))[1]);
    const run = await load(port, path, CLIENTS, SECONDS);
    server.stdin.write('count\n');
    const after = Number((await next('updates '))[1]);
    results.set(name, { run, updates: after - before });
    const s = summarize(run.latencies);
    console.log(
      `${name.padEnd(32)} ${fmt(s)}  ${(run.ok / run.seconds).toFixed(0)} req/s  ${run.failed} not 200  ${after - before} page changes meanwhile`,
    );
  }
  const base = results.get('static file')!.run;
  const b = summarize(base.latencies);
  for (const [name] of targets.slice(1)) {
    const r = results.get(name)!.run;
    const s = summarize(r.latencies);
    console.log(
      `${name} / static file: p50 ${(s.p50 / b.p50).toFixed(2)}  p99 ${(s.p99 / b.p99).toFixed(2)}  req/s ${(r.ok / r.seconds / (base.ok / base.seconds)).toFixed(2)}`,
    );
  }
  server.stdin.write('stop\n');
  await next('updates ');
  await new Promise((r) => server.once('exit', r));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
