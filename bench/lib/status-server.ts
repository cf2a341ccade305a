// The server side of bench/status-page.ts, in a process of its own: a Steward on a fresh SQLite
// file with the status page policy, its public site and one static file on one Node.js HTTP server
// (src/adapters/http/server.ts, as Steward serves /status), and a writer that keeps changing what
// the page shows (a public update, a component's status) every UPDATE_MS. Prints `ready <port>`;
// on `stop` (a line on stdin) prints `updates <n>` and exits.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadPolicyFile } from '../../src/config/policy.js';
import { systemClock } from '../../src/core/clock.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { startHttp } from '../../src/adapters/http/server.js';
import { siteRoutes } from '../../src/adapters/http/sites.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { openStore } from '../../src/store/index.js';
import { chatOf } from '../../test/support/dispatch.js';
import { benchDatabase } from './setup.js';

const UPDATE_MS = Number(process.env.BENCH_UPDATE_MS ?? 500);
const root = new URL('../../', import.meta.url).pathname;

async function main() {
  const db = await benchDatabase('sqlite');
  const store = await openStore({ url: db.url, migrate: true });
  const policy = loadPolicyFile(join(root, 'test/fixtures/status-page.policy.yaml'));
  const steward = new Steward({ store, clock: systemClock, policy, modules: STANDARD_MODULES });
  const chat = chatOf(steward);
  const alice = 'U0ALICE';
  const opened = await chat.command('slack', alice, 'incident', 'declare Checkout errors');
  await chat.submit('slack', alice, opened.form!, {
    title: 'Checkout errors',
    severity: 'SEV2',
    service: 'payments-api',
  });
  const publish = await chat.command('slack', alice, 'incident', 'publish INC-1');
  await chat.submit('slack', alice, publish.form!, {
    title: 'Some card payments fail',
    components: 'payments: partial_outage',
    status: 'investigating',
    message: 'We are investigating failed card payments at checkout.',
  });
  const site = steward.site('status')!;
  // The static file: the page as rendered now, written to disk and read back once, served as is.
  const rendered = await site.serve({ method: 'GET', path: '/', base: '/status', header: () => undefined });
  const file = join(db.url.slice('file:'.length, db.url.lastIndexOf('/')), 'static.html');
  writeFileSync(file, rendered.body);
  const bytes = readFileSync(file);
  const http = await startHttp({
    host: '127.0.0.1',
    port: 0,
    log: createLogger({ level: 'silent', secrets: [] }),
    metrics: new Metrics({ defaults: false }),
    readiness: [],
    routes: {
      ...siteRoutes(steward),
      'GET /static.html': (_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': String(bytes.length),
          'cache-control': 'public, max-age=0, must-revalidate',
          'x-content-type-options': 'nosniff',
        });
        res.end(bytes);
      },
    },
  });

  // What the page shows keeps changing: each change bumps the version and redraws the page.
  let updates = 0;
  let writing = false;
  const timer = setInterval(() => {
    if (writing) return;
    writing = true;
    const n = ++updates;
    const run =
      n % 2
        ? chat.command('slack', alice, 'incident', `update INC-1 --public Update ${n}: payments are recovering.`)
        : chat.command('slack', alice, 'status', `set ledger ${n % 4 ? 'degraded_performance' : 'operational'}`);
    void run.finally(() => (writing = false));
  }, UPDATE_MS);

  console.log(`ready ${http.port} ${bytes.length} ${rendered.body.length}`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'count') console.log(`updates ${updates}`);
    if (line.trim() !== 'stop') continue;
    clearInterval(timer);
    console.log(`updates ${updates}`);
    await http.close(1000);
    await steward.stop();
    await store.close();
    await db.drop();
    process.exit(0);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
