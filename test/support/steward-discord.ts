// Steward started in-process on SQLite with its real discord.js client connected to a FakeDiscord
// (REST + gateway). Log lines are captured in memory so tests can read them.
import type { StewardModule } from '../../src/core/module.js';
import type { Clock } from '../../src/core/ports.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { loadSettings } from '../../src/config/env.js';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { sqlitePath } from '../../src/store/dialect.js';
import { FakeDiscord, type DiscordRestCall, type DiscordUserSeed, type FakeDiscordOptions } from '../fakes/discord.js';
import type { IncidentRow } from './rows.js';
import { createSqliteDatabase, type TestDatabase } from './databases.js';

/** Discord ids of the people in manifests/policy.example.yaml. */
export const POLICY_DISCORD = {
  alice: '111111111111111111',
  bob: '111111111111111112',
  carol: '111111111111111113',
  dave: '111111111111111114',
} as const;

/**
 * The incidents guild of manifests/policy.example.yaml (`incidents.discord` and `incidents.announce`):
 * war rooms are created under its category, announcements go to its channel.
 */
export const INCIDENTS_GUILD = {
  id: '444444444444444444',
  category: '555555555555555555',
  announce: '333333333333333333',
  general: '444444444444444410',
} as const;

/** FakeDiscord guild seed with the ids above (and the fake's default roles). */
export const INCIDENTS_GUILD_SEED: NonNullable<FakeDiscordOptions['guild']> = {
  id: INCIDENTS_GUILD.id,
  name: 'Steward Incidents',
  channels: [
    { id: INCIDENTS_GUILD.general, name: 'general', type: 0, topic: 'General chatter' },
    { id: INCIDENTS_GUILD.category, name: 'Incidents', type: 4 },
    { id: INCIDENTS_GUILD.announce, name: 'incidents', type: 0, topic: 'Incident announcements' },
  ],
};

/** A Discord user who is not in the policy. */
export const STRANGER: DiscordUserSeed = {
  id: '999999999999999901',
  username: 'mallory',
  global_name: 'Mallory Stranger',
};

/** Shaped like a real bot token (base64 user id . timestamp . hmac) so both redaction paths apply. */
export const DISCORD_TEST_TOKEN = 'MTE1MDAwMDAwMDAwMDAwMDAwMQ.GstWrd.c3Rld2FyZC1lMmUtdG9rZW4tbm90LXJlYWwtMQ';

export const POLICY_USERS: DiscordUserSeed[] = [
  { id: POLICY_DISCORD.alice, username: 'alice', global_name: 'Alice Example' },
  { id: POLICY_DISCORD.bob, username: 'bob', global_name: 'Bob Builder' },
  { id: POLICY_DISCORD.carol, username: 'carol', global_name: 'Carol Danvers' },
  { id: POLICY_DISCORD.dave, username: 'dave', global_name: null },
  STRANGER,
];

/** pino output, one JSON object per line. */
export class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
  entries(): Array<Record<string, any>> {
    return this.text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, any>);
  }
  /** Resolves with the first entry matching `predicate` (polls the captured text). */
  async waitFor(predicate: (e: Record<string, any>) => boolean, timeoutMs = 3_000): Promise<Record<string, any>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.entries().find(predicate);
      if (hit) return hit;
      if (Date.now() > until) throw new Error(`no log entry matched within ${timeoutMs} ms; got:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export interface DiscordSteward {
  fake: FakeDiscord;
  running: RunningSteward;
  db: TestDatabase;
  logs: LogCapture;
  /** http://127.0.0.1:<port> of Steward's HTTP server. */
  base: string;
  /** Sends INTERACTION_CREATE and resolves with the callback REST call it causes. */
  send(payload: Record<string, any>, timeoutMs?: number): Promise<DiscordRestCall>;
  /** Rows of a table in Steward's SQLite database (read-only connection). */
  rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  /** Polls `rows` until `predicate` holds for the result; resolves with it. */
  rowsWhen<T = Record<string, unknown>>(
    predicate: (rows: T[]) => boolean,
    sql: string,
    ...params: unknown[]
  ): Promise<T[]>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  fake?: FakeDiscordOptions;
  /** Runs after the fake is listening and before Steward starts (e.g. to put a gateway relay in front). */
  prepare?: (fake: FakeDiscord) => Promise<void> | void;
  /** Runs on stop(), after Steward and before the fake. */
  cleanup?: () => Promise<void> | void;
  /** The modules to compose (default: the standard ones). */
  modules?: readonly StewardModule[];
  /** Steward's clock (default: the system clock). */
  clock?: Clock;
}

const ROWS_TIMEOUT_MS = 10_000;

export async function startDiscordSteward(opts: StartOptions = {}): Promise<DiscordSteward> {
  const fake = await FakeDiscord.start({ token: DISCORD_TEST_TOKEN, users: POLICY_USERS, ...opts.fake });
  const db = createSqliteDatabase();
  const logs = new LogCapture();
  let running: RunningSteward;
  try {
    await opts.prepare?.(fake);
    running = await startSteward(
      loadSettings({
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        STEWARD_CONSOLE: 'off',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DISCORD_TOKEN: DISCORD_TEST_TOKEN,
        DISCORD_APPLICATION_ID: fake.applicationId,
        DISCORD_API_URL: fake.apiUrl,
        ...opts.env,
      }),
      { logDestination: logs, clock: opts.clock, modules: opts.modules },
    );
  } catch (err) {
    await opts.cleanup?.();
    await fake.close();
    await db.drop();
    throw err;
  }
  function rows<T>(sql: string, ...params: unknown[]): T[] {
    const conn = new Database(sqlitePath(db.url), { readonly: true, fileMustExist: true });
    try {
      return conn.prepare(sql).all(...params) as T[];
    } finally {
      conn.close();
    }
  }
  return {
    fake,
    running,
    db,
    logs,
    base: `http://127.0.0.1:${running.port}`,
    send: (payload, timeoutMs) => fake.sendInteraction(payload, timeoutMs),
    rows,
    async rowsWhen<T>(predicate: (rows: T[]) => boolean, sql: string, ...params: unknown[]) {
      const until = Date.now() + ROWS_TIMEOUT_MS;
      for (;;) {
        const found = rows<T>(sql, ...params);
        if (predicate(found)) return found;
        if (Date.now() > until)
          throw new Error(`rows never matched within ${ROWS_TIMEOUT_MS} ms: ${sql}\n${JSON.stringify(found, null, 2)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      await running.shutdown('test');
      await opts.cleanup?.();
      await fake.close();
      await db.drop();
    },
  };
}

/** Waits `ms` and returns the REST calls to interaction callbacks of `interactionId` seen by then. */
export async function callbacksAfter(fake: FakeDiscord, interactionId: string, ms: number): Promise<DiscordRestCall[]> {
  await new Promise((r) => setTimeout(r, ms));
  return fake.restCallsOf('POST', new RegExp(`^/interactions/${interactionId}/[^/]+/callback$`));
}

export interface RelayedFrame {
  /** `in`: client → Discord; `out`: Discord → client (after rewriting). */
  dir: 'in' | 'out';
  frame: Record<string, any>;
  at: number;
}

/**
 * A WebSocket relay in front of a gateway: every frame passes through unchanged, except the
 * frames from the gateway that `rewrite` replaces (or drops by returning null). Client frames are
 * recorded with the token redacted. Point a client at it by answering `GET /gateway/bot` with `url`.
 */
export class GatewayRelay {
  readonly frames: RelayedFrame[] = [];
  private readonly server = http.createServer((_req, res) => res.writeHead(404).end());
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private port = 0;

  private constructor(
    private readonly upstreamUrl: string,
    private readonly rewrite: (frame: Record<string, any>) => Record<string, any> | null,
  ) {
    this.server.on('upgrade', (req, socket, head) =>
      this.wss.handleUpgrade(req, socket, head, (ws) => this.relay(ws, req.url ?? '/')),
    );
  }

  static async start(
    upstreamUrl: string,
    rewrite: (frame: Record<string, any>) => Record<string, any> | null,
  ): Promise<GatewayRelay> {
    const relay = new GatewayRelay(upstreamUrl, rewrite);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    relay.port = (relay.server.address() as AddressInfo).port;
    return relay;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  /** Frames the client sent with opcode `op`. */
  sent(op: number): Array<Record<string, any>> {
    return this.frames.filter((f) => f.dir === 'in' && f.frame.op === op).map((f) => f.frame);
  }

  async waitForSent(op: number, count = 1, timeoutMs = 3_000): Promise<Array<Record<string, any>>> {
    const until = Date.now() + timeoutMs;
    while (this.sent(op).length < count) {
      if (Date.now() > until)
        throw new Error(`client sent ${this.sent(op).length} op ${op} frame(s), expected ${count}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.sent(op);
  }

  private relay(client: WebSocket, path: string): void {
    const query = path.includes('?') ? path.slice(path.indexOf('?')) : '';
    const upstream = new WebSocket(this.upstreamUrl + query);
    this.sockets.add(client).add(upstream);
    const pending: Array<[RawData, boolean]> = [];
    upstream.on('open', () => {
      for (const [data, binary] of pending.splice(0)) upstream.send(data, { binary });
    });
    client.on('message', (data, binary) => {
      const frame = JSON.parse(data.toString()) as Record<string, any>;
      const safe =
        frame.d && typeof frame.d === 'object' && 'token' in frame.d
          ? { ...frame, d: { ...frame.d, token: '[redacted]' } }
          : frame;
      this.frames.push({ dir: 'in', frame: safe, at: Date.now() });
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
      else pending.push([data, binary]);
    });
    upstream.on('message', (data) => {
      const out = this.rewrite(JSON.parse(data.toString()) as Record<string, any>);
      if (!out) return;
      this.frames.push({ dir: 'out', frame: out, at: Date.now() });
      if (client.readyState === WebSocket.OPEN) client.send(JSON.stringify(out));
    });
    const forwardClose = (to: WebSocket) => (code: number, reason: Buffer) => {
      if (to.readyState !== WebSocket.OPEN && to.readyState !== WebSocket.CONNECTING) return;
      if (to.readyState === WebSocket.CONNECTING) return void to.terminate();
      if (code === 1000 || (code >= 3000 && code <= 4999)) to.close(code, reason.toString());
      else to.close();
    };
    client.on('close', forwardClose(upstream));
    upstream.on('close', forwardClose(client));
    client.on('error', () => upstream.terminate());
    upstream.on('error', () => client.terminate());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---- incidents ----------------------------------------------------------------------------

type Json = Record<string, any>;

export type { IncidentRow } from './rows.js';

export interface TimelineRow {
  kind: string;
  actor_person: string | null;
  actor_name: string | null;
  text: string;
  at: number | string;
  dedupe_key: string | null;
}

/** Snowflake → the instant Discord gives it (what discord.js reports as createdAt). */
export const snowflakeTime = (id: string) => new Date(Number((BigInt(id) >> 22n) + 1420070400000n));

/** custom_id of every component of a message (or interaction response data). */
export function customIds(message: Json): string[] {
  return (message.components as Json[]).flatMap((row) => row.components.map((c: Json) => c.custom_id));
}

/** Every text of every embed of a message body, for content checks. */
export function embedTexts(data: Json): string[] {
  return ((data.embeds ?? []) as Json[]).flatMap((e) => [
    e.title ?? '',
    e.description ?? '',
    e.footer?.text ?? '',
    ...(e.fields ?? []).flatMap((f: Json) => [f.name, f.value]),
  ]);
}

/** The value of an embed field by name. */
export const field = (embed: Json, name: string): string | undefined =>
  (embed.fields as Json[] | undefined)?.find((f) => f.name === name)?.value;

/** Commands, modals and database reads for the incident tests, on a Steward started with INCIDENTS_GUILD_SEED. */
export function incidentDriver(s: DiscordSteward) {
  const incidents = () => s.rows<IncidentRow>('select * from incident order by number');
  const command = (user: string, subcommand: string, options: Json = {}, channelId: string = INCIDENTS_GUILD.general) =>
    s.send(s.fake.chatInput({ name: 'incident', subcommand, options, user, channelId }));
  return {
    incidents,
    incident: (n: number) => incidents().find((i) => i.number === n),
    timeline: (n: number) =>
      s.rows<TimelineRow>(
        'select t.kind, t.actor_person, t.actor_name, t.text, t.at, t.dedupe_key from timeline_entry t join incident i on i.id = t.incident_id where i.number = ? order by t.id',
        n,
      ),
    /** Waits until no side effect is pending (the outbox runs right after each commit). */
    settled: () =>
      s.rowsWhen((r) => r.length === 0, "select key, attempts, last_error from outbox_item where state = 'pending'"),
    /** `/incident <subcommand>` from `user` in `channelId` (default #general); resolves with the callback. */
    command,
    /** REST calls that wrote a channel message (posts and edits) since `mark`. */
    messageWrites: (mark: number) =>
      s.fake.restCalls.filter(
        (c) =>
          c.seq >= mark &&
          /^\/channels\/\d+\/messages(\/\d+)?$/.test(c.path) &&
          (c.method === 'POST' || c.method === 'PATCH'),
      ),
    /** `/incident declare [title]`: the modal Steward answers with. */
    async openDeclare(user: string = POLICY_DISCORD.alice, title?: string): Promise<Json> {
      const cb = await command(user, 'declare', title ? { title } : {});
      expect(cb.status).toBe(204);
      expect(cb.body.type).toBe(9);
      return cb.body.data;
    },
    /** The MODAL_SUBMIT of the declare form, fields in Discord's label shape (selects as arrays). */
    submitDeclare: (customId: string, fields: Record<string, string | string[]>, user: string = POLICY_DISCORD.alice) =>
      s.fake.modalSubmit({ customId, fields, user, channelId: INCIDENTS_GUILD.general, shape: 'label' }),
    /** Waits for a declaration's confirmation and returns the incident number it names. */
    declared(cb: DiscordRestCall): number {
      const m = /^INC-(\d+) declared$/.exec(cb.body.data.embeds[0].title);
      if (!m) throw new Error(`not a declaration: ${JSON.stringify(cb.body.data.embeds[0])}`);
      return Number(m[1]);
    },
  };
}
