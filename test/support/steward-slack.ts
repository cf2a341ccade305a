// Starts Steward in-process against a FakeSlack: the real Bolt app on Steward's own HTTP server
// (signed requests to POST /slack/events), or Socket Mode through the fake's WebSocket.
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import type { Clock } from '../../src/core/ports.js';
import type { StewardModule } from '../../src/core/module.js';
import { sqlitePath } from '../../src/store/dialect.js';
import { FakeSlack, SlackClientSim, type FakeSlackOptions } from '../fakes/slack.js';
import { createSqliteDatabase, type TestDatabase } from './databases.js';
import { until } from './wait.js';

export const BOT_TOKEN = 'xoxb-4242-e2e-steward-bot-token-7f3a9c';
export const SIGNING_SECRET = 'e2e-signing-secret-9b2d71c04e6f';
export const APP_TOKEN = 'xapp-1-A0STEWARD-4242-e2e-app-token-51d8';

/** Collects everything pino writes, as text. */
export class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
  lines(): string[] {
    return this.text.split('\n').filter((l) => l.length > 0);
  }
  /** Every line parsed as JSON (throws on a line that is not JSON). */
  records(): Record<string, any>[] {
    return this.lines().map((l) => JSON.parse(l) as Record<string, any>);
  }
}

export interface StewardSlack {
  fake: FakeSlack;
  running: RunningSteward;
  db: TestDatabase;
  logs: LogCapture;
  /** Steward's base URL, e.g. http://127.0.0.1:41234 */
  base: string;
  /** Signs with Steward's secret; undefined in Socket Mode. */
  sim: SlackClientSim;
  /** GET /metrics as text. */
  metrics(): Promise<string>;
  /** Rows of a table in the SQLite database (not PostgreSQL), read through a separate connection. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

export interface StartOptions {
  mode?: 'http' | 'socket';
  env?: Record<string, string>;
  fake?: FakeSlackOptions;
  /** Steward's clock (default: the system clock). */
  clock?: Clock;
  /** The database to use, dropped at close (default: a new SQLite file). */
  database?: TestDatabase;
  /** The modules to compose (default: the standard ones). */
  modules?: readonly StewardModule[];
}

export { ManualClock } from './clock.js';

export async function startStewardSlack(opts: StartOptions = {}): Promise<StewardSlack> {
  const mode = opts.mode ?? 'http';
  const fake = await FakeSlack.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN, ...opts.fake });
  const db = opts.database ?? createSqliteDatabase();
  const logs = new LogCapture();
  let running: RunningSteward;
  try {
    running = await startSteward(
      loadSettings({
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        STEWARD_CONSOLE: 'off',
        LOG_LEVEL: 'info',
        SLACK_BOT_TOKEN: BOT_TOKEN,
        ...(mode === 'http' ? { SLACK_SIGNING_SECRET: SIGNING_SECRET } : { SLACK_APP_TOKEN: APP_TOKEN }),
        SLACK_API_URL: fake.apiUrl,
        ...opts.env,
      }),
      { logDestination: logs, clock: opts.clock, modules: opts.modules },
    );
  } catch (err) {
    await fake.close();
    await db.drop();
    throw new Error(`Steward did not start: ${(err as Error).message}\nlogs:\n${logs.text}`, { cause: err });
  }
  const base = `http://127.0.0.1:${running.port}`;
  return {
    fake,
    running,
    db,
    logs,
    base,
    sim: new SlackClientSim({ url: base, signingSecret: SIGNING_SECRET, fake }),
    metrics: async () => {
      const res = await fetch(`${base}/metrics`);
      if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
      return res.text();
    },
    query<T>(sql: string, ...params: unknown[]): T[] {
      if (db.dialect !== 'sqlite') throw new Error('query() reads SQLite databases only');
      const conn = new Database(sqlitePath(db.url), { readonly: true, fileMustExist: true, timeout: 5_000 });
      try {
        return conn.prepare(sql).all(...params) as T[];
      } finally {
        conn.close();
      }
    },
    async close() {
      await running.shutdown('test');
      await fake.close();
      await db.drop();
    },
  };
}

/**
 * The value of one Prometheus sample, e.g.
 * `sample(text, 'steward_commands_total', { platform: 'slack', command: 'service.list', outcome: 'ok' })`.
 * Labels must match exactly (all of them); 0 when the series does not exist.
 */
export function sample(metrics: string, name: string, labels: Record<string, string>): number {
  let found = 0;
  for (const line of metrics.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[l[1]!] = l[2]!;
    const keys = Object.keys(labels);
    if (Object.keys(have).length !== keys.length || keys.some((k) => have[k] !== labels[k])) continue;
    found += Number(m[3]);
  }
  return found;
}

/** Sum of every sample of a counter, across all its series. */
export function total(metrics: string, name: string): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{.*\})?\s+(\S+)$/.exec(line);
    if (m && m[1] === name) sum += Number(m[2]);
  }
  return sum;
}

// ---- Block Kit builders and the replies of the example policy (manifests/policy.example.yaml) ----

export const md = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
export const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text, emoji: true } });
export const button = (i: number, text: string, value: string, style?: string) => ({
  type: 'button',
  action_id: `steward:${i}`,
  text: { type: 'plain_text', text, emoji: true },
  value,
  ...(style ? { style } : {}),
});

/** `/service list`: the whole catalog, ephemeral. */
export const SERVICE_CATALOG = {
  text: 'Service catalog: 3 services in 2 teams.',
  blocks: [
    header(':information_source: Service catalog'),
    { type: 'section', text: md('3 services in 2 teams.') },
    {
      type: 'section',
      text: md(
        '*Payments (2)*\n*Payments API* `payments-api` · tier 1 · <@U0ALICE>\n*Ledger* `ledger` · tier 2 · <@U0BOB>',
      ),
    },
    { type: 'section', text: md('*Platform (1)*\n*Edge Gateway* `edge-gateway` · tier 1 · <@U0CAROL>, <@U0DAVE>') },
    {
      type: 'actions',
      elements: [
        button(0, 'Edge Gateway', 'st1|service.show|edge-gateway'),
        button(1, 'Payments API', 'st1|service.show|payments-api'),
        button(2, 'Ledger', 'st1|service.show|ledger'),
      ],
    },
    { type: 'context', elements: [md('Details: `/service show &lt;id&gt;`')] },
  ],
  response_type: 'ephemeral',
};

/** `/service show ledger`, or its button. */
export const LEDGER = {
  text: 'Ledger: Double-entry ledger behind payments and refunds.',
  blocks: [
    header(':information_source: Ledger'),
    { type: 'section', text: md('Double-entry ledger behind payments and refunds.') },
    {
      type: 'section',
      fields: [
        md('*Team*\nPayments'),
        md('*Tier*\n2'),
        md('*Owners*\n<@U0BOB>'),
        md('*Escalation path*\n`payments-default` · 2 levels, 15m per pass, repeats 1×'),
        md('*Channels*\n<#C0PAYMENTS>'),
      ],
    },
    {
      type: 'actions',
      elements: [
        button(0, 'Escalation path', 'st1|service.escalation|ledger', 'primary'),
        button(1, 'Payments services', 'st1|service.list|payments'),
      ],
    },
    { type: 'context', elements: [md('Service `ledger` · from the policy')] },
  ],
  response_type: 'ephemeral',
};

// ---- incidents: channels, modal values, waiting for side effects ----

export const INCIDENTS_CHANNEL = 'C0INCIDENTS';

/** #general and the policy's announcement channel (incidents.announce.slack), Steward in both. */
export const INCIDENT_CHANNELS = [
  { id: 'C0GENERAL', name: 'general' },
  { id: INCIDENTS_CHANNEL, name: 'incidents' },
];

/** Element states of a view_submission, keyed by the action id Steward's inputs carry. */
export const field = {
  text: (value: string | null) => ({ value: { type: 'plain_text_input', value } }),
  select: (value: string) => ({
    value: {
      type: 'static_select',
      selected_option: { text: { type: 'plain_text', text: value, emoji: true }, value },
    },
  }),
  none: () => ({ value: { type: 'static_select', selected_option: null } }),
  checked: (value = 'yes') => ({
    value: {
      type: 'checkboxes',
      selected_options: [{ text: { type: 'plain_text', text: value, emoji: true }, value }],
    },
  }),
  unchecked: () => ({ value: { type: 'checkboxes', selected_options: [] } }),
};

/** Every string anywhere inside `node`. */
export function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) node.forEach((n) => strings(n, out));
  else if (node && typeof node === 'object') Object.values(node).forEach((v) => strings(v, out));
  return out;
}

/** Mass mentions Slack would act on: `<!channel>`-style tokens, or a bare `@here` (not defused). */
export const LIVE_MENTION = /<!(channel|here|everyone)\b|@(channel|here|everyone)\b/i;

export { until } from './wait.js';

/** Text and every string in the blocks of a posted or updated message. */
export const textOf = (c: { body: Record<string, any> }) =>
  [String(c.body.text ?? ''), ...strings(c.body.blocks)].join('\n');

/** Waits until the outbox has carried out every due side effect (nothing pending, nothing claimed). */
export function settled(s: StewardSlack, timeoutMs = 5_000): Promise<true> {
  return until(
    'the outbox to drain',
    () => s.query<{ n: number }>("select count(*) as n from outbox_item where state = 'pending'")[0]!.n === 0,
    timeoutMs,
  );
}
