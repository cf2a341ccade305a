// Steward started in-process on SQLite with its real discord.js client connected to a FakeDiscord
// (REST + gateway). Log lines are captured in memory so tests can read them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { loadSettings } from '../../src/config/env.js';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { sqlitePath } from '../../src/store/dialect.js';
import { FakeDiscord, type DiscordRestCall, type DiscordUserSeed, type FakeDiscordOptions } from '../fakes/discord.js';
import { createSqliteDatabase, type TestDatabase } from './databases.js';

/** Discord ids of the people in manifests/policy.example.yaml. */
export const POLICY_DISCORD = {
  alice: '111111111111111111',
  bob: '111111111111111112',
  carol: '111111111111111113',
  dave: '111111111111111114',
} as const;

/** A Discord user who is not in the policy. */
export const STRANGER: DiscordUserSeed = { id: '999999999999999901', username: 'mallory', global_name: 'Mallory Stranger' };

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
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  fake?: FakeDiscordOptions;
  /** Runs after the fake is listening and before Steward starts (e.g. to put a gateway relay in front). */
  prepare?: (fake: FakeDiscord) => Promise<void> | void;
  /** Runs on stop(), after Steward and before the fake. */
  cleanup?: () => Promise<void> | void;
}

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
      { logDestination: logs },
    );
  } catch (err) {
    await opts.cleanup?.();
    await fake.close();
    await db.drop();
    throw err;
  }
  return {
    fake,
    running,
    db,
    logs,
    base: `http://127.0.0.1:${running.port}`,
    send: (payload, timeoutMs) => fake.sendInteraction(payload, timeoutMs),
    rows<T>(sql: string, ...params: unknown[]) {
      const conn = new Database(sqlitePath(db.url), { readonly: true, fileMustExist: true });
      try {
        return conn.prepare(sql).all(...params) as T[];
      } finally {
        conn.close();
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
    this.server.on('upgrade', (req, socket, head) => this.wss.handleUpgrade(req, socket, head, (ws) => this.relay(ws, req.url ?? '/')));
  }

  static async start(upstreamUrl: string, rewrite: (frame: Record<string, any>) => Record<string, any> | null): Promise<GatewayRelay> {
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
      if (Date.now() > until) throw new Error(`client sent ${this.sent(op).length} op ${op} frame(s), expected ${count}`);
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
      const safe = frame.d && typeof frame.d === 'object' && 'token' in frame.d ? { ...frame, d: { ...frame.d, token: '[redacted]' } } : frame;
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
