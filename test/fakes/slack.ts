/**
 * Wire-level fake of Slack for end-to-end tests that drive the real Bolt app.
 *
 * - `FakeSlack` serves the Web API under `/api/<method>` (point Bolt at it with
 *   `clientOptions: { slackApiUrl: fake.apiUrl }`), `response_url` posts under
 *   `/response/<id>`, external file uploads under `/upload/<id>`, and a Socket Mode
 *   WebSocket at `/socket` (the URL `apps.connections.open` hands out).
 * - `SlackClientSim` plays Slack's side of the HTTP receiver: signed slash commands,
 *   interactivity payloads and Events API callbacks POSTed to Bolt's `/slack/events`.
 * - Payload builders (`buildSlashCommand`, `buildBlockActions`, …) produce the same
 *   payloads for both transports.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import { WebSocket } from 'ws';
import { LogLevel, type Logger } from '@slack/bolt';
import {
  CallLog,
  FailureQueue,
  WireServer,
  brief,
  parseBody,
  randomDigits,
  randomHex,
  readBody,
  sendJson,
  type UploadedFile,
} from './support.js';

// ---------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------

export const SLACK_TEAM = { id: 'T0STEWARD', domain: 'steward-test', name: 'Steward Test' } as const;
export const SLACK_BOT = {
  userId: 'U0STEWARD',
  botId: 'B0STEWARD',
  appId: 'A0STEWARD',
  name: 'steward',
} as const;
export const SLACK_GENERAL_CHANNEL = 'C0GENERAL';

export interface SlackUserSeed {
  id: string;
  name: string;
  real_name?: string;
  email?: string;
  is_bot?: boolean;
  is_admin?: boolean;
  deleted?: boolean;
  tz?: string;
}

/** Users every FakeSlack knows unless `users` replaces them. */
export const SLACK_USERS = {
  alice: { id: 'U0ALICE', name: 'alice', real_name: 'Alice Adams', email: 'alice@example.com', is_admin: true },
  bob: { id: 'U0BOB', name: 'bob', real_name: 'Bob Brown', email: 'bob@example.com' },
  carol: { id: 'U0CAROL', name: 'carol', real_name: 'Carol Chen', email: 'carol@example.com', tz: 'Europe/Berlin' },
} satisfies Record<string, SlackUserSeed>;

export interface SlackChannelSeed {
  id?: string;
  name: string;
  is_private?: boolean;
  /** Member user ids; the bot is added unless `botIsMember` is false. Defaults to all seeded users. */
  members?: string[];
  botIsMember?: boolean;
  topic?: string;
  purpose?: string;
}

export interface FakeSlackOptions {
  team?: { id: string; domain: string; name?: string };
  bot?: { userId: string; botId: string; appId: string; name: string };
  /** Replaces the default users (the bot user is always present). */
  users?: SlackUserSeed[];
  /** Replaces the default channels (a `#general` the bot and all users are in). */
  channels?: SlackChannelSeed[];
  /** If set, bot-token calls with any other token answer `invalid_auth`. */
  botToken?: string;
  /** If set, `apps.connections.open` with any other app token answers `invalid_auth`. */
  appToken?: string;
  /** Scopes reported in `x-oauth-scopes` and in `missing_scope` errors. */
  scopes?: string[];
  /** Default timeout for waitFor* helpers (ms). */
  defaultTimeoutMs?: number;
}

const DEFAULT_SCOPES = [
  'app_mentions:read',
  'channels:history',
  'channels:join',
  'channels:manage',
  'channels:read',
  'chat:write',
  'chat:write.public',
  'commands',
  'groups:write',
  'im:write',
  'pins:write',
  'reactions:write',
  'users:read',
  'users:read.email',
];

// ---------------------------------------------------------------------------
// Public record types
// ---------------------------------------------------------------------------

export interface SlackApiCall {
  seq: number;
  method: string;
  /** Token from `Authorization: Bearer …` or the `token` body field. */
  token: string | null;
  /** Decoded arguments; `blocks`, `view`, `attachments`, `metadata`, `files` are parsed from JSON strings. */
  body: Record<string, any>;
  files: UploadedFile[];
  headers: http.IncomingHttpHeaders;
  at: number;
  /** HTTP status and JSON answered. */
  status: number;
  response: Record<string, any>;
}

export interface SlackResponseUrlPost {
  seq: number;
  id: string;
  body: Record<string, any>;
  at: number;
  /** What the response_url was issued for (slash command or message action). */
  target: ResponseTarget;
}

export interface SlackUpload {
  seq: number;
  fileId: string;
  size: number;
  data: Buffer;
  at: number;
}

export interface SlackSocketAck {
  seq: number;
  envelope_id: string;
  payload?: Record<string, any>;
  at: number;
}

export interface SlackStoredMessage {
  type: 'message';
  ts: string;
  text: string;
  user: string;
  team: string;
  bot_id?: string;
  app_id?: string;
  blocks?: any[];
  attachments?: any[];
  thread_ts?: string;
  reply_count?: number;
  edited?: { user: string; ts: string };
  pinned_to?: string[];
  reactions?: Array<{ name: string; users: string[]; count: number }>;
  metadata?: any;
  files?: any[];
  [key: string]: any;
}

export interface SlackEphemeralMessage {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks?: any[];
  attachments?: any[];
  thread_ts?: string;
  /** `chat.postEphemeral` or `response_url`. */
  via: 'chat.postEphemeral' | 'response_url';
}

export interface SlackChannelState {
  id: string;
  name: string;
  is_private: boolean;
  is_im: boolean;
  is_mpim: boolean;
  /** For IMs: the other user. */
  user?: string;
  created: number;
  creator: string;
  members: Set<string>;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
  is_archived: boolean;
  previous_names: string[];
}

interface ResponseTarget {
  kind: 'command' | 'message' | 'view';
  channel?: string;
  user?: string;
  message_ts?: string;
}

interface Failure {
  method: string;
  error: string;
  remaining: number;
  status: number;
  retryAfter?: number;
  match?: (body: Record<string, any>) => boolean;
  extra?: Record<string, unknown>;
}

export interface SlackFailOptions {
  /** How many calls fail (default 1; `Infinity` for all). */
  times?: number;
  /** HTTP status: 200 (default, `{ok:false,error}`), 429 (rate limited, with Retry-After) or 5xx. */
  status?: number;
  /** Seconds for `Retry-After` on 429 (default 1). Slack's client parses it as an integer. */
  retryAfter?: number;
  /** Only fail calls whose decoded arguments match. */
  match?: (body: Record<string, any>) => boolean;
  /** Extra fields merged into the error body (e.g. `needed` for missing_scope). */
  extra?: Record<string, unknown>;
}

class SlackApiFailure extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

function apiError(error: string, extra?: Record<string, unknown>): never {
  throw new SlackApiFailure(error, extra);
}

const JSON_FIELDS = new Set(['blocks', 'view', 'attachments', 'metadata', 'files', 'unfurls', 'user_auth_blocks']);

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return String(v);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

// ---------------------------------------------------------------------------
// Block Kit validation (the limits Slack enforces most often)
// ---------------------------------------------------------------------------

function textOf(obj: any): string | undefined {
  if (obj && typeof obj === 'object' && typeof obj.text === 'string') return obj.text;
  return undefined;
}

/** Returns Slack-style error strings like `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`. */
export function validateBlocks(blocks: unknown, pointer = '/blocks', maxBlocks = 50): string[] {
  const errors: string[] = [];
  if (!Array.isArray(blocks)) {
    errors.push(`must provide an array [json-pointer:${pointer}]`);
    return errors;
  }
  if (blocks.length > maxBlocks) errors.push(`must be less than ${maxBlocks + 1} items [json-pointer:${pointer}]`);
  const blockIds = new Set<string>();
  blocks.forEach((block: any, i: number) => {
    const p = `${pointer}/${i}`;
    if (!block || typeof block !== 'object' || typeof block.type !== 'string') {
      errors.push(`missing required field: type [json-pointer:${p}]`);
      return;
    }
    if (block.block_id !== undefined) {
      if (String(block.block_id).length > 255)
        errors.push(`must be less than 256 characters [json-pointer:${p}/block_id]`);
      if (blockIds.has(block.block_id)) errors.push(`duplicate block_id [json-pointer:${p}/block_id]`);
      blockIds.add(block.block_id);
    }
    const checkLen = (value: string | undefined, max: number, path: string) => {
      if (value !== undefined && value.length > max)
        errors.push(`must be less than ${max + 1} characters [json-pointer:${path}]`);
    };
    const checkElement = (el: any, path: string) => {
      if (!el || typeof el !== 'object') return;
      if (el.action_id !== undefined) checkLen(String(el.action_id), 255, `${path}/action_id`);
      if (el.type === 'button') {
        if (!textOf(el.text)) errors.push(`missing required field: text [json-pointer:${path}]`);
        checkLen(textOf(el.text), 75, `${path}/text/text`);
        if (el.value !== undefined) checkLen(String(el.value), 2000, `${path}/value`);
        if (el.url !== undefined) checkLen(String(el.url), 3000, `${path}/url`);
      }
      if (Array.isArray(el.options)) {
        if (el.options.length > 100) errors.push(`must be less than 101 items [json-pointer:${path}/options]`);
        el.options.forEach((o: any, j: number) => checkLen(textOf(o?.text), 75, `${path}/options/${j}/text/text`));
      }
    };
    switch (block.type) {
      case 'section':
        if (!block.text && !block.fields) errors.push(`must provide text or fields [json-pointer:${p}]`);
        checkLen(textOf(block.text), 3000, `${p}/text/text`);
        if (Array.isArray(block.fields)) {
          if (block.fields.length > 10) errors.push(`must be less than 11 items [json-pointer:${p}/fields]`);
          block.fields.forEach((f: any, j: number) => checkLen(textOf(f), 2000, `${p}/fields/${j}/text`));
        }
        if (block.accessory) checkElement(block.accessory, `${p}/accessory`);
        break;
      case 'header':
        if (!textOf(block.text)) errors.push(`missing required field: text [json-pointer:${p}]`);
        checkLen(textOf(block.text), 150, `${p}/text/text`);
        break;
      case 'actions':
        if (!Array.isArray(block.elements) || block.elements.length === 0)
          errors.push(`missing required field: elements [json-pointer:${p}]`);
        else {
          if (block.elements.length > 25) errors.push(`must be less than 26 items [json-pointer:${p}/elements]`);
          block.elements.forEach((el: any, j: number) => checkElement(el, `${p}/elements/${j}`));
        }
        break;
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length === 0)
          errors.push(`missing required field: elements [json-pointer:${p}]`);
        else if (block.elements.length > 10) errors.push(`must be less than 11 items [json-pointer:${p}/elements]`);
        break;
      case 'input':
        if (!textOf(block.label)) errors.push(`missing required field: label [json-pointer:${p}]`);
        checkLen(textOf(block.label), 2000, `${p}/label/text`);
        if (!block.element) errors.push(`missing required field: element [json-pointer:${p}]`);
        else checkElement(block.element, `${p}/element`);
        break;
      default:
        break;
    }
  });
  return errors;
}

// ---------------------------------------------------------------------------
// FakeSlack
// ---------------------------------------------------------------------------

export class FakeSlack {
  readonly team: { id: string; domain: string; name: string };
  readonly bot: { userId: string; botId: string; appId: string; name: string };

  /** Every Web API call, in arrival order. */
  readonly calls: SlackApiCall[];
  readonly responses: SlackResponseUrlPost[];
  readonly uploads: SlackUpload[];
  readonly socketAcks: SlackSocketAck[];
  /** Ephemeral messages (chat.postEphemeral and ephemeral response_url replies). */
  readonly ephemerals: SlackEphemeralMessage[] = [];

  private readonly callLog = new CallLog<SlackApiCall>(
    (c) => `${c.method} ${brief(c.body, 120)} -> ${c.status} ${brief(c.response, 80)}`,
  );
  private readonly responseLog = new CallLog<SlackResponseUrlPost>((r) => `response ${r.id} ${brief(r.body, 120)}`);
  private readonly uploadLog = new CallLog<SlackUpload>((u) => `upload ${u.fileId} ${u.size} bytes`);
  private readonly ackLog = new CallLog<SlackSocketAck>((a) => `ack ${a.envelope_id} ${brief(a.payload, 120)}`);

  private readonly wire: WireServer;
  private readonly wsClients = new Set<WebSocket>();
  private readonly wsWaiters: Array<(ws: WebSocket) => void> = [];
  private readonly failures = new FailureQueue<Failure>();
  private closed = false;
  private readonly options: FakeSlackOptions;
  private readonly scopes: string[];
  private readonly timeoutMs: number;

  private users = new Map<string, SlackUserSeed>();
  private channels = new Map<string, SlackChannelState>();
  private messages = new Map<string, SlackStoredMessage[]>();
  private views = new Map<string, Record<string, any>>();
  private ims = new Map<string, string>();
  private responseTargets = new Map<string, ResponseTarget>();
  private pendingUploads = new Map<string, { filename: string; length: number; data?: Buffer }>();
  private lastTsMicros = 0n;
  private idCounter = 0;

  constructor(options: FakeSlackOptions = {}) {
    this.options = options;
    this.team = { name: 'Steward Test', ...(options.team ?? SLACK_TEAM) };
    this.bot = { ...(options.bot ?? SLACK_BOT) };
    this.scopes = options.scopes ?? DEFAULT_SCOPES;
    this.timeoutMs = options.defaultTimeoutMs ?? 2000;
    this.calls = this.callLog.items;
    this.responses = this.responseLog.items;
    this.uploads = this.uploadLog.items;
    this.socketAcks = this.ackLog.items;
    this.seed();

    this.wire = new WireServer({
      handle: (req, res) => this.handleHttp(req, res),
      crashed: (res, err) => sendJson(res, 500, { ok: false, error: 'fatal_error', detail: String(err) }),
      socketPath: '/socket',
      onSocket: (ws) => this.onSocket(ws),
    });
  }

  /** Starts the fake on 127.0.0.1 with a random port. */
  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await fake.listen();
    return fake;
  }

  async listen(): Promise<this> {
    await this.wire.listen();
    return this;
  }

  get baseUrl(): string {
    return this.wire.baseUrl;
  }

  /** Value for Bolt's `clientOptions.slackApiUrl` (ends with `/api/`). */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  get socketUrl(): string {
    return `${this.wire.wsBaseUrl}/socket`;
  }

  // ----- state seeding ------------------------------------------------------

  private seed(): void {
    const users = this.options.users ?? Object.values(SLACK_USERS);
    this.users.set(this.bot.userId, {
      id: this.bot.userId,
      name: this.bot.name,
      real_name: this.bot.name,
      is_bot: true,
    });
    for (const u of users) this.users.set(u.id, { ...u });
    const humanIds = users.map((u) => u.id);
    const seeds: SlackChannelSeed[] = this.options.channels ?? [{ id: SLACK_GENERAL_CHANNEL, name: 'general' }];
    for (const seed of seeds) {
      const id = seed.id ?? this.newId(seed.is_private ? 'G' : 'C');
      const members = new Set(seed.members ?? humanIds);
      if (seed.botIsMember !== false) members.add(this.bot.userId);
      const creator = humanIds[0] ?? this.bot.userId;
      this.channels.set(id, {
        id,
        name: seed.name,
        is_private: seed.is_private ?? false,
        is_im: false,
        is_mpim: false,
        created: nowSeconds() - 86_400,
        creator,
        members,
        topic: { value: seed.topic ?? '', creator: seed.topic ? creator : '', last_set: seed.topic ? nowSeconds() : 0 },
        purpose: {
          value: seed.purpose ?? '',
          creator: seed.purpose ? creator : '',
          last_set: seed.purpose ? nowSeconds() : 0,
        },
        is_archived: false,
        previous_names: [],
      });
      this.messages.set(id, []);
    }
  }

  private newId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}0${(36 ** 7 + this.idCounter * 7919).toString(36).toUpperCase()}`;
  }

  /** A unique, strictly increasing message timestamp like `1700000000.000100`. */
  nextTs(): string {
    let micros = BigInt(Date.now()) * 1000n;
    if (micros <= this.lastTsMicros) micros = this.lastTsMicros + 1n;
    this.lastTsMicros = micros;
    const secs = micros / 1_000_000n;
    const frac = (micros % 1_000_000n).toString().padStart(6, '0');
    return `${secs}.${frac}`;
  }

  newTriggerId(): string {
    return `${randomDigits(13)}.${randomDigits(12)}.${randomHex(16)}`;
  }

  /** Issues a response_url on this fake. */
  newResponseUrl(target: ResponseTarget = { kind: 'command' }): string {
    const id = `${this.team.id}/${randomDigits(13)}/${randomHex(12)}`;
    this.responseTargets.set(id, target);
    return `${this.baseUrl}/response/${id}`;
  }

  // ----- state access for tests ----------------------------------------------

  addUser(user: SlackUserSeed): void {
    this.users.set(user.id, { ...user });
  }

  user(id: string): SlackUserSeed | undefined {
    return this.users.get(id);
  }

  userByName(name: string): SlackUserSeed | undefined {
    return [...this.users.values()].find((u) => u.name === name);
  }

  /** Adds a channel (as Slack would already have it) and returns its id. */
  addChannel(seed: SlackChannelSeed): string {
    const id = seed.id ?? this.newId(seed.is_private ? 'G' : 'C');
    const humans = [...this.users.values()].filter((u) => !u.is_bot).map((u) => u.id);
    const members = new Set(seed.members ?? humans);
    if (seed.botIsMember !== false) members.add(this.bot.userId);
    this.channels.set(id, {
      id,
      name: seed.name,
      is_private: seed.is_private ?? false,
      is_im: false,
      is_mpim: false,
      created: nowSeconds(),
      creator: this.bot.userId,
      members,
      topic: { value: seed.topic ?? '', creator: '', last_set: 0 },
      purpose: { value: seed.purpose ?? '', creator: '', last_set: 0 },
      is_archived: false,
      previous_names: [],
    });
    this.messages.set(id, []);
    return id;
  }

  channel(idOrName: string): SlackChannelState | undefined {
    const bare = idOrName.replace(/^#/, '');
    return this.channels.get(bare) ?? [...this.channels.values()].find((c) => c.name === bare && !c.is_im);
  }

  channelList(): SlackChannelState[] {
    return [...this.channels.values()];
  }

  /** The DM channel id the fake uses for a user (created on first use). */
  imChannelFor(userId: string): string {
    return this.openIm(userId).id;
  }

  /** Messages of a channel in posting order (thread replies included), latest state. */
  channelMessages(channel: string): SlackStoredMessage[] {
    const id = this.channel(channel)?.id ?? channel;
    return [...(this.messages.get(id) ?? [])];
  }

  message(channel: string, ts: string): SlackStoredMessage | undefined {
    return this.channelMessages(channel).find((m) => m.ts === ts);
  }

  lastMessage(channel: string): SlackStoredMessage | undefined {
    const list = this.channelMessages(channel);
    return list[list.length - 1];
  }

  /** Stores a message as if a user had posted it; returns it. */
  addMessage(channel: string, msg: Partial<SlackStoredMessage> & { user: string; text: string }): SlackStoredMessage {
    const ch = this.channel(channel);
    if (!ch) throw new Error(`FakeSlack.addMessage: unknown channel ${channel}`);
    const stored: SlackStoredMessage = { type: 'message', team: this.team.id, ts: msg.ts ?? this.nextTs(), ...msg };
    this.messages.get(ch.id)!.push(stored);
    return stored;
  }

  view(id: string): Record<string, any> | undefined {
    return this.views.get(id);
  }

  viewList(): Array<Record<string, any>> {
    return [...this.views.values()];
  }

  // ----- calls and waiting ------------------------------------------------------

  callsOf(method: string): SlackApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Sequence number the next call gets; use `c.seq >= mark` in predicates to ignore earlier calls. */
  get mark(): number {
    return this.callLog.mark;
  }

  /** The first matching call already recorded, else the next one to arrive. */
  waitFor(
    method: string,
    predicate: (call: SlackApiCall) => boolean = () => true,
    timeoutMs = this.timeoutMs,
  ): Promise<SlackApiCall> {
    return this.callLog.waitFor((c) => c.method === method && predicate(c), timeoutMs, `Slack API call ${method}`);
  }

  waitForResponse(
    predicate: (post: SlackResponseUrlPost) => boolean = () => true,
    timeoutMs = this.timeoutMs,
  ): Promise<SlackResponseUrlPost> {
    return this.responseLog.waitFor(predicate, timeoutMs, 'a response_url post');
  }

  waitForUpload(predicate: (u: SlackUpload) => boolean = () => true, timeoutMs = this.timeoutMs): Promise<SlackUpload> {
    return this.uploadLog.waitFor(predicate, timeoutMs, 'a file upload');
  }

  /** Calls of `method` (or `*`) answer only after `ms` (a slow platform); 0 removes the delay. */
  latency(method: string, ms: number): void {
    if (ms > 0) this.delays.set(method, ms);
    else this.delays.delete(method);
  }

  /**
   * Calls of `method` beyond `perSecond` in one second answer 429 with `Retry-After: retryAfter`,
   * as Slack's tiers do; `perChannel` counts each channel apart (chat.postMessage's limit).
   * Counted per wall-clock second; `rateLimit(method, null)` removes it.
   */
  rateLimit(method: string, limit: { perSecond: number; retryAfter?: number; perChannel?: boolean } | null): void {
    if (limit) this.limits.set(method, { ...limit, windows: new Map() });
    else this.limits.delete(method);
  }

  /** Calls answered 429 by `rateLimit`, by method. */
  readonly rateLimited = new Map<string, number>();

  private readonly delays = new Map<string, number>();
  private readonly limits = new Map<
    string,
    {
      perSecond: number;
      retryAfter?: number;
      perChannel?: boolean;
      windows: Map<string, { second: number; n: number }>;
    }
  >();

  /** The 429 `rateLimit` answers for this call, or null when it is within the limit. */
  private overLimit(method: string, body: Record<string, any>): Failure | null {
    const limit = this.limits.get(method);
    if (!limit) return null;
    const key = limit.perChannel ? String(body.channel ?? '') : '';
    const second = Math.floor(Date.now() / 1000);
    const w = limit.windows.get(key);
    if (!w || w.second !== second) {
      limit.windows.set(key, { second, n: 1 });
      return null;
    }
    if (++w.n <= limit.perSecond) return null;
    this.rateLimited.set(method, (this.rateLimited.get(method) ?? 0) + 1);
    return { method, error: 'ratelimited', remaining: 1, status: 429, retryAfter: limit.retryAfter ?? 1 };
  }

  /**
   * The next `count` calls fail. `status` 200 answers `{ok:false,error}`; 429 answers
   * HTTP 429 with `Retry-After`; other statuses answer that status.
   */
  fail(method: string, error: string, opts: SlackFailOptions = {}): void {
    this.failures.add({
      method,
      error,
      remaining: opts.times ?? 1,
      status: opts.status ?? 200,
      retryAfter: opts.retryAfter,
      match: opts.match,
      extra: opts.extra,
    });
  }

  /** Forgets calls, failures, responses, acks; keeps channels, users, messages and views. */
  resetCalls(): void {
    this.callLog.clear();
    this.responseLog.clear();
    this.uploadLog.clear();
    this.ackLog.clear();
    this.failures.clear();
  }

  /** Forgets everything, including channels/messages/views, and re-seeds the initial state. */
  reset(): void {
    this.resetCalls();
    this.ephemerals.length = 0;
    this.users.clear();
    this.channels.clear();
    this.messages.clear();
    this.views.clear();
    this.ims.clear();
    this.responseTargets.clear();
    this.pendingUploads.clear();
    this.seed();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.callLog.dropWaiters();
    this.responseLog.dropWaiters();
    this.uploadLog.dropWaiters();
    this.ackLog.dropWaiters();
    // Bolt's SocketModeReceiver.stop() resolves before its close handshake completes, so
    // give client-initiated closes a moment to finish before cutting connections.
    await Promise.all(
      [...this.wsClients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, 250);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
    this.wsClients.clear();
    await this.wire.close();
  }

  // ----- Socket Mode -----------------------------------------------------------

  /** Number of open Socket Mode connections. */
  get socketConnections(): number {
    return [...this.wsClients].filter((ws) => ws.readyState === WebSocket.OPEN).length;
  }

  /** Resolves once a Socket Mode client is connected (immediately if one is). */
  waitForSocket(timeoutMs = this.timeoutMs): Promise<void> {
    if (this.currentSocket()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.wsWaiters.indexOf(waiter);
        if (i >= 0) this.wsWaiters.splice(i, 1);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for a Socket Mode connection`));
      }, timeoutMs);
      this.wsWaiters.push(waiter);
    });
  }

  /**
   * Sends a Socket Mode envelope and resolves with the client's acknowledgement
   * `{envelope_id, payload?}`.
   */
  async sendEnvelope(
    type: 'slash_commands' | 'interactive' | 'events_api' | string,
    payload: Record<string, any>,
    opts: { acceptsResponsePayload?: boolean; retryAttempt?: number; retryReason?: string; timeoutMs?: number } = {},
  ): Promise<SlackSocketAck> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    await this.waitForSocket(timeoutMs);
    const ws = this.currentSocket()!;
    const envelope_id = crypto.randomUUID();
    const accepts =
      opts.acceptsResponsePayload ??
      (type === 'slash_commands' ||
        (type === 'interactive' && ['view_submission', 'block_suggestion'].includes(payload.type)));
    const frame: Record<string, unknown> = { envelope_id, payload, type, accepts_response_payload: accepts };
    if (type === 'events_api') {
      frame.retry_attempt = opts.retryAttempt ?? 0;
      frame.retry_reason = opts.retryReason ?? '';
    }
    const ack = this.ackLog.waitFor(
      (a) => a.envelope_id === envelope_id,
      timeoutMs,
      `ack of ${type} envelope ${envelope_id}`,
    );
    ws.send(JSON.stringify(frame));
    return ack;
  }

  socketSlashCommand(opts: SlashCommandOptions): Promise<SlackSocketAck> {
    return this.sendEnvelope('slash_commands', buildSlashCommand(opts, this.payloadContext()));
  }

  socketBlockAction(opts: BlockActionOptions): Promise<SlackSocketAck> {
    return this.sendEnvelope('interactive', buildBlockActions(opts, this.payloadContext()));
  }

  socketViewSubmission(opts: ViewSubmissionOptions): Promise<SlackSocketAck> {
    return this.sendEnvelope('interactive', buildViewSubmission(opts, this.payloadContext()));
  }

  socketEvent(event: Record<string, any>, opts: EventCallbackOptions = {}): Promise<SlackSocketAck> {
    return this.sendEnvelope('events_api', buildEventCallback(event, this.payloadContext(), opts), {
      retryAttempt: opts.retryNum,
      retryReason: opts.retryReason,
    });
  }

  /** Sends Slack's `disconnect` frame (e.g. `refresh_requested`, `warning`, `link_disabled`). */
  socketDisconnect(reason = 'refresh_requested'): void {
    const ws = this.currentSocket();
    ws?.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake-1' } }));
  }

  private currentSocket(): WebSocket | undefined {
    return [...this.wsClients].reverse().find((ws) => ws.readyState === WebSocket.OPEN);
  }

  private onSocket(ws: WebSocket): void {
    this.wsClients.add(ws);
    ws.on('close', () => this.wsClients.delete(ws));
    ws.on('error', () => this.wsClients.delete(ws));
    ws.on('message', (raw) => {
      let frame: any;
      try {
        frame = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (frame && typeof frame.envelope_id === 'string') {
        const ack = this.ackLog.push({ envelope_id: frame.envelope_id, payload: frame.payload, at: Date.now() });
        this.ackLog.notify(ack);
      }
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.socketConnections,
        debug_info: { host: 'applink-fake-1', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.bot.appId },
      }),
    );
    for (const w of this.wsWaiters.splice(0)) w(ws);
  }

  // ----- payload context ---------------------------------------------------------

  /** Context the payload builders use (team, app, response_url issuance, user lookup). */
  payloadContext(): SlackPayloadContext {
    return {
      team: this.team,
      appId: this.bot.appId,
      botUserId: this.bot.userId,
      botId: this.bot.botId,
      newResponseUrl: (target) => this.newResponseUrl(target),
      newTriggerId: () => this.newTriggerId(),
      lookupUser: (id) => this.users.get(id),
      lookupChannel: (id) => {
        const c = this.channel(id);
        return c ? { id: c.id, name: c.is_im ? 'directmessage' : c.name } : undefined;
      },
      lookupMessage: (channel, ts) => this.message(channel, ts),
      lookupView: (id) => this.views.get(id),
    };
  }

  // ----- HTTP --------------------------------------------------------------------

  private async handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const raw = await readBody(req);
    if (url.pathname.startsWith('/api/')) {
      return this.handleApi(url, req, raw, res);
    }
    if (url.pathname.startsWith('/response/')) {
      return this.handleResponseUrl(url.pathname.slice('/response/'.length), req, raw, res);
    }
    if (url.pathname.startsWith('/upload/')) {
      const fileId = url.pathname.slice('/upload/'.length);
      const pending = this.pendingUploads.get(fileId);
      if (!pending) {
        res.writeHead(404).end('not found');
        return;
      }
      pending.data = raw;
      const upload = this.uploadLog.push({ fileId, size: raw.length, data: raw, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${raw.length}`);
      this.uploadLog.notify(upload);
      return;
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  private async handleApi(url: URL, req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): Promise<void> {
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const parsed = await parseBody(raw, req.headers['content-type']);
    const body: Record<string, any> = {};
    for (const [k, v] of url.searchParams.entries()) body[k] = v;
    for (const [k, v] of Object.entries(parsed.fields)) {
      if (JSON_FIELDS.has(k) && typeof v === 'string' && /^\s*[[{]/.test(v)) {
        try {
          body[k] = JSON.parse(v);
          continue;
        } catch {
          // keep the string
        }
      }
      body[k] = v;
    }
    const authHeader = req.headers.authorization;
    const token = authHeader?.startsWith('Bearer ') ? authHeader.slice(7) : (str(body.token) ?? null);

    let status = 200;
    let response: Record<string, any>;
    const headers: Record<string, string> = { 'x-oauth-scopes': this.scopes.join(',') };

    const delay = this.delays.get(method) ?? this.delays.get('*');
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const failure = this.takeFailure(method, body) ?? this.overLimit(method, body) ?? undefined;
    if (failure) {
      status = failure.status;
      response = { ok: false, error: failure.error, ...(failure.extra ?? {}) };
      if (failure.error === 'missing_scope' && !('needed' in response)) {
        response.needed = 'unknown';
        response.provided = this.scopes.join(',');
      }
      if (status === 429) headers['retry-after'] = String(failure.retryAfter ?? 1);
    } else {
      try {
        this.checkAuth(method, token);
        const handler = this.handlers[method];
        if (!handler) apiError('unknown_method');
        response = { ok: true, ...handler(body, token) };
      } catch (err) {
        if (err instanceof SlackApiFailure) response = { ok: false, error: err.error, ...err.extra };
        else response = { ok: false, error: 'internal_error', detail: String(err) };
      }
    }
    const call = this.callLog.push({
      method,
      token,
      body,
      files: parsed.files,
      headers: req.headers,
      at: Date.now(),
      status,
      response,
    });
    sendJson(res, status, response, headers);
    this.callLog.notify(call);
  }

  private takeFailure(method: string, body: Record<string, any>): Failure | undefined {
    return this.failures.take((x) => (x.method === method || x.method === '*') && (x.match ? x.match(body) : true));
  }

  private checkAuth(method: string, token: string | null): void {
    if (method === 'api.test') return;
    if (!token) apiError('not_authed');
    const isAppToken = token.startsWith('xapp-');
    if (method === 'apps.connections.open') {
      if (!isAppToken) apiError('not_allowed_token_type');
      if (this.options.appToken && token !== this.options.appToken) apiError('invalid_auth');
      return;
    }
    if (isAppToken) apiError('not_allowed_token_type');
    if (this.options.botToken && token !== this.options.botToken) apiError('invalid_auth');
  }

  private async handleResponseUrl(
    id: string,
    req: http.IncomingMessage,
    raw: Buffer,
    res: http.ServerResponse,
  ): Promise<void> {
    const target = this.responseTargets.get(id);
    if (!target) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('invalid_token');
      return;
    }
    const parsed = await parseBody(raw, req.headers['content-type']);
    const body = parsed.fields;
    for (const k of ['blocks', 'attachments']) {
      if (typeof body[k] === 'string') {
        try {
          body[k] = JSON.parse(body[k]);
        } catch {
          // keep
        }
      }
    }
    this.applyResponseUrl(target, body);
    const post = this.responseLog.push({ id, body, at: Date.now(), target });
    sendJson(res, 200, { ok: true });
    this.responseLog.notify(post);
  }

  private applyResponseUrl(target: ResponseTarget, body: Record<string, any>): void {
    const channel = target.channel ? this.channel(target.channel) : undefined;
    if (!channel) return;
    const list = this.messages.get(channel.id) ?? [];
    if (target.message_ts && truthy(body.delete_original)) {
      const i = list.findIndex((m) => m.ts === target.message_ts);
      if (i >= 0) list.splice(i, 1);
      return;
    }
    if (target.message_ts && truthy(body.replace_original)) {
      const msg = list.find((m) => m.ts === target.message_ts);
      if (msg) {
        if (body.text !== undefined) msg.text = String(body.text);
        if (body.blocks !== undefined) msg.blocks = body.blocks;
        if (body.attachments !== undefined) msg.attachments = body.attachments;
        msg.edited = { user: this.bot.userId, ts: this.nextTs() };
      }
      return;
    }
    if (body.response_type === 'in_channel') {
      const msg = this.botMessage(body);
      if (body.thread_ts) msg.thread_ts = String(body.thread_ts);
      list.push(msg);
      this.messages.set(channel.id, list);
      return;
    }
    this.ephemerals.push({
      channel: channel.id,
      user: target.user ?? '',
      message_ts: this.nextTs(),
      text: str(body.text) ?? '',
      blocks: body.blocks,
      attachments: body.attachments,
      via: 'response_url',
    });
  }

  // ----- Web API handlers --------------------------------------------------------------

  private requireChannel(id: unknown): SlackChannelState {
    const key = str(id);
    if (!key) apiError('channel_not_found');
    // Posting to a user id opens (or reuses) the DM with that user, as Slack does.
    if (/^[UW][A-Z0-9]+$/.test(key) && this.users.has(key)) return this.openIm(key);
    const ch = this.channel(key);
    if (!ch) apiError('channel_not_found');
    return ch;
  }

  private requireUser(id: unknown): SlackUserSeed {
    const u = this.users.get(str(id) ?? '');
    if (!u) apiError('user_not_found');
    return u;
  }

  private requireMessage(channel: SlackChannelState, ts: unknown): SlackStoredMessage {
    const msg = (this.messages.get(channel.id) ?? []).find((m) => m.ts === str(ts));
    if (!msg) apiError('message_not_found');
    return msg;
  }

  private openIm(userId: string): SlackChannelState {
    const existing = this.ims.get(userId);
    if (existing) return this.channels.get(existing)!;
    const id = this.newId('D');
    const ch: SlackChannelState = {
      id,
      name: userId,
      is_private: true,
      is_im: true,
      is_mpim: false,
      user: userId,
      created: nowSeconds(),
      creator: this.bot.userId,
      members: new Set([userId, this.bot.userId]),
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      is_archived: false,
      previous_names: [],
    };
    this.channels.set(id, ch);
    this.messages.set(id, []);
    this.ims.set(userId, id);
    return ch;
  }

  private validateName(name: unknown): string {
    const n = str(name) ?? '';
    if (!n.trim()) apiError('invalid_name_required');
    if (n.length > 80) apiError('invalid_name_maxlength');
    if (!/^[a-z0-9_-]+$/.test(n)) apiError('invalid_name_specials');
    if (/^[-_]+$/.test(n)) apiError('invalid_name_punctuation');
    return n;
  }

  channelObject(ch: SlackChannelState, extra: Record<string, unknown> = {}): Record<string, any> {
    if (ch.is_im) {
      return {
        id: ch.id,
        created: ch.created,
        is_archived: false,
        is_im: true,
        is_org_shared: false,
        context_team_id: this.team.id,
        updated: ch.created * 1000,
        user: ch.user,
        is_user_deleted: false,
        priority: 0,
        ...extra,
      };
    }
    return {
      id: ch.id,
      name: ch.name,
      is_channel: !ch.is_private,
      is_group: ch.is_private,
      is_im: false,
      is_mpim: ch.is_mpim,
      is_private: ch.is_private,
      created: ch.created,
      is_archived: ch.is_archived,
      is_general: ch.name === 'general',
      unlinked: 0,
      name_normalized: ch.name,
      is_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: this.team.id,
      updated: ch.created * 1000,
      parent_conversation: null,
      creator: ch.creator,
      is_ext_shared: false,
      shared_team_ids: [this.team.id],
      pending_connected_team_ids: [],
      is_member: ch.members.has(this.bot.userId),
      topic: { ...ch.topic },
      purpose: { ...ch.purpose },
      previous_names: [...ch.previous_names],
      ...extra,
    };
  }

  userObject(u: SlackUserSeed): Record<string, any> {
    const realName = u.real_name ?? u.name;
    return {
      id: u.id,
      team_id: this.team.id,
      name: u.name,
      deleted: u.deleted ?? false,
      color: '9f69e7',
      real_name: realName,
      tz: u.tz ?? 'America/Los_Angeles',
      tz_label: 'Pacific Standard Time',
      tz_offset: -28800,
      profile: {
        title: '',
        phone: '',
        skype: '',
        real_name: realName,
        real_name_normalized: realName,
        display_name: u.name,
        display_name_normalized: u.name,
        status_text: '',
        status_emoji: '',
        avatar_hash: 'g0000000000',
        email: u.email,
        image_24: `https://secure.gravatar.invalid/avatar/${u.id}.jpg?s=24`,
        image_48: `https://secure.gravatar.invalid/avatar/${u.id}.jpg?s=48`,
        image_72: `https://secure.gravatar.invalid/avatar/${u.id}.jpg?s=72`,
        image_192: `https://secure.gravatar.invalid/avatar/${u.id}.jpg?s=192`,
        team: this.team.id,
        ...(u.is_bot ? { bot_id: this.bot.botId, api_app_id: this.bot.appId, always_active: true } : {}),
      },
      is_admin: u.is_admin ?? false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: u.is_bot ?? false,
      is_app_user: false,
      updated: 1_700_000_000,
      is_email_confirmed: !u.is_bot,
      who_can_share_contact_card: 'EVERYONE',
    };
  }

  private botMessage(body: Record<string, any>): SlackStoredMessage {
    const msg: SlackStoredMessage = {
      type: 'message',
      ts: this.nextTs(),
      text: str(body.text) ?? '',
      user: this.bot.userId,
      team: this.team.id,
      bot_id: this.bot.botId,
      app_id: this.bot.appId,
      bot_profile: {
        id: this.bot.botId,
        app_id: this.bot.appId,
        name: this.bot.name,
        deleted: false,
        team_id: this.team.id,
        icons: { image_36: 'https://a.slack-edge.invalid/bot_36.png' },
      },
    };
    if (body.blocks !== undefined) msg.blocks = body.blocks;
    if (body.attachments !== undefined) msg.attachments = body.attachments;
    if (body.metadata !== undefined) msg.metadata = body.metadata;
    return msg;
  }

  private checkMessageContent(body: Record<string, any>): void {
    const hasText = str(body.text) !== undefined && str(body.text) !== '';
    const hasBlocks = Array.isArray(body.blocks) && body.blocks.length > 0;
    const hasAttachments = Array.isArray(body.attachments) && body.attachments.length > 0;
    if (body.blocks !== undefined && typeof body.blocks === 'string') apiError('invalid_blocks_format');
    if (!hasText && !hasBlocks && !hasAttachments) apiError('no_text');
    if (hasText && String(body.text).length > 40_000) apiError('msg_too_long');
    if (body.blocks !== undefined) {
      const errors = validateBlocks(body.blocks);
      if (errors.length)
        apiError('invalid_blocks', {
          errors,
          response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
        });
    }
    if (hasAttachments && body.attachments.length > 100) apiError('too_many_attachments');
  }

  private validateView(view: unknown): Record<string, any> {
    const errors: string[] = [];
    if (!view || typeof view !== 'object') {
      apiError('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] missing required field: view'] },
      });
    }
    const v = view as Record<string, any>;
    if (typeof v.type !== 'string') errors.push('missing required field: type [json-pointer:/view]');
    if (v.type === 'modal') {
      if (!textOf(v.title)) errors.push('missing required field: title [json-pointer:/view]');
      else if (textOf(v.title)!.length > 24)
        errors.push('must be less than 25 characters [json-pointer:/view/title/text]');
      for (const k of ['submit', 'close']) {
        const t = textOf(v[k]);
        if (t !== undefined && t.length > 24)
          errors.push(`must be less than 25 characters [json-pointer:/view/${k}/text]`);
      }
      const hasInput = Array.isArray(v.blocks) && v.blocks.some((b: any) => b?.type === 'input');
      if (hasInput && !v.submit)
        errors.push('must provide submit when view has input blocks [json-pointer:/view/submit]');
    }
    if (v.private_metadata !== undefined && String(v.private_metadata).length > 3000)
      errors.push('must be less than 3001 characters [json-pointer:/view/private_metadata]');
    if (v.callback_id !== undefined && String(v.callback_id).length > 255)
      errors.push('must be less than 256 characters [json-pointer:/view/callback_id]');
    errors.push(...validateBlocks(v.blocks ?? [], '/view/blocks', 100));
    if (errors.length)
      apiError('invalid_arguments', { response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
    return v;
  }

  private storeView(v: Record<string, any>, id: string, extra: Record<string, unknown> = {}): Record<string, any> {
    const stored = {
      id,
      team_id: this.team.id,
      type: v.type,
      blocks: v.blocks ?? [],
      private_metadata: v.private_metadata ?? '',
      callback_id: v.callback_id ?? '',
      state: { values: {} },
      hash: `${nowSeconds()}.${randomHex(4)}`,
      title: v.title,
      clear_on_close: v.clear_on_close ?? false,
      notify_on_close: v.notify_on_close ?? false,
      close: v.close ?? null,
      submit: v.submit ?? null,
      previous_view_id: null,
      root_view_id: id,
      app_id: this.bot.appId,
      external_id: v.external_id ?? '',
      app_installed_team_id: this.team.id,
      bot_id: this.bot.botId,
      ...extra,
    };
    this.views.set(id, stored);
    return stored;
  }

  private readonly handlers: Record<string, (body: Record<string, any>, token: string | null) => Record<string, any>> =
    {
      'api.test': (body) => ({ args: body }),

      'auth.test': (_body, token) => {
        if (token?.startsWith('xoxp-'))
          return {
            url: `https://${this.team.domain}.slack.com/`,
            team: this.team.name,
            user: SLACK_USERS.alice.name,
            team_id: this.team.id,
            user_id: SLACK_USERS.alice.id,
            is_enterprise_install: false,
          };
        return {
          url: `https://${this.team.domain}.slack.com/`,
          team: this.team.name,
          user: this.bot.name,
          team_id: this.team.id,
          user_id: this.bot.userId,
          bot_id: this.bot.botId,
          is_enterprise_install: false,
        };
      },

      'apps.connections.open': () => ({
        url: `${this.socketUrl}?ticket=${crypto.randomUUID()}&app_id=${this.bot.appId}`,
      }),

      'chat.postMessage': (body) => {
        const ch = this.requireChannel(body.channel);
        if (ch.is_archived) apiError('is_archived');
        this.checkMessageContent(body);
        const msg = this.botMessage(body);
        const list = this.messages.get(ch.id)!;
        if (body.thread_ts !== undefined) {
          const parent = list.find((m) => m.ts === str(body.thread_ts));
          msg.thread_ts = str(body.thread_ts);
          if (parent) {
            parent.thread_ts = parent.ts;
            parent.reply_count = (parent.reply_count ?? 0) + 1;
          }
        }
        list.push(msg);
        return { channel: ch.id, ts: msg.ts, message: { ...msg } };
      },

      'chat.update': (body) => {
        const ch = this.requireChannel(body.channel);
        const msg = this.requireMessage(ch, body.ts);
        if (msg.user !== this.bot.userId) apiError('cant_update_message');
        this.checkMessageContent({ text: body.text ?? msg.text, blocks: body.blocks, attachments: body.attachments });
        if (body.text !== undefined) msg.text = String(body.text);
        if (body.blocks !== undefined) msg.blocks = body.blocks;
        if (body.attachments !== undefined) msg.attachments = body.attachments;
        if (body.metadata !== undefined) msg.metadata = body.metadata;
        msg.edited = { user: this.bot.userId, ts: this.nextTs() };
        return { channel: ch.id, ts: msg.ts, text: msg.text, message: { ...msg } };
      },

      'chat.delete': (body) => {
        const ch = this.requireChannel(body.channel);
        const msg = this.requireMessage(ch, body.ts);
        if (msg.user !== this.bot.userId) apiError('cant_delete_message');
        const list = this.messages.get(ch.id)!;
        list.splice(list.indexOf(msg), 1);
        return { channel: ch.id, ts: msg.ts };
      },

      'chat.postEphemeral': (body) => {
        const ch = this.requireChannel(body.channel);
        const user = this.requireUser(body.user);
        if (!ch.is_im && !ch.members.has(user.id)) apiError('user_not_in_channel');
        this.checkMessageContent(body);
        const message_ts = this.nextTs();
        this.ephemerals.push({
          channel: ch.id,
          user: user.id,
          message_ts,
          text: str(body.text) ?? '',
          blocks: body.blocks,
          attachments: body.attachments,
          thread_ts: str(body.thread_ts),
          via: 'chat.postEphemeral',
        });
        return { message_ts };
      },

      'chat.getPermalink': (body) => {
        const ch = this.requireChannel(body.channel);
        const ts = str(body.message_ts);
        if (!ts) apiError('message_not_found');
        return {
          channel: ch.id,
          permalink: `https://${this.team.domain}.slack.com/archives/${ch.id}/p${ts.replace('.', '')}`,
        };
      },

      'conversations.create': (body) => {
        const name = this.validateName(body.name);
        if ([...this.channels.values()].some((c) => !c.is_im && (c.name === name || c.previous_names.includes(name))))
          apiError('name_taken');
        const isPrivate = truthy(body.is_private);
        const id = this.newId(isPrivate ? 'G' : 'C');
        const ch: SlackChannelState = {
          id,
          name,
          is_private: isPrivate,
          is_im: false,
          is_mpim: false,
          created: nowSeconds(),
          creator: this.bot.userId,
          members: new Set([this.bot.userId]),
          topic: { value: '', creator: '', last_set: 0 },
          purpose: { value: '', creator: '', last_set: 0 },
          is_archived: false,
          previous_names: [],
        };
        this.channels.set(id, ch);
        this.messages.set(id, []);
        return {
          channel: this.channelObject(ch, {
            last_read: '0000000000.000000',
            latest: null,
            unread_count: 0,
            unread_count_display: 0,
            priority: 0,
          }),
        };
      },

      'conversations.invite': (body) => {
        const ch = this.requireChannel(body.channel);
        if (ch.is_im) apiError('method_not_supported_for_channel_type');
        if (ch.is_archived) apiError('is_archived');
        if (!ch.members.has(this.bot.userId)) apiError('not_in_channel');
        const ids = (str(body.users) ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (ids.length === 0) apiError('no_user');
        if (ids.length > 1000) apiError('too_many_users');
        const errors: Array<{ user: string; ok: false; error: string }> = [];
        for (const id of ids) {
          if (id === this.bot.userId) errors.push({ user: id, ok: false, error: 'cant_invite_self' });
          else if (!this.users.has(id)) errors.push({ user: id, ok: false, error: 'user_not_found' });
          else if (ch.members.has(id)) errors.push({ user: id, ok: false, error: 'already_in_channel' });
        }
        const force = truthy(body.force);
        if (errors.length && !force) {
          apiError(errors[0]!.error, ids.length > 1 ? { errors } : {});
        }
        for (const id of ids) if (this.users.has(id) && id !== this.bot.userId) ch.members.add(id);
        return { channel: this.channelObject(ch), ...(errors.length ? { errors } : {}) };
      },

      'conversations.kick': (body) => {
        const ch = this.requireChannel(body.channel);
        const user = this.requireUser(body.user);
        if (!ch.members.has(user.id)) apiError('not_in_channel');
        ch.members.delete(user.id);
        return {};
      },

      'conversations.join': (body) => {
        const ch = this.requireChannel(body.channel);
        if (ch.is_archived) apiError('is_archived');
        if (ch.is_private) apiError('method_not_supported_for_channel_type');
        const already = ch.members.has(this.bot.userId);
        ch.members.add(this.bot.userId);
        return already
          ? {
              channel: this.channelObject(ch),
              warning: 'already_in_channel',
              response_metadata: { warnings: ['already_in_channel'] },
            }
          : { channel: this.channelObject(ch) };
      },

      'conversations.leave': (body) => {
        const ch = this.requireChannel(body.channel);
        if (!ch.members.has(this.bot.userId)) return { not_in_channel: true };
        ch.members.delete(this.bot.userId);
        return {};
      },

      'conversations.info': (body) => {
        const ch = this.requireChannel(body.channel);
        const extra = truthy(body.include_num_members) ? { num_members: ch.members.size } : {};
        return { channel: this.channelObject(ch, extra) };
      },

      'conversations.list': () => ({
        channels: [...this.channels.values()]
          .filter((c) => !c.is_im)
          .map((c) => this.channelObject(c, { num_members: c.members.size })),
        response_metadata: { next_cursor: '' },
      }),

      'conversations.members': (body) => {
        const ch = this.requireChannel(body.channel);
        return { members: [...ch.members], response_metadata: { next_cursor: '' } };
      },

      'conversations.open': (body) => {
        if (body.channel) {
          const ch = this.requireChannel(body.channel);
          return {
            no_op: true,
            already_open: true,
            channel: truthy(body.return_im) ? this.channelObject(ch) : { id: ch.id },
          };
        }
        const ids = (str(body.users) ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (ids.length === 0) apiError('users_list_not_supplied');
        if (ids.length > 8) apiError('too_many_users');
        for (const id of ids) this.requireUser(id);
        if (ids.length === 1) {
          const existed = this.ims.has(ids[0]!);
          const ch = this.openIm(ids[0]!);
          const channel = truthy(body.return_im) ? this.channelObject(ch) : { id: ch.id };
          return existed ? { no_op: true, already_open: true, channel } : { channel };
        }
        const key = [...ids].sort().join(',');
        let ch = [...this.channels.values()].find(
          (c) =>
            c.is_mpim &&
            [...c.members]
              .filter((m) => m !== this.bot.userId)
              .sort()
              .join(',') === key,
        );
        if (!ch) {
          const id = this.newId('G');
          ch = {
            id,
            name: `mpdm-${ids.map((i) => this.users.get(i)!.name).join('--')}-1`,
            is_private: true,
            is_im: false,
            is_mpim: true,
            created: nowSeconds(),
            creator: this.bot.userId,
            members: new Set([...ids, this.bot.userId]),
            topic: { value: '', creator: '', last_set: 0 },
            purpose: { value: '', creator: '', last_set: 0 },
            is_archived: false,
            previous_names: [],
          };
          this.channels.set(id, ch);
          this.messages.set(id, []);
        }
        return { channel: truthy(body.return_im) ? this.channelObject(ch) : { id: ch.id } };
      },

      'conversations.history': (body) => {
        const ch = this.requireChannel(body.channel);
        const limit = Number(body.limit ?? 100);
        const list = (this.messages.get(ch.id) ?? []).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
        const messages = [...list].reverse().slice(0, limit);
        return { messages, has_more: list.length > limit, pin_count: list.filter((m) => m.pinned_to?.length).length };
      },

      'conversations.replies': (body) => {
        const ch = this.requireChannel(body.channel);
        const ts = str(body.ts);
        const list = this.messages.get(ch.id) ?? [];
        const parent = list.find((m) => m.ts === ts);
        if (!parent) apiError('thread_not_found');
        return { messages: [parent, ...list.filter((m) => m.thread_ts === ts && m.ts !== ts)], has_more: false };
      },

      'conversations.setTopic': (body) => {
        const ch = this.requireChannel(body.channel);
        const topic = str(body.topic) ?? '';
        if (topic.length > 250) apiError('too_long');
        ch.topic = { value: topic, creator: this.bot.userId, last_set: nowSeconds() };
        return { channel: this.channelObject(ch) };
      },

      'conversations.setPurpose': (body) => {
        const ch = this.requireChannel(body.channel);
        const purpose = str(body.purpose) ?? '';
        if (purpose.length > 250) apiError('too_long');
        ch.purpose = { value: purpose, creator: this.bot.userId, last_set: nowSeconds() };
        return { channel: this.channelObject(ch) };
      },

      'conversations.rename': (body) => {
        const ch = this.requireChannel(body.channel);
        const name = this.validateName(body.name);
        if ([...this.channels.values()].some((c) => c !== ch && !c.is_im && c.name === name)) apiError('name_taken');
        if (ch.name !== name) ch.previous_names.push(ch.name);
        ch.name = name;
        return { channel: this.channelObject(ch) };
      },

      'conversations.archive': (body) => {
        const ch = this.requireChannel(body.channel);
        if (ch.name === 'general') apiError('cant_archive_general');
        if (ch.is_archived) apiError('already_archived');
        if (!ch.members.has(this.bot.userId)) apiError('not_in_channel');
        ch.is_archived = true;
        return {};
      },

      'conversations.unarchive': (body) => {
        const ch = this.requireChannel(body.channel);
        if (!ch.is_archived) apiError('not_archived');
        ch.is_archived = false;
        return {};
      },

      'pins.add': (body) => {
        const ch = this.requireChannel(body.channel);
        const msg = this.requireMessage(ch, body.timestamp);
        if (msg.pinned_to?.includes(ch.id)) apiError('already_pinned');
        msg.pinned_to = [...(msg.pinned_to ?? []), ch.id];
        msg.pinned_info = { channel: ch.id, pinned_by: this.bot.userId, pinned_ts: nowSeconds() };
        return {};
      },

      'pins.remove': (body) => {
        const ch = this.requireChannel(body.channel);
        const msg = this.requireMessage(ch, body.timestamp);
        if (!msg.pinned_to?.includes(ch.id)) apiError('no_pin');
        msg.pinned_to = msg.pinned_to.filter((c) => c !== ch.id);
        delete msg.pinned_info;
        return {};
      },

      'pins.list': (body) => {
        const ch = this.requireChannel(body.channel);
        const items = (this.messages.get(ch.id) ?? [])
          .filter((m) => m.pinned_to?.includes(ch.id))
          .map((m) => ({
            type: 'message',
            created: m.pinned_info?.pinned_ts ?? nowSeconds(),
            created_by: this.bot.userId,
            channel: ch.id,
            message: m,
          }));
        return { items };
      },

      'reactions.add': (body) => {
        const ch = this.requireChannel(body.channel);
        const msg = this.requireMessage(ch, body.timestamp);
        const name = str(body.name) ?? '';
        if (!name || /[:\s]/.test(name)) apiError('invalid_name');
        msg.reactions = msg.reactions ?? [];
        let r = msg.reactions.find((x) => x.name === name);
        if (r?.users.includes(this.bot.userId)) apiError('already_reacted');
        if (!r) {
          r = { name, users: [], count: 0 };
          msg.reactions.push(r);
        }
        r.users.push(this.bot.userId);
        r.count = r.users.length;
        return {};
      },

      'reactions.remove': (body) => {
        const ch = this.requireChannel(body.channel);
        const msg = this.requireMessage(ch, body.timestamp);
        const name = str(body.name) ?? '';
        const r = msg.reactions?.find((x) => x.name === name);
        if (!r || !r.users.includes(this.bot.userId)) apiError('no_reaction');
        r.users = r.users.filter((u) => u !== this.bot.userId);
        r.count = r.users.length;
        if (r.count === 0) msg.reactions = msg.reactions!.filter((x) => x !== r);
        return {};
      },

      'views.open': (body) => {
        if (!str(body.trigger_id) && !str(body.interactivity_pointer))
          apiError('invalid_arguments', {
            response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] },
          });
        const v = this.validateView(body.view);
        return { view: this.storeView(v, this.newId('V')) };
      },

      'views.push': (body) => {
        if (!str(body.trigger_id) && !str(body.interactivity_pointer))
          apiError('invalid_arguments', {
            response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] },
          });
        const v = this.validateView(body.view);
        const id = this.newId('V');
        return { view: this.storeView(v, id) };
      },

      'views.update': (body) => {
        const v = this.validateView(body.view);
        let existing: Record<string, any> | undefined;
        if (body.view_id) existing = this.views.get(String(body.view_id));
        else if (body.external_id)
          existing = [...this.views.values()].find((x) => x.external_id === String(body.external_id));
        else
          apiError('invalid_arguments', {
            response_metadata: { messages: ['[ERROR] missing required field: view_id or external_id'] },
          });
        if (!existing) apiError('not_found');
        if (body.hash !== undefined && String(body.hash) !== existing.hash) apiError('hash_conflict');
        return {
          view: this.storeView(v, existing.id, {
            previous_view_id: existing.previous_view_id,
            root_view_id: existing.root_view_id,
            external_id: v.external_id ?? existing.external_id,
          }),
        };
      },

      'views.publish': (body) => {
        this.requireUser(body.user_id);
        const v = this.validateView(body.view);
        if (v.type !== 'home')
          apiError('invalid_arguments', { response_metadata: { messages: ['[ERROR] view type must be home'] } });
        return { view: this.storeView(v, this.newId('V')) };
      },

      'users.info': (body) => ({ user: this.userObject(this.requireUser(body.user)) }),

      'users.lookupByEmail': (body) => {
        const email = (str(body.email) ?? '').toLowerCase();
        const u = [...this.users.values()].find((x) => x.email?.toLowerCase() === email);
        if (!u) apiError('users_not_found');
        return { user: this.userObject(u) };
      },

      'users.list': () => ({
        members: [...this.users.values()].map((u) => this.userObject(u)),
        cache_ts: nowSeconds(),
        response_metadata: { next_cursor: '' },
      }),

      'users.conversations': () => ({
        channels: [...this.channels.values()]
          .filter((c) => !c.is_im && c.members.has(this.bot.userId))
          .map((c) => this.channelObject(c)),
        response_metadata: { next_cursor: '' },
      }),

      'team.info': () => ({
        team: { id: this.team.id, name: this.team.name, domain: this.team.domain, email_domain: '', icon: {} },
      }),

      'files.getUploadURLExternal': (body) => {
        const filename = str(body.filename);
        const length = Number(body.length);
        if (!filename || !Number.isFinite(length) || length <= 0) apiError('invalid_arguments');
        const file_id = this.newId('F');
        this.pendingUploads.set(file_id, { filename, length });
        return { upload_url: `${this.baseUrl}/upload/${file_id}`, file_id };
      },

      'files.completeUploadExternal': (body) => {
        const files = Array.isArray(body.files) ? body.files : [];
        if (files.length === 0) apiError('invalid_arguments');
        const out = files.map((f: any) => {
          const pending = this.pendingUploads.get(String(f.id));
          if (!pending) apiError('file_not_found');
          return {
            id: String(f.id),
            name: pending.filename,
            title: f.title ?? pending.filename,
            size: pending.data?.length ?? pending.length,
            mimetype: 'application/octet-stream',
            permalink: `https://${this.team.domain}.slack.com/files/${this.bot.userId}/${f.id}/${pending.filename}`,
          };
        });
        const channelId = str(body.channel_id) ?? str(body.channels);
        if (channelId) {
          const ch = this.requireChannel(channelId.split(',')[0]);
          const msg = this.botMessage({ text: body.initial_comment ?? '' });
          msg.files = out;
          if (body.thread_ts) msg.thread_ts = String(body.thread_ts);
          this.messages.get(ch.id)!.push(msg);
        }
        return { files: out };
      },
    };
}

// ---------------------------------------------------------------------------
// Payload builders
// ---------------------------------------------------------------------------

export interface SlackPayloadContext {
  team: { id: string; domain: string };
  appId: string;
  botUserId: string;
  botId: string;
  newResponseUrl: (target: ResponseTarget) => string;
  newTriggerId: () => string;
  lookupUser: (id: string) => SlackUserSeed | undefined;
  lookupChannel: (id: string) => { id: string; name: string } | undefined;
  lookupMessage: (channel: string, ts: string) => SlackStoredMessage | undefined;
  lookupView: (id: string) => Record<string, any> | undefined;
}

/** A context that does not need a FakeSlack (response_urls point nowhere). */
export function standaloneContext(): SlackPayloadContext {
  return {
    team: SLACK_TEAM,
    appId: SLACK_BOT.appId,
    botUserId: SLACK_BOT.userId,
    botId: SLACK_BOT.botId,
    newResponseUrl: () => `https://hooks.slack.invalid/commands/${SLACK_TEAM.id}/${randomDigits(13)}/${randomHex(12)}`,
    newTriggerId: () => `${randomDigits(13)}.${randomDigits(12)}.${randomHex(16)}`,
    lookupUser: (id) => Object.values(SLACK_USERS).find((u) => u.id === id),
    lookupChannel: (id) => (id === SLACK_GENERAL_CHANNEL ? { id, name: 'general' } : undefined),
    lookupMessage: () => undefined,
    lookupView: () => undefined,
  };
}

const VERIFICATION_TOKEN = 'fakeVerificationToken0001';

function userRef(ctx: SlackPayloadContext, user: string | undefined) {
  const id = user ?? SLACK_USERS.alice.id;
  const u = ctx.lookupUser(id);
  const name = u?.name ?? id.toLowerCase();
  return { id, username: name, name, team_id: ctx.team.id };
}

export interface SlashCommandOptions {
  command: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  enterprise_id?: string;
  enterprise_name?: string;
  api_app_id?: string;
  trigger_id?: string;
  response_url?: string;
  is_enterprise_install?: boolean;
}

/** Slash command fields, in the order Slack sends them (all strings). */
export function buildSlashCommand(
  opts: SlashCommandOptions,
  ctx: SlackPayloadContext = standaloneContext(),
): Record<string, string> {
  const userId = opts.user_id ?? SLACK_USERS.alice.id;
  const channelId = opts.channel_id ?? SLACK_GENERAL_CHANNEL;
  const channel = ctx.lookupChannel(channelId);
  const fields: Record<string, string> = {
    token: VERIFICATION_TOKEN,
    team_id: opts.team_id ?? ctx.team.id,
    team_domain: opts.team_domain ?? ctx.team.domain,
  };
  if (opts.enterprise_id) fields.enterprise_id = opts.enterprise_id;
  if (opts.enterprise_name) fields.enterprise_name = opts.enterprise_name;
  Object.assign(fields, {
    channel_id: channelId,
    channel_name: opts.channel_name ?? channel?.name ?? 'privategroup',
    user_id: userId,
    user_name: opts.user_name ?? ctx.lookupUser(userId)?.name ?? userId.toLowerCase(),
    command: opts.command,
    text: opts.text ?? '',
    api_app_id: opts.api_app_id ?? ctx.appId,
    is_enterprise_install: String(opts.is_enterprise_install ?? false),
    response_url: opts.response_url ?? ctx.newResponseUrl({ kind: 'command', channel: channelId, user: userId }),
    trigger_id: opts.trigger_id ?? ctx.newTriggerId(),
  });
  return fields;
}

export interface BlockActionOptions {
  action_id: string;
  value?: string;
  block_id?: string;
  /** Element type (default `button`). */
  type?: string;
  text?: string;
  style?: string;
  selected_option?: { text: any; value: string };
  selected_options?: Array<{ text: any; value: string }>;
  selected_user?: string;
  selected_channel?: string;
  selected_date?: string;
  user?: string;
  /** Channel of the message holding the element. */
  channel?: string;
  message_ts?: string;
  /** The message; defaults to the one stored in FakeSlack at `channel`/`message_ts`. */
  message?: Record<string, any>;
  /** For actions inside a modal/home view: the view (or use `view_id` with a FakeSlack). */
  view?: Record<string, any>;
  view_id?: string;
  state?: Record<string, any>;
  is_ephemeral?: boolean;
  trigger_id?: string;
  response_url?: string;
}

function findElement(blocks: any[] | undefined, actionId: string): { block: any; element: any } | undefined {
  for (const block of blocks ?? []) {
    const candidates = [
      ...(Array.isArray(block?.elements) ? block.elements : []),
      block?.accessory,
      block?.element,
    ].filter(Boolean);
    const element = candidates.find((e: any) => e.action_id === actionId);
    if (element) return { block, element };
  }
  return undefined;
}

export function buildBlockActions(
  opts: BlockActionOptions,
  ctx: SlackPayloadContext = standaloneContext(),
): Record<string, any> {
  const user = userRef(ctx, opts.user);
  const trigger_id = opts.trigger_id ?? ctx.newTriggerId();
  const action_ts = `${Math.floor(Date.now() / 1000)}.${randomDigits(6)}`;
  const view = opts.view ?? (opts.view_id ? ctx.lookupView(opts.view_id) : undefined);

  let container: Record<string, any>;
  let message: Record<string, any> | undefined;
  let channel: { id: string; name: string } | undefined;
  let blocks: any[] | undefined;
  if (view) {
    container = { type: 'view', view_id: view.id };
    blocks = view.blocks;
  } else {
    const channelId = opts.channel ?? SLACK_GENERAL_CHANNEL;
    channel = ctx.lookupChannel(channelId) ?? { id: channelId, name: 'privategroup' };
    const ts = opts.message_ts ?? opts.message?.ts;
    message = opts.message ?? (ts ? ctx.lookupMessage(channelId, ts) : undefined);
    if (!message) {
      message = {
        user: ctx.botUserId,
        type: 'message',
        ts: ts ?? `${Math.floor(Date.now() / 1000)}.${randomDigits(6)}`,
        bot_id: ctx.botId,
        app_id: ctx.appId,
        text: '',
        team: ctx.team.id,
        blocks: [
          {
            type: 'actions',
            block_id: opts.block_id ?? 'actions',
            elements: [
              {
                type: opts.type ?? 'button',
                action_id: opts.action_id,
                text: { type: 'plain_text', text: opts.text ?? opts.action_id, emoji: true },
                value: opts.value,
              },
            ],
          },
        ],
      };
    }
    blocks = message.blocks;
    container = {
      type: 'message',
      message_ts: message.ts,
      channel_id: channel.id,
      is_ephemeral: opts.is_ephemeral ?? false,
    };
  }

  const found = findElement(blocks, opts.action_id);
  const type = opts.type ?? found?.element?.type ?? 'button';
  const action: Record<string, any> = {
    action_id: opts.action_id,
    block_id: opts.block_id ?? found?.block?.block_id ?? 'actions',
  };
  if (type === 'button') {
    action.text = found?.element?.text ?? { type: 'plain_text', text: opts.text ?? opts.action_id, emoji: true };
    const value = opts.value ?? found?.element?.value;
    if (value !== undefined) action.value = value;
    const style = opts.style ?? found?.element?.style;
    if (style) action.style = style;
  }
  action.type = type;
  if (opts.selected_option) action.selected_option = opts.selected_option;
  if (opts.selected_options) action.selected_options = opts.selected_options;
  if (opts.selected_user) action.selected_user = opts.selected_user;
  if (opts.selected_channel) action.selected_channel = opts.selected_channel;
  if (opts.selected_date) action.selected_date = opts.selected_date;
  action.action_ts = action_ts;

  const payload: Record<string, any> = {
    type: 'block_actions',
    user,
    api_app_id: ctx.appId,
    token: VERIFICATION_TOKEN,
    container,
    trigger_id,
    team: { id: ctx.team.id, domain: ctx.team.domain },
    enterprise: null,
    is_enterprise_install: false,
  };
  if (view) {
    payload.view = { ...view, state: { values: opts.state ?? view.state?.values ?? {} } };
  } else {
    payload.channel = channel;
    payload.message = message;
    payload.state = { values: opts.state ?? {} };
    payload.response_url =
      opts.response_url ??
      ctx.newResponseUrl({ kind: 'message', channel: channel!.id, user: user.id, message_ts: message!.ts });
  }
  payload.actions = [action];
  return payload;
}

export interface ViewSubmissionOptions {
  callback_id?: string;
  private_metadata?: string;
  /**
   * `state.values`: `{ [block_id]: { [action_id]: element state } }`. A string leaf is
   * shorthand for `{ type: 'plain_text_input', value }`.
   */
  values?: Record<string, Record<string, any>>;
  user?: string;
  /** Base view (e.g. `fake.view(id)`); or give `view_id` with a FakeSlack context. */
  view?: Record<string, any>;
  view_id?: string;
  title?: string;
  blocks?: any[];
  hash?: string;
  response_urls?: any[];
  trigger_id?: string;
}

function normaliseValues(values: Record<string, Record<string, any>> | undefined): Record<string, Record<string, any>> {
  const out: Record<string, Record<string, any>> = {};
  for (const [blockId, actions] of Object.entries(values ?? {})) {
    out[blockId] = {};
    for (const [actionId, v] of Object.entries(actions)) {
      out[blockId][actionId] = typeof v === 'string' ? { type: 'plain_text_input', value: v } : v;
    }
  }
  return out;
}

function buildViewPayload(
  kind: 'view_submission' | 'view_closed',
  opts: ViewSubmissionOptions,
  ctx: SlackPayloadContext,
): Record<string, any> {
  const base = opts.view ?? (opts.view_id ? ctx.lookupView(opts.view_id) : undefined) ?? {};
  const id = opts.view_id ?? base.id ?? `V0${randomHex(5).toUpperCase()}`;
  const view = {
    id,
    team_id: ctx.team.id,
    type: base.type ?? 'modal',
    blocks: opts.blocks ?? base.blocks ?? [],
    private_metadata: opts.private_metadata ?? base.private_metadata ?? '',
    callback_id: opts.callback_id ?? base.callback_id ?? '',
    state: { values: normaliseValues(opts.values) },
    hash: opts.hash ?? base.hash ?? `${Math.floor(Date.now() / 1000)}.${randomHex(4)}`,
    title: base.title ?? { type: 'plain_text', text: opts.title ?? 'Modal', emoji: true },
    clear_on_close: base.clear_on_close ?? false,
    notify_on_close: base.notify_on_close ?? false,
    close: base.close ?? { type: 'plain_text', text: 'Cancel', emoji: true },
    submit: base.submit ?? { type: 'plain_text', text: 'Submit', emoji: true },
    previous_view_id: base.previous_view_id ?? null,
    root_view_id: base.root_view_id ?? id,
    app_id: ctx.appId,
    external_id: base.external_id ?? '',
    app_installed_team_id: ctx.team.id,
    bot_id: ctx.botId,
  };
  const payload: Record<string, any> = {
    type: kind,
    team: { id: ctx.team.id, domain: ctx.team.domain },
    user: userRef(ctx, opts.user),
    api_app_id: ctx.appId,
    token: VERIFICATION_TOKEN,
  };
  if (kind === 'view_submission') payload.trigger_id = opts.trigger_id ?? ctx.newTriggerId();
  payload.view = view;
  if (kind === 'view_submission') payload.response_urls = opts.response_urls ?? [];
  else payload.is_cleared = false;
  payload.is_enterprise_install = false;
  payload.enterprise = null;
  return payload;
}

export function buildViewSubmission(
  opts: ViewSubmissionOptions,
  ctx: SlackPayloadContext = standaloneContext(),
): Record<string, any> {
  return buildViewPayload('view_submission', opts, ctx);
}

export function buildViewClosed(
  opts: ViewSubmissionOptions,
  ctx: SlackPayloadContext = standaloneContext(),
): Record<string, any> {
  return buildViewPayload('view_closed', opts, ctx);
}

export interface EventCallbackOptions {
  event_id?: string;
  event_time?: number;
  team_id?: string;
  /** Socket Mode: `retry_attempt`; HTTP: `x-slack-retry-num`. */
  retryNum?: number;
  retryReason?: string;
}

/** An Events API `event_callback` envelope around `event`. */
export function buildEventCallback(
  event: Record<string, any>,
  ctx: SlackPayloadContext = standaloneContext(),
  opts: EventCallbackOptions = {},
): Record<string, any> {
  const teamId = opts.team_id ?? ctx.team.id;
  const eventTs = event.event_ts ?? event.ts ?? `${Math.floor(Date.now() / 1000)}.${randomDigits(6)}`;
  return {
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: ctx.appId,
    event: { ...event, event_ts: eventTs },
    type: 'event_callback',
    event_id: opts.event_id ?? `Ev0${randomHex(5).toUpperCase()}`,
    event_time: opts.event_time ?? Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: teamId, user_id: ctx.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomHex(24)}`,
  };
}

/** Builders for common inner events (pass the result to `eventCallback`/`socketEvent`). */
export const slackEvents = {
  message(o: {
    channel: string;
    user: string;
    text: string;
    ts?: string;
    thread_ts?: string;
    channel_type?: string;
    team?: string;
  }) {
    const ts = o.ts ?? `${Math.floor(Date.now() / 1000)}.${randomDigits(6)}`;
    return {
      type: 'message',
      client_msg_id: crypto.randomUUID(),
      text: o.text,
      user: o.user,
      ts,
      team: o.team ?? SLACK_TEAM.id,
      ...(o.thread_ts ? { thread_ts: o.thread_ts } : {}),
      channel: o.channel,
      event_ts: ts,
      channel_type: o.channel_type ?? (o.channel.startsWith('D') ? 'im' : 'channel'),
    };
  },
  appMention(o: { channel: string; user: string; text: string; ts?: string; thread_ts?: string }) {
    const ts = o.ts ?? `${Math.floor(Date.now() / 1000)}.${randomDigits(6)}`;
    return {
      type: 'app_mention',
      client_msg_id: crypto.randomUUID(),
      text: o.text,
      user: o.user,
      ts,
      team: SLACK_TEAM.id,
      ...(o.thread_ts ? { thread_ts: o.thread_ts } : {}),
      channel: o.channel,
      event_ts: ts,
    };
  },
  reactionAdded(o: { user: string; reaction: string; channel: string; ts: string; item_user?: string }) {
    return {
      type: 'reaction_added',
      user: o.user,
      reaction: o.reaction,
      item_user: o.item_user ?? SLACK_BOT.userId,
      item: { type: 'message', channel: o.channel, ts: o.ts },
      event_ts: `${Math.floor(Date.now() / 1000)}.${randomDigits(6)}`,
    };
  },
  reactionRemoved(o: { user: string; reaction: string; channel: string; ts: string; item_user?: string }) {
    return { ...slackEvents.reactionAdded(o), type: 'reaction_removed' };
  },
  pinAdded(o: { user: string; channel: string; message: Record<string, any> }) {
    const now = Math.floor(Date.now() / 1000);
    return {
      type: 'pin_added',
      user: o.user,
      channel_id: o.channel,
      item: { type: 'message', created: now, created_by: o.user, channel: o.channel, message: o.message },
      item_user: o.message.user,
      pin_count: 1,
      pinned_info: { channel: o.channel, pinned_by: o.user, pinned_ts: now },
      event_ts: `${now}.${randomDigits(6)}`,
    };
  },
  memberJoinedChannel(o: { user: string; channel: string; inviter?: string; channel_type?: string }) {
    return {
      type: 'member_joined_channel',
      user: o.user,
      channel: o.channel,
      channel_type: o.channel_type ?? 'C',
      team: SLACK_TEAM.id,
      ...(o.inviter ? { inviter: o.inviter } : {}),
      event_ts: `${Math.floor(Date.now() / 1000)}.${randomDigits(6)}`,
    };
  },
};

/**
 * A logger for Bolt/WebClient that stays quiet (the WebClient logs Slack's
 * `response_metadata.messages` at error level, which is noise in tests that expect errors).
 */
export function silentSlackLogger(): Logger {
  let level = LogLevel.ERROR;
  const noop = () => {};
  return {
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: noop,
  };
}

// ---------------------------------------------------------------------------
// Signing and the HTTP-side client simulator
// ---------------------------------------------------------------------------

/** Slack's request signature headers for `body` (v0 HMAC-SHA256). */
export function signSlackRequest(
  secret: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): { 'x-slack-request-timestamp': string; 'x-slack-signature': string } {
  const ts = String(timestampSeconds);
  const signature = 'v0=' + crypto.createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': ts, 'x-slack-signature': signature };
}

export interface SlackSendOptions {
  /** Override the request timestamp (seconds), e.g. `now - 360` for a stale request. */
  timestamp?: number;
  /** Send this exact signature header. */
  signature?: string;
  /** Sign with a wrong secret. */
  wrongSignature?: boolean;
  /** Omit the signature headers entirely. */
  unsigned?: boolean;
  /** `x-slack-retry-num` (redelivery). */
  retryNum?: number;
  /** `x-slack-retry-reason`, e.g. `http_timeout`. */
  retryReason?: string;
  headers?: Record<string, string>;
  /** Path on the app (default `/slack/events`). */
  path?: string;
}

export interface SlackHttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: any;
  /** Milliseconds from send to the end of the response. */
  ms: number;
}

export interface SlackClientSimOptions {
  /** Base URL of the app under test, e.g. `http://127.0.0.1:3000`. */
  url: string;
  signingSecret: string;
  /** The fake whose response_urls, users, channels, messages and views the payloads refer to. */
  fake?: FakeSlack;
  /** Default path (default `/slack/events`). */
  path?: string;
}

/** Sends what Slack sends to an app's HTTP endpoint: signed commands, interactivity and events. */
export class SlackClientSim {
  readonly url: string;
  readonly signingSecret: string;
  readonly path: string;
  private readonly ctx: SlackPayloadContext;

  constructor(opts: SlackClientSimOptions) {
    this.url = opts.url.replace(/\/$/, '');
    this.signingSecret = opts.signingSecret;
    this.path = opts.path ?? '/slack/events';
    this.ctx = opts.fake ? opts.fake.payloadContext() : standaloneContext();
  }

  /** POSTs a slash command (form body). The payload sent is in `sent`. */
  async slashCommand(
    opts: SlashCommandOptions,
    send: SlackSendOptions = {},
  ): Promise<SlackHttpResponse & { sent: Record<string, string> }> {
    const fields = buildSlashCommand(opts, this.ctx);
    const body = new URLSearchParams(fields).toString();
    const res = await this.post(body, 'application/x-www-form-urlencoded', send);
    return { ...res, sent: fields };
  }

  /** POSTs any interactivity payload as `payload=<json>`. */
  async interactive(
    payload: Record<string, any>,
    send: SlackSendOptions = {},
  ): Promise<SlackHttpResponse & { sent: Record<string, any> }> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await this.post(body, 'application/x-www-form-urlencoded', send);
    return { ...res, sent: payload };
  }

  blockAction(opts: BlockActionOptions, send: SlackSendOptions = {}) {
    return this.interactive(buildBlockActions(opts, this.ctx), send);
  }

  viewSubmission(opts: ViewSubmissionOptions, send: SlackSendOptions = {}) {
    return this.interactive(buildViewSubmission(opts, this.ctx), send);
  }

  viewClosed(opts: ViewSubmissionOptions, send: SlackSendOptions = {}) {
    return this.interactive(buildViewClosed(opts, this.ctx), send);
  }

  /** POSTs an Events API callback (JSON body) wrapping `event`. */
  async eventCallback(
    event: Record<string, any>,
    opts: EventCallbackOptions = {},
    send: SlackSendOptions = {},
  ): Promise<SlackHttpResponse & { sent: Record<string, any> }> {
    const envelope = buildEventCallback(event, this.ctx, opts);
    const res = await this.post(JSON.stringify(envelope), 'application/json', {
      retryNum: opts.retryNum,
      retryReason: opts.retryReason,
      ...send,
    });
    return { ...res, sent: envelope };
  }

  urlVerification(challenge: string, send: SlackSendOptions = {}): Promise<SlackHttpResponse> {
    return this.post(
      JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' }),
      'application/json',
      send,
    );
  }

  /** Low level: POST a raw body with Slack's headers. */
  post(body: string, contentType: string, send: SlackSendOptions = {}): Promise<SlackHttpResponse> {
    const headers: Record<string, string> = {
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      accept: 'application/json,*/*',
    };
    if (!send.unsigned) {
      const ts = send.timestamp ?? Math.floor(Date.now() / 1000);
      const signed = signSlackRequest(
        send.wrongSignature ? `${this.signingSecret}-wrong` : this.signingSecret,
        body,
        ts,
      );
      headers['x-slack-request-timestamp'] = signed['x-slack-request-timestamp'];
      headers['x-slack-signature'] = send.signature ?? signed['x-slack-signature'];
    }
    if (send.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(send.retryNum);
      headers['x-slack-retry-reason'] = send.retryReason ?? 'http_timeout';
    }
    Object.assign(headers, send.headers ?? {});
    const target = new URL(send.path ?? this.path, this.url + '/');
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: 'POST',
          headers,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: any;
            if (text) {
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
            }
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: text,
              json,
              ms: performance.now() - started,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
