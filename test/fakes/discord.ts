/**
 * Wire-level fake of Discord for end-to-end tests that drive the real discord.js client.
 *
 * One node:http server provides the REST API under `/api/v10/...` and the gateway
 * WebSocket at `/gateway`. Point a client at it with
 * `new Client({ intents, rest: { api: fake.apiUrl } })`; the gateway URL is what
 * `GET /gateway/bot` returns.
 *
 * The fake keeps state the way Discord does (guild, channels, per-channel messages,
 * DM channels, application commands, interactions and their responses), dispatches
 * the gateway events a REST change causes (filtered by the IDENTIFY intents), builds
 * realistic interaction payloads, and can inject REST failures (403, 429, 5xx).
 */
import http from 'node:http';
import crypto from 'node:crypto';
import { WebSocket } from 'ws';
import {
  CallLog,
  FailureQueue,
  WireServer,
  brief,
  parseBody,
  randomHex,
  readBody,
  sendJson,
  type UploadedFile,
} from './support.js';

type Json = Record<string, any>;

// ---------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------

export interface DiscordUserSeed {
  id: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
  /** Posting to this user's DM channel answers 403 code 50007. */
  dmsDisabled?: boolean;
  /** Role ids in the default guild. */
  roles?: string[];
  /** Not a member of the guild (no GUILD_CREATE member, GET member answers 10007). */
  notInGuild?: boolean;
}

const GUILD_ID = '1160000000000000001';

export const DISCORD_DEFAULTS = {
  applicationId: '1150000000000000001',
  botUserId: '1150000000000000001',
  botUsername: 'Steward',
  guildId: GUILD_ID,
  guildName: 'Steward Test Guild',
  channels: {
    general: '1160000000000000010',
    incidentsCategory: '1160000000000000020',
    incidentLog: '1160000000000000021',
  },
  roles: {
    everyone: GUILD_ID,
    oncall: '1160000000000000030',
    responders: '1160000000000000031',
    steward: '1160000000000000032',
  },
  users: {
    alice: { id: '1170000000000000001', username: 'alice', global_name: 'Alice Adams', roles: ['1160000000000000030'] },
    bob: { id: '1170000000000000002', username: 'bob', global_name: 'Bob Brown', roles: ['1160000000000000031'] },
    carol: { id: '1170000000000000003', username: 'carol', global_name: 'Carol Chen', roles: [] },
  },
} as const;

/** Gateway intent bits used to filter dispatches. */
export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  MessageContent: 1 << 15,
} as const;

export const ChannelTypes = {
  GuildText: 0,
  DM: 1,
  GuildVoice: 2,
  GroupDM: 3,
  GuildCategory: 4,
  GuildAnnouncement: 5,
  AnnouncementThread: 10,
  PublicThread: 11,
  PrivateThread: 12,
  GuildForum: 15,
} as const;

const ALL_PERMISSIONS = '2251799813685247';
const DISCORD_EPOCH = 1420070400000n;
const MessageFlag = { Ephemeral: 1 << 6, Loading: 1 << 7, IsComponentsV2: 1 << 15 } as const;

export interface DiscordChannelSeed {
  id?: string;
  name: string;
  type?: number;
  /** Parent category, by id or by name. */
  parent?: string;
  topic?: string | null;
  position?: number;
  permission_overwrites?: Array<{ id: string; type: 0 | 1; allow: string; deny: string }>;
}

export interface DiscordRoleSeed {
  id?: string;
  name: string;
  permissions?: string;
  color?: number;
  position?: number;
  managed?: boolean;
}

export interface FakeDiscordOptions {
  applicationId?: string;
  bot?: { id?: string; username?: string };
  /** If set, REST requires `Authorization: Bot <token>` and IDENTIFY with another token is closed with 4004. */
  token?: string;
  guild?: {
    id?: string;
    name?: string;
    ownerId?: string;
    /** Replaces the default channels. */
    channels?: DiscordChannelSeed[];
    /** Replaces the default roles (an `@everyone` role is always added). */
    roles?: DiscordRoleSeed[];
  };
  /** Replaces the default users (the bot user is always present). */
  users?: DiscordUserSeed[];
  /** Ids of further guilds the application is in: only their command routes answer (others: 10004 Unknown Guild). */
  otherGuilds?: string[];
  heartbeatIntervalMs?: number;
  /** Default timeout for wait helpers (ms). */
  defaultTimeoutMs?: number;
  /** Dispatch CHANNEL_CREATE, MESSAGE_CREATE, … after REST changes (default true). */
  autoDispatch?: boolean;
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

export interface DiscordRestCall {
  seq: number;
  method: string;
  /** Path after `/api/v10`, percent-decoded, e.g. `/webhooks/1/tok/messages/@original`. */
  path: string;
  /** Raw request URL. */
  url: string;
  query: Record<string, string>;
  /** Parsed JSON body, or the parsed `payload_json` of a multipart body. */
  body: any;
  files: UploadedFile[];
  /** The Authorization header (null for interaction callbacks and webhooks). */
  auth: string | null;
  /** Decoded `X-Audit-Log-Reason`. */
  reason: string | null;
  headers: http.IncomingHttpHeaders;
  at: number;
  status: number;
  response: any;
}

export interface GatewayIdentify {
  seq: number;
  /** The IDENTIFY `d` with the token replaced by `[redacted]`. */
  d: Json;
  intents: number;
  at: number;
}

interface InteractionState {
  id: string;
  token: string;
  type: number;
  channelId: string;
  guildId: string | null;
  userId: string;
  commandName?: string;
  commandType?: number;
  /** For component interactions: the message the component is on. */
  messageId?: string;
  responded: boolean;
  responseType?: number;
  originalId?: string;
  messageIds: string[];
}

interface Failure {
  method: string;
  path: RegExp;
  remaining: number;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  retryAfter?: number;
  global?: boolean;
  scope?: string;
}

export interface DiscordFailOptions {
  /** HTTP status (default 429 if `retryAfter` is given, else 500). */
  status?: number;
  /** Response body (defaults by status, e.g. 403 → `{code:50013,message:'Missing Permissions'}`). */
  body?: unknown;
  /** How many calls fail (default 1; `Infinity` for all). */
  times?: number;
  /** Seconds for 429 (`Retry-After`, `X-RateLimit-Reset-After`, body `retry_after`); fractions are honoured. */
  retryAfter?: number;
  /** 429: mark as global rate limit. */
  global?: boolean;
  /** 429: `X-RateLimit-Scope` (`user` default, `shared`, `global`). */
  scope?: string;
  headers?: Record<string, string>;
}

class DiscordHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(body.message);
  }
}

function apiError(status: number, code: number, message: string, errors?: Json): never {
  throw new DiscordHttpError(status, errors ? { message, code, errors } : { message, code });
}

function formError(errors: Json): never {
  apiError(400, 50035, 'Invalid Form Body', errors);
}

function fieldError(code: string, message: string): Json {
  return { _errors: [{ code, message }] };
}

/** Sets `errors[path...] = fieldError(...)` in Discord's nested error format. */
function putError(errors: Json, path: Array<string | number>, code: string, message: string): void {
  let node = errors;
  for (const key of path) {
    const k = String(key);
    node[k] = node[k] ?? {};
    node = node[k];
  }
  node._errors = [...(node._errors ?? []), { code, message }];
}

const DEFAULT_ERROR_BODIES: Record<number, Json> = {
  400: { message: '400: Bad Request', code: 0 },
  401: { message: '401: Unauthorized', code: 0 },
  403: { message: 'Missing Permissions', code: 50013 },
  404: { message: '404: Not Found', code: 0 },
  500: { message: '500: Internal Server Error', code: 0 },
  502: { message: '502: Bad Gateway', code: 0 },
  503: { message: '503: Service Unavailable', code: 0 },
};

// ---------------------------------------------------------------------------
// Validation of message and modal payloads (Discord's documented limits)
// ---------------------------------------------------------------------------

export function validateMessagePayload(data: Json, errors: Json = {}, base: Array<string | number> = []): Json {
  if (typeof data.content === 'string' && data.content.length > 2000)
    putError(errors, [...base, 'content'], 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  const embeds = Array.isArray(data.embeds) ? data.embeds : [];
  if (embeds.length > 10)
    putError(errors, [...base, 'embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  embeds.forEach((e: Json, i: number) => {
    const check = (value: unknown, max: number, path: Array<string | number>) => {
      if (typeof value !== 'string') return;
      total += value.length;
      if (value.length > max)
        putError(errors, [...base, 'embeds', i, ...path], 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    };
    check(e.title, 256, ['title']);
    check(e.description, 4096, ['description']);
    check(e.footer?.text, 2048, ['footer', 'text']);
    check(e.author?.name, 256, ['author', 'name']);
    const fields = Array.isArray(e.fields) ? e.fields : [];
    if (fields.length > 25)
      putError(errors, [...base, 'embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((f: Json, j: number) => {
      check(f.name, 256, ['fields', j, 'name']);
      check(f.value, 1024, ['fields', j, 'value']);
      if (!f.name)
        putError(errors, [...base, 'embeds', i, 'fields', j, 'name'], 'BASE_TYPE_REQUIRED', 'This field is required');
      if (!f.value)
        putError(errors, [...base, 'embeds', i, 'fields', j, 'value'], 'BASE_TYPE_REQUIRED', 'This field is required');
    });
  });
  if (total > 6000)
    putError(errors, [...base, 'embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  const flags = Number(data.flags ?? 0);
  const components = Array.isArray(data.components) ? data.components : [];
  if (!(flags & MessageFlag.IsComponentsV2)) {
    if (components.length > 5)
      putError(errors, [...base, 'components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
    const customIds = new Set<string>();
    components.forEach((row: Json, i: number) => {
      if (row.type !== 1) {
        putError(
          errors,
          [...base, 'components', i, 'type'],
          'UNION_TYPE_CHOICES',
          'Value of field "type" must be one of (1,).',
        );
        return;
      }
      const children = Array.isArray(row.components) ? row.components : [];
      if (children.length === 0 || children.length > 5)
        putError(
          errors,
          [...base, 'components', i, 'components'],
          'BASE_TYPE_BAD_LENGTH',
          'Must be between 1 and 5 in length.',
        );
      children.forEach((c: Json, j: number) => {
        const p = [...base, 'components', i, 'components', j];
        if (c.custom_id !== undefined) {
          if (String(c.custom_id).length > 100)
            putError(errors, [...p, 'custom_id'], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
          if (customIds.has(c.custom_id))
            putError(
              errors,
              [...p, 'custom_id'],
              'COMPONENT_CUSTOM_ID_DUPLICATED',
              'Component custom id cannot be duplicated',
            );
          customIds.add(c.custom_id);
        }
        if (c.type === 2) {
          if (typeof c.label === 'string' && c.label.length > 80)
            putError(errors, [...p, 'label'], 'BASE_TYPE_MAX_LENGTH', 'Must be 80 or fewer in length.');
          if (c.style !== 5 && c.style !== 6 && c.custom_id === undefined)
            putError(errors, [...p, 'custom_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
          if (c.style === 5 && !c.url) putError(errors, [...p, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
        }
        if (Array.isArray(c.options) && c.options.length > 25)
          putError(errors, [...p, 'options'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      });
    });
  }
  return errors;
}

export function validateModal(data: Json): Json {
  const errors: Json = {};
  const base = ['data'];
  if (typeof data.title !== 'string' || data.title.length === 0)
    putError(errors, [...base, 'title'], 'BASE_TYPE_REQUIRED', 'This field is required');
  else if (data.title.length > 45)
    putError(errors, [...base, 'title'], 'BASE_TYPE_MAX_LENGTH', 'Must be 45 or fewer in length.');
  if (typeof data.custom_id !== 'string' || data.custom_id.length === 0)
    putError(errors, [...base, 'custom_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
  else if (data.custom_id.length > 100)
    putError(errors, [...base, 'custom_id'], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
  const components = Array.isArray(data.components) ? data.components : [];
  if (components.length === 0 || components.length > 5)
    putError(errors, [...base, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
  components.forEach((c: Json, i: number) => {
    const inner: Json[] = c.type === 1 ? (c.components ?? []) : c.type === 18 ? [c.component] : [];
    if (c.type === 18 && typeof c.label === 'string' && c.label.length > 45)
      putError(errors, [...base, 'components', i, 'label'], 'BASE_TYPE_MAX_LENGTH', 'Must be 45 or fewer in length.');
    inner.forEach((el: Json, j: number) => {
      if (!el) return;
      const p = c.type === 1 ? [...base, 'components', i, 'components', j] : [...base, 'components', i, 'component'];
      if (typeof el.custom_id === 'string' && el.custom_id.length > 100)
        putError(errors, [...p, 'custom_id'], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
      if (el.type === 4 && typeof el.label === 'string' && el.label.length > 45)
        putError(errors, [...p, 'label'], 'BASE_TYPE_MAX_LENGTH', 'Must be 45 or fewer in length.');
    });
  });
  return errors;
}

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function validateCommandOptions(options: unknown, errors: Json, path: Array<string | number>): void {
  if (options === undefined || options === null) return;
  if (!Array.isArray(options)) return putError(errors, path, 'BASE_TYPE_LIST', 'Must be a list.');
  if (options.length > 25) putError(errors, path, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  const names = new Set<string>();
  options.forEach((o: Json, i: number) => {
    const p = [...path, i];
    if (typeof o.name !== 'string' || !COMMAND_NAME.test(o.name) || o.name !== o.name.toLowerCase())
      putError(errors, [...p, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    if (names.has(o.name))
      putError(errors, [...p, 'name'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option name already exists');
    names.add(o.name);
    if (typeof o.description !== 'string' || o.description.length < 1 || o.description.length > 100)
      putError(errors, [...p, 'description'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    if (Array.isArray(o.choices) && o.choices.length > 25)
      putError(errors, [...p, 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    if (o.type === 1 || o.type === 2) validateCommandOptions(o.options, errors, [...p, 'options']);
  });
}

export function validateCommands(commands: unknown): Json {
  const errors: Json = {};
  if (!Array.isArray(commands)) {
    putError(errors, [], 'BASE_TYPE_LIST', 'Must be a list.');
    return errors;
  }
  const seen = new Set<string>();
  commands.forEach((c: Json, i: number) => {
    const type = c.type ?? 1;
    const name = c.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 32) {
      putError(errors, [i, 'name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
    } else if (type === 1 && (!COMMAND_NAME.test(name) || name !== name.toLowerCase())) {
      putError(errors, [i, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
    if (type === 1 && (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 100))
      putError(errors, [i, 'description'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    const key = `${type}:${name}`;
    if (seen.has(key))
      putError(errors, [i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
    seen.add(key);
    // Interaction contexts 0 guild, 1 bot DM, 2 private channel; integration types 0 guild, 1 user install.
    for (const [field, allowed] of [
      ['contexts', [0, 1, 2]],
      ['integration_types', [0, 1]],
    ] as const) {
      const v = c[field];
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) putError(errors, [i, field], 'BASE_TYPE_LIST', 'Must be a list.');
      else
        v.forEach(
          (x: unknown, j: number) =>
            (allowed as readonly unknown[]).includes(x) ||
            putError(errors, [i, field, j], 'BASE_TYPE_CHOICES', `Value must be one of {${allowed.join(', ')}}.`),
        );
    }
    if (c.dm_permission !== undefined && c.dm_permission !== null && typeof c.dm_permission !== 'boolean')
      putError(errors, [i, 'dm_permission'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
    validateCommandOptions(c.options, errors, [i, 'options']);
  });
  return errors;
}

// ---------------------------------------------------------------------------
// Interaction builder options
// ---------------------------------------------------------------------------

export type OptionValue =
  string | number | boolean | { type: number; value: string | number | boolean; focused?: boolean };

export interface InteractionContextOptions {
  /** User id (or a user known to the fake); default alice. */
  user?: string;
  /** Channel id; default `#general` (or the user's DM channel when `guildId` is null). */
  channelId?: string;
  /** Guild id; default the fake's guild; `null` for a DM interaction. */
  guildId?: string | null;
  locale?: string;
}

export interface ChatInputOptions extends InteractionContextOptions {
  name: string;
  subcommandGroup?: string;
  subcommand?: string;
  /** `{name: value}` (type inferred: string 3, integer 4, number 10, boolean 5) or `{name: {type, value}}`, or raw option objects. */
  options?: Record<string, OptionValue> | Array<{ name: string; type: number; value?: unknown; focused?: boolean }>;
  /** Override the command id (default: the registered command's id, else a stable id per name). */
  commandId?: string;
}

export interface ButtonOptions extends InteractionContextOptions {
  customId: string;
  /** The message holding the component: a message object or the id of a stored message. */
  message?: Json | string;
  /** Component type (2 button; 3/5/6/7/8 selects). */
  componentType?: number;
  /** Select values. */
  values?: string[];
}

export interface ModalSubmitOptions extends InteractionContextOptions {
  customId: string;
  /** `{custom_id: value}`; an array value is a select inside a label. */
  fields: Record<string, string | string[]>;
  /** `action_row` (classic `{type:1, components:[{type:4,…}]}`) or `label` (`{type:18, component:{…}}`). */
  shape?: 'action_row' | 'label';
  /** The message, when the modal was opened from a component. */
  message?: Json | string;
}

// ---------------------------------------------------------------------------
// FakeDiscord
// ---------------------------------------------------------------------------

interface GatewaySession {
  ws: WebSocket;
  seq: number;
  identified: boolean;
  intents: number;
  sessionId: string;
}

interface Route {
  method: string;
  regex: RegExp;
  keys: string[];
  auth: boolean;
  template: string;
  handler: (ctx: RouteCtx) => RouteResult;
}

interface RouteCtx {
  params: Record<string, string>;
  body: any;
  files: UploadedFile[];
  query: URLSearchParams;
  reason: string | null;
  method: string;
  path: string;
}

interface RouteResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Runs after the response is written (gateway dispatches). */
  after?: () => void;
}

export class FakeDiscord {
  readonly applicationId: string;
  readonly botUser: Json;
  readonly guildId: string;
  /** Every REST call in arrival order. */
  readonly restCalls: DiscordRestCall[];
  /** Every IDENTIFY (token redacted). */
  readonly identifies: GatewayIdentify[];
  /** Frames received from gateway clients (heartbeats included), newest last. */
  readonly gatewayFrames: Array<{ op: number; d: unknown; at: number }> = [];
  /** Dispatches sent to gateway clients (READY, GUILD_CREATE, CHANNEL_CREATE, …), oldest first. */
  readonly sentDispatches: Array<{ t: string; s: number; d: any; at: number }> = [];

  private readonly restLog = new CallLog<DiscordRestCall>(
    (c) => `${c.method} ${c.path} ${c.body === null ? '' : brief(c.body, 100)} -> ${c.status}`,
  );
  private readonly identifyLog = new CallLog<GatewayIdentify>((i) => `IDENTIFY intents=${i.intents}`);
  private readonly wire: WireServer;
  private readonly sessions = new Set<GatewaySession>();
  private readonly routes: Route[] = [];
  private readonly failures = new FailureQueue<Failure>();
  private closed = false;
  private readonly options: FakeDiscordOptions;
  private readonly timeoutMs: number;
  private readonly autoDispatch: boolean;

  private guild!: Json;
  private roles = new Map<string, Json>();
  private users = new Map<string, DiscordUserSeed>();
  private members = new Map<string, Json>();
  private channels = new Map<string, Json>();
  private messageStore = new Map<string, Map<string, Json>>();
  private dmChannels = new Map<string, string>();
  private globalCommands: Json[] = [];
  private guildCommands = new Map<string, Json[]>();
  private interactions = new Map<string, InteractionState>();
  private interactionsByToken = new Map<string, InteractionState>();
  private pinnedAt = new Map<string, string>();
  private threadMembers = new Map<string, Set<string>>();
  private lastSnowflake = 0n;

  constructor(options: FakeDiscordOptions = {}) {
    this.options = options;
    this.applicationId = options.applicationId ?? DISCORD_DEFAULTS.applicationId;
    this.botUser = {
      id: options.bot?.id ?? this.applicationId,
      username: options.bot?.username ?? DISCORD_DEFAULTS.botUsername,
      avatar: null,
      discriminator: '0',
      global_name: null,
      public_flags: 0,
      flags: 0,
      bot: true,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      primary_guild: null,
    };
    this.guildId = options.guild?.id ?? DISCORD_DEFAULTS.guildId;
    this.timeoutMs = options.defaultTimeoutMs ?? 2000;
    this.autoDispatch = options.autoDispatch ?? true;
    this.restCalls = this.restLog.items;
    this.identifies = this.identifyLog.items;
    this.seed();
    this.defineRoutes();

    this.wire = new WireServer({
      handle: (req, res) => this.handleHttp(req, res),
      crashed: (res, err) => sendJson(res, 500, { message: `fake error: ${String(err)}`, code: 0 }),
      socketPath: '/gateway',
      onSocket: (ws) => this.onGatewayConnection(ws),
    });
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
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

  /** Value for discord.js `rest.api`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  get gatewayUrl(): string {
    return `${this.wire.wsBaseUrl}/gateway`;
  }

  // ----- ids -------------------------------------------------------------------

  /** A new snowflake, strictly increasing. */
  snowflake(): string {
    let id = ((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n);
    if (id <= this.lastSnowflake) id = this.lastSnowflake + 1n;
    this.lastSnowflake = id;
    return id.toString();
  }

  private now(): string {
    return new Date().toISOString().replace('Z', '+00:00');
  }

  // ----- seed ------------------------------------------------------------------

  private seed(): void {
    const g = this.options.guild ?? {};
    const users: DiscordUserSeed[] =
      this.options.users ?? Object.values(DISCORD_DEFAULTS.users).map((u) => ({ ...u, roles: [...u.roles] }));
    this.users.set(this.botUser.id, { id: this.botUser.id, username: this.botUser.username, bot: true });
    for (const u of users) this.users.set(u.id, { ...u });

    this.roles.set(
      this.guildId,
      this.roleObject({ id: this.guildId, name: '@everyone', permissions: '2248473465835073', position: 0 }),
    );
    const roleSeeds: DiscordRoleSeed[] = g.roles ?? [
      { id: DISCORD_DEFAULTS.roles.oncall, name: 'On-call', color: 15158332, position: 1 },
      { id: DISCORD_DEFAULTS.roles.responders, name: 'Responders', color: 3447003, position: 2 },
      { id: DISCORD_DEFAULTS.roles.steward, name: 'Steward', permissions: ALL_PERMISSIONS, position: 3, managed: true },
    ];
    const botRoleIds: string[] = [];
    for (const r of roleSeeds) {
      const role = this.roleObject({ ...r, id: r.id ?? this.snowflake() });
      this.roles.set(role.id, role);
      if (r.managed) botRoleIds.push(role.id);
    }

    const ownerId = g.ownerId ?? users[0]?.id ?? this.botUser.id;
    this.guild = {
      id: this.guildId,
      name: g.name ?? DISCORD_DEFAULTS.guildName,
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: ownerId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      system_channel_id: null,
      system_channel_flags: 0,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 1,
      default_message_notifications: 1,
      explicit_content_filter: 2,
      mfa_level: 0,
      application_id: null,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      preferred_locale: 'en-US',
      max_members: 25000000,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      nsfw: false,
      nsfw_level: 0,
      features: [],
      hub_type: null,
      incidents_data: null,
      latest_onboarding_question_id: null,
      inventory_settings: null,
      home_header: null,
      emojis: [],
      stickers: [],
    };

    this.members.set(this.botUser.id, this.memberObject(this.botUser.id, botRoleIds));
    for (const u of users) if (!u.notInGuild) this.members.set(u.id, this.memberObject(u.id, u.roles ?? []));

    const channelSeeds: DiscordChannelSeed[] = g.channels ?? [
      { id: DISCORD_DEFAULTS.channels.general, name: 'general', type: 0, topic: 'General chatter', position: 0 },
      { id: DISCORD_DEFAULTS.channels.incidentsCategory, name: 'Incidents', type: 4, position: 1 },
      {
        id: DISCORD_DEFAULTS.channels.incidentLog,
        name: 'incident-log',
        type: 0,
        parent: DISCORD_DEFAULTS.channels.incidentsCategory,
        position: 2,
      },
    ];
    channelSeeds.forEach((seed, i) => this.addChannel({ position: i, ...seed }, false));
    if (!this.guild.system_channel_id) {
      const firstText = [...this.channels.values()].find((c) => c.type === 0);
      this.guild.system_channel_id = firstText?.id ?? null;
    }
  }

  private roleObject(r: DiscordRoleSeed & { id: string }): Json {
    return {
      id: r.id,
      name: r.name,
      description: null,
      permissions: r.permissions ?? '0',
      position: r.position ?? 0,
      color: r.color ?? 0,
      colors: { primary_color: r.color ?? 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      managed: r.managed ?? false,
      mentionable: false,
      icon: null,
      unicode_emoji: null,
      flags: 0,
      ...(r.managed ? { tags: { bot_id: this.botUser.id } } : {}),
    };
  }

  private memberObject(userId: string, roles: string[]): Json {
    return {
      avatar: null,
      banner: null,
      communication_disabled_until: null,
      flags: 0,
      joined_at: '2024-01-01T00:00:00.000000+00:00',
      nick: null,
      pending: false,
      premium_since: null,
      roles: [...roles],
      deaf: false,
      mute: false,
      user: this.userObject(userId),
    };
  }

  /** Full user object for a known user id. */
  userObject(id: string): Json {
    if (id === this.botUser.id) return { ...this.botUser };
    const u = this.users.get(id);
    if (!u) throw new Error(`FakeDiscord: unknown user ${id}`);
    return {
      id: u.id,
      username: u.username,
      avatar: null,
      discriminator: '0',
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      global_name: u.global_name ?? null,
      avatar_decoration_data: null,
      collectibles: null,
      display_name_styles: null,
      banner_color: null,
      clan: null,
      primary_guild: null,
      ...(u.bot ? { bot: true } : {}),
    };
  }

  // ----- state access for tests --------------------------------------------------

  addUser(user: DiscordUserSeed): Json {
    this.users.set(user.id, { ...user });
    if (!user.notInGuild) this.members.set(user.id, this.memberObject(user.id, user.roles ?? []));
    return this.userObject(user.id);
  }

  /** A known user by id or username. */
  user(idOrName: string): DiscordUserSeed | undefined {
    return this.users.get(idOrName) ?? [...this.users.values()].find((u) => u.username === idOrName);
  }

  member(userId: string): Json | undefined {
    return this.members.get(userId);
  }

  role(idOrName: string): Json | undefined {
    return this.roles.get(idOrName) ?? [...this.roles.values()].find((r) => r.name === idOrName);
  }

  guildObject(): Json {
    return { ...this.guild, roles: [...this.roles.values()] };
  }

  /** Adds a guild channel as if it already existed (no dispatch unless `dispatch`). Returns it. */
  addChannel(seed: DiscordChannelSeed, dispatch = true): Json {
    const type = seed.type ?? 0;
    const parent = seed.parent ? (this.channels.get(seed.parent) ?? this.channel(seed.parent)) : undefined;
    const ch = this.channelObject({
      id: seed.id ?? this.snowflake(),
      type,
      name: seed.name,
      parent_id: parent?.id ?? null,
      topic: seed.topic ?? null,
      position: seed.position ?? this.guildChannels().length,
      permission_overwrites: seed.permission_overwrites ?? [],
    });
    this.channels.set(ch.id, ch);
    this.messageStore.set(ch.id, new Map());
    if (dispatch) this.emit('CHANNEL_CREATE', ch, Intents.Guilds);
    return ch;
  }

  private channelObject(c: Json): Json {
    const base: Json = {
      id: c.id,
      type: c.type,
      guild_id: this.guildId,
      name: c.name,
      position: c.position ?? 0,
      flags: 0,
      parent_id: c.parent_id ?? null,
      permission_overwrites: c.permission_overwrites ?? [],
    };
    if (c.type === 4) return base;
    if (c.type === 2 || c.type === 13) {
      return {
        ...base,
        last_message_id: null,
        bitrate: c.bitrate ?? 64000,
        user_limit: c.user_limit ?? 0,
        rtc_region: null,
        nsfw: false,
        rate_limit_per_user: 0,
      };
    }
    return {
      ...base,
      last_message_id: null,
      topic: c.topic ?? null,
      nsfw: c.nsfw ?? false,
      rate_limit_per_user: c.rate_limit_per_user ?? 0,
      ...(c.type === 15 || c.type === 16
        ? {
            available_tags: c.available_tags ?? [],
            default_reaction_emoji: null,
            default_sort_order: null,
            default_forum_layout: 0,
          }
        : {}),
    };
  }

  /** A channel by id, or a guild channel by name. */
  channel(idOrName: string): Json | undefined {
    return (
      this.channels.get(idOrName) ??
      [...this.channels.values()].find((c) => c.name === idOrName && c.guild_id === this.guildId)
    );
  }

  guildChannels(): Json[] {
    return [...this.channels.values()].filter(
      (c) => c.guild_id === this.guildId && c.type !== 11 && c.type !== 12 && c.type !== 10,
    );
  }

  /** The DM channel with a user (created on first use, like `POST /users/@me/channels`). */
  dmChannelFor(userId: string): Json {
    const existing = this.dmChannels.get(userId);
    if (existing) return this.channels.get(existing)!;
    const ch = {
      id: this.snowflake(),
      type: 1,
      last_message_id: null,
      flags: 0,
      recipients: [this.userObject(userId)],
    };
    this.channels.set(ch.id, ch);
    this.messageStore.set(ch.id, new Map());
    this.dmChannels.set(userId, ch.id);
    return ch;
  }

  /** Messages of a channel in creation order, latest state (ephemeral and system messages included). */
  messages(channelId: string): Json[] {
    return [...(this.messageStore.get(channelId)?.values() ?? [])];
  }

  message(channelId: string, id: string): Json | undefined {
    return this.messageStore.get(channelId)?.get(id);
  }

  lastMessage(channelId: string): Json | undefined {
    const list = this.messages(channelId);
    return list[list.length - 1];
  }

  /** Stores a message from a user (no dispatch); returns it. */
  addMessage(channelId: string, msg: { author: string; content: string } & Json): Json {
    const { author, ...rest } = msg;
    const stored = this.buildMessage(channelId, rest, { author: this.userObject(author) });
    this.storeMessage(channelId, stored);
    return stored;
  }

  /** Registered application commands (global, or of a guild). */
  commands(guildId?: string): Json[] {
    return guildId ? [...(this.guildCommands.get(guildId) ?? [])] : [...this.globalCommands];
  }

  // ----- REST calls and waiting ------------------------------------------------------

  get mark(): number {
    return this.restLog.mark;
  }

  restCallsOf(method: string, path: RegExp | string): DiscordRestCall[] {
    const re = toRegex(path);
    return this.restCalls.filter((c) => (method === '*' || c.method === method) && re.test(c.path));
  }

  /** The first matching REST call already recorded, else the next one to arrive. */
  waitForRest(
    method: string,
    path: RegExp | string,
    predicate: (call: DiscordRestCall) => boolean = () => true,
    timeoutMs = this.timeoutMs,
  ): Promise<DiscordRestCall> {
    const re = toRegex(path);
    return this.restLog.waitFor(
      (c) => (method === '*' || c.method === method) && re.test(c.path) && predicate(c),
      timeoutMs,
      `REST ${method} ${re}`,
    );
  }

  /** Resolves with the first (or next) IDENTIFY. */
  waitForIdentify(timeoutMs = this.timeoutMs): Promise<GatewayIdentify> {
    return this.identifyLog.waitFor(() => true, timeoutMs, 'gateway IDENTIFY');
  }

  /**
   * The next `times` REST calls matching `method` (or `*`) and `path` fail.
   * Example: `fail('POST', /^\/guilds\/\d+\/channels$/, { status: 403 })`.
   */
  fail(method: string, path: RegExp | string, opts: DiscordFailOptions = {}): void {
    this.failures.add({
      method: method.toUpperCase(),
      path: toRegex(path),
      remaining: opts.times ?? 1,
      status: opts.status ?? (opts.retryAfter !== undefined ? 429 : 500),
      body: opts.body,
      headers: opts.headers,
      retryAfter: opts.retryAfter,
      global: opts.global,
      scope: opts.scope,
    });
  }

  /** Forgets REST calls, identifies and failures; keeps state. */
  resetCalls(): void {
    this.restLog.clear();
    this.identifyLog.clear();
    this.gatewayFrames.length = 0;
    this.sentDispatches.length = 0;
    this.failures.clear();
  }

  /** Forgets calls and all state, and re-seeds the initial guild. */
  reset(): void {
    this.resetCalls();
    this.roles.clear();
    this.users.clear();
    this.members.clear();
    this.channels.clear();
    this.messageStore.clear();
    this.dmChannels.clear();
    this.globalCommands = [];
    this.guildCommands.clear();
    this.interactions.clear();
    this.interactionsByToken.clear();
    this.pinnedAt.clear();
    this.threadMembers.clear();
    this.seed();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.restLog.dropWaiters();
    this.identifyLog.dropWaiters();
    for (const s of this.sessions) s.ws.terminate();
    this.sessions.clear();
    await this.wire.close();
  }

  // ----- gateway -----------------------------------------------------------------------

  /** Number of identified gateway sessions. */
  get gatewaySessions(): number {
    return [...this.sessions].filter((s) => s.identified && s.ws.readyState === WebSocket.OPEN).length;
  }

  /** Sends a dispatch (op 0) to every identified session, regardless of intents. */
  dispatch(t: string, d: unknown): void {
    if (t === 'INTERACTION_CREATE') this.registerInteraction(d as Json);
    for (const s of this.sessions) if (s.identified) this.sendDispatch(s, t, d);
  }

  /** Sends a raw frame (e.g. `{op: 7, d: null}` RECONNECT) to every session. */
  sendGatewayFrame(frame: Json): void {
    for (const s of this.sessions) if (s.ws.readyState === WebSocket.OPEN) s.ws.send(JSON.stringify(frame));
  }

  /** Closes every gateway connection with `code` (the client will try to resume). */
  dropGateway(code = 4000, reason = 'Unknown error'): void {
    for (const s of this.sessions) s.ws.close(code, reason);
  }

  private emit(t: string, d: unknown, intent: number): void {
    if (!this.autoDispatch) return;
    for (const s of this.sessions) if (s.identified && (s.intents & intent) !== 0) this.sendDispatch(s, t, d);
  }

  private sendDispatch(s: GatewaySession, t: string, d: unknown): void {
    if (s.ws.readyState !== WebSocket.OPEN) return;
    s.seq += 1;
    s.ws.send(JSON.stringify({ t, s: s.seq, op: 0, d }));
    this.sentDispatches.push({ t, s: s.seq, d, at: Date.now() });
  }

  private onGatewayConnection(ws: WebSocket): void {
    const session: GatewaySession = { ws, seq: 0, identified: false, intents: 0, sessionId: randomHex(16) };
    this.sessions.add(session);
    ws.on('close', () => this.sessions.delete(session));
    ws.on('error', () => this.sessions.delete(session));
    ws.send(
      JSON.stringify({
        t: null,
        s: null,
        op: 10,
        d: {
          heartbeat_interval: this.options.heartbeatIntervalMs ?? 41250,
          _trace: ['["gateway-fake-1",{"micros":0.0}]'],
        },
      }),
    );
    ws.on('message', (raw) => {
      let frame: Json;
      try {
        frame = JSON.parse(raw.toString());
      } catch {
        return;
      }
      this.gatewayFrames.push({
        op: frame.op,
        d: frame.op === 2 || frame.op === 6 ? '[redacted]' : frame.d,
        at: Date.now(),
      });
      switch (frame.op) {
        case 1:
          ws.send(JSON.stringify({ op: 11 }));
          break;
        case 2:
          this.onIdentify(session, frame.d ?? {});
          break;
        case 6: {
          const previous = [...this.sessions].find((s) => s !== session && s.sessionId === frame.d?.session_id);
          session.identified = true;
          session.intents = previous?.intents ?? this.identifies.at(-1)?.intents ?? 0;
          session.seq = Number(frame.d?.seq ?? 0);
          session.sessionId = String(frame.d?.session_id ?? session.sessionId);
          this.sendDispatch(session, 'RESUMED', { _trace: ['["gateway-fake-1",{"micros":0.0}]'] });
          break;
        }
        default:
          break; // presence updates, voice state, request guild members: ignored
      }
    });
  }

  private onIdentify(session: GatewaySession, d: Json): void {
    if (this.options.token && d.token !== this.options.token) {
      session.ws.close(4004, 'Authentication failed.');
      return;
    }
    const intents = Number(d.intents ?? 0);
    const identify = this.identifyLog.push({ d: { ...d, token: '[redacted]' }, intents, at: Date.now() });
    session.identified = true;
    session.intents = intents;
    this.sendDispatch(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...this.botUser, verified: true, mfa_enabled: false, email: null },
      guilds: [{ id: this.guildId, unavailable: true }],
      guild_join_requests: [],
      relationships: [],
      private_channels: [],
      presences: [],
      session_id: session.sessionId,
      session_type: 'normal',
      resume_gateway_url: this.gatewayUrl,
      shard: Array.isArray(d.shard) ? d.shard : [0, 1],
      application: { id: this.applicationId, flags: 0 },
      geo_ordered_rtc_regions: ['rotterdam', 'frankfurt'],
      auth: {},
      _trace: ['["gateway-fake-1",{"micros":0.0}]'],
    });
    this.sendDispatch(session, 'GUILD_CREATE', this.guildCreatePayload());
    this.identifyLog.notify(identify);
  }

  private guildCreatePayload(): Json {
    const channels = this.guildChannels().map(({ guild_id: _g, ...rest }) => rest);
    return {
      ...this.guildObject(),
      joined_at: '2024-01-01T00:00:00.000000+00:00',
      large: false,
      unavailable: false,
      member_count: this.members.size,
      voice_states: [],
      members: [...this.members.values()],
      channels,
      threads: [...this.channels.values()].filter(
        (c) => c.guild_id === this.guildId && (c.type === 11 || c.type === 12),
      ),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      activity_instances: [],
      application_command_counts: {},
      lazy: true,
      version: Date.now(),
    };
  }

  // ----- interactions ---------------------------------------------------------------

  private registerInteraction(d: Json): void {
    if (!d || typeof d.id !== 'string' || typeof d.token !== 'string') return;
    const state: InteractionState = {
      id: d.id,
      token: d.token,
      type: d.type,
      channelId: d.channel_id ?? d.channel?.id,
      guildId: d.guild_id ?? null,
      userId: d.member?.user?.id ?? d.user?.id,
      commandName: d.data?.name,
      commandType: d.data?.type,
      messageId: d.message?.id,
      responded: false,
      messageIds: [],
    };
    if (d.message && state.channelId && !this.message(state.channelId, d.message.id)) {
      this.storeMessage(state.channelId, { ...d.message });
    }
    this.interactions.set(state.id, state);
    this.interactionsByToken.set(state.token, state);
  }

  /**
   * Dispatches INTERACTION_CREATE and resolves with the interaction callback REST call
   * it causes (rejects after `timeoutMs` listing the calls seen).
   */
  async sendInteraction(payload: Json, timeoutMs = this.timeoutMs): Promise<DiscordRestCall> {
    if (this.gatewaySessions === 0) throw new Error('FakeDiscord.sendInteraction: no identified gateway session');
    const path = new RegExp(`^/interactions/${payload.id}/[^/]+/callback$`);
    const wait = this.waitForRest('POST', path, () => true, timeoutMs);
    this.dispatch('INTERACTION_CREATE', payload);
    return wait;
  }

  private interactionBase(type: number, o: InteractionContextOptions): Json {
    const id = this.snowflake();
    const token = Buffer.from(`interaction:${id}:${randomHex(48)}`).toString('base64url');
    const userId = o.user ? (this.user(o.user)?.id ?? o.user) : DISCORD_DEFAULTS.users.alice.id;
    if (!this.users.has(userId)) throw new Error(`FakeDiscord: unknown user ${userId}; add it with addUser()`);
    const user = this.userObject(userId);
    const guildId = o.guildId === undefined ? this.guildId : o.guildId;
    const locale = o.locale ?? 'en-US';
    const base: Json = {
      app_permissions: ALL_PERMISSIONS,
      application_id: this.applicationId,
      attachment_size_limit: 10485760,
    };
    if (guildId) {
      const channelId =
        o.channelId ?? this.channel('general')?.id ?? this.guildChannels().find((c) => c.type === 0)?.id;
      const ch = channelId ? this.channels.get(channelId) : undefined;
      const member = this.members.get(userId) ?? this.memberObject(userId, []);
      Object.assign(base, {
        authorizing_integration_owners: { '0': guildId },
        channel: ch
          ? { ...ch, permissions: ALL_PERMISSIONS }
          : { id: channelId, type: 0, guild_id: guildId, permissions: ALL_PERMISSIONS },
        channel_id: channelId,
        context: 0,
        entitlement_sku_ids: [],
        entitlements: [],
        guild: { features: [], id: guildId, locale: 'en-US' },
        guild_id: guildId,
        guild_locale: 'en-US',
        id,
        locale,
        member: { ...member, user, permissions: ALL_PERMISSIONS },
        token,
        type,
        version: 1,
      });
    } else {
      const dm = o.channelId ? this.channels.get(o.channelId) : this.dmChannelFor(userId);
      Object.assign(base, {
        authorizing_integration_owners: { '0': this.guildId },
        channel: dm ?? { id: o.channelId, type: 1 },
        channel_id: dm?.id ?? o.channelId,
        context: 1,
        entitlement_sku_ids: [],
        entitlements: [],
        id,
        locale,
        token,
        type,
        user,
        version: 1,
      });
    }
    return base;
  }

  private commandIdFor(name: string, type: number, guildId: string | null): string {
    const found =
      (guildId ? this.guildCommands.get(guildId)?.find((c) => c.name === name && (c.type ?? 1) === type) : undefined) ??
      this.globalCommands.find((c) => c.name === name && (c.type ?? 1) === type);
    if (found) return found.id;
    const digest = crypto.createHash('sha256').update(`${type}:${name}`).digest();
    return (BigInt('0x' + digest.subarray(0, 7).toString('hex')) + 1_000_000_000_000_000_000n).toString();
  }

  /** A CHAT_INPUT application command interaction (type 2). */
  chatInput(o: ChatInputOptions): Json {
    const base = this.interactionBase(2, o);
    const guildId: string | null = base.guild_id ?? null;
    const resolved: Json = {};
    const leaf = this.buildOptions(o.options, resolved, guildId);
    let options: Json[] | undefined = leaf.length ? leaf : undefined;
    if (o.subcommand) options = [{ type: 1, name: o.subcommand, ...(leaf.length ? { options: leaf } : {}) }];
    if (o.subcommandGroup) options = [{ type: 2, name: o.subcommandGroup, options: options ?? [] }];
    const guildCommand = guildId
      ? this.guildCommands.get(guildId)?.find((c) => c.name === o.name && (c.type ?? 1) === 1)
      : undefined;
    base.data = {
      ...(guildCommand ? { guild_id: guildId } : {}),
      id: o.commandId ?? this.commandIdFor(o.name, 1, guildId),
      name: o.name,
      ...(options ? { options } : {}),
      ...(Object.keys(resolved).length ? { resolved } : {}),
      type: 1,
    };
    return base;
  }

  /** An APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4); mark one option `focused`. */
  autocomplete(o: ChatInputOptions): Json {
    const payload = this.chatInput(o);
    payload.type = 4;
    return payload;
  }

  private buildOptions(options: ChatInputOptions['options'], resolved: Json, guildId: string | null): Json[] {
    if (!options) return [];
    const list: Json[] = Array.isArray(options)
      ? options.map((x) => ({ ...x }))
      : Object.entries(options).map(([name, v]) => {
          if (v !== null && typeof v === 'object')
            return { name, type: v.type, value: v.value, ...(v.focused ? { focused: true } : {}) };
          const type = typeof v === 'boolean' ? 5 : typeof v === 'number' ? (Number.isInteger(v) ? 4 : 10) : 3;
          return { name, type, value: v };
        });
    for (const opt of list) {
      const id = String(opt.value);
      if (opt.type === 6 || (opt.type === 9 && this.users.has(id))) {
        if (this.users.has(id)) {
          (resolved.users ??= {})[id] = this.userObject(id);
          const m = guildId ? this.members.get(id) : undefined;
          if (m) {
            const { user: _u, ...rest } = m;
            (resolved.members ??= {})[id] = { ...rest, permissions: ALL_PERMISSIONS };
          }
        }
      } else if (opt.type === 8 || opt.type === 9) {
        const role = this.roles.get(id);
        if (role) (resolved.roles ??= {})[id] = role;
      } else if (opt.type === 7) {
        const ch = this.channels.get(id);
        if (ch)
          (resolved.channels ??= {})[id] = {
            id: ch.id,
            name: ch.name,
            type: ch.type,
            permissions: ALL_PERMISSIONS,
            parent_id: ch.parent_id ?? null,
            flags: 0,
            ...(ch.thread_metadata ? { thread_metadata: ch.thread_metadata } : {}),
          };
      }
    }
    return list;
  }

  private resolveMessage(message: Json | string | undefined, channelId: string): Json | undefined {
    if (message === undefined) return undefined;
    if (typeof message === 'string') {
      const found = this.message(channelId, message) ?? this.findMessage(message);
      if (!found) throw new Error(`FakeDiscord: unknown message ${message}`);
      return found;
    }
    return message;
  }

  private findMessage(id: string): Json | undefined {
    for (const store of this.messageStore.values()) {
      const m = store.get(id);
      if (m) return m;
    }
    return undefined;
  }

  /** A MESSAGE_COMPONENT interaction (type 3) for a button (or a select with `values`). */
  button(o: ButtonOptions): Json {
    const preset =
      typeof o.message === 'object'
        ? o.message
        : typeof o.message === 'string'
          ? this.findMessage(o.message)
          : undefined;
    const channelId = o.channelId ?? preset?.channel_id;
    const base = this.interactionBase(3, { ...o, channelId });
    let message = this.resolveMessage(o.message, base.channel_id);
    if (!message) {
      message = this.buildMessage(
        base.channel_id,
        {
          content: '',
          components: [{ type: 1, components: [{ type: 2, style: 1, label: o.customId, custom_id: o.customId }] }],
        },
        { author: { ...this.botUser } },
      );
      this.storeMessage(base.channel_id, message);
    }
    base.message = JSON.parse(JSON.stringify(message));
    const componentType = o.componentType ?? (o.values ? 3 : 2);
    base.data = { component_type: componentType, custom_id: o.customId, ...(o.values ? { values: o.values } : {}) };
    if (o.values && componentType !== 3) {
      const resolved: Json = {};
      for (const v of o.values) {
        if ((componentType === 5 || componentType === 7) && this.users.has(v))
          (resolved.users ??= {})[v] = this.userObject(v);
        if ((componentType === 6 || componentType === 7) && this.roles.has(v))
          (resolved.roles ??= {})[v] = this.roles.get(v);
        if (componentType === 8 && this.channels.has(v)) (resolved.channels ??= {})[v] = this.channels.get(v);
      }
      base.data.resolved = resolved;
    }
    return base;
  }

  /** A select-menu component interaction (type 3, component_type 3 by default). */
  select(o: ButtonOptions & { values: string[] }): Json {
    return this.button({ componentType: 3, ...o });
  }

  /** A MODAL_SUBMIT interaction (type 5). */
  modalSubmit(o: ModalSubmitOptions): Json {
    const preset =
      typeof o.message === 'object'
        ? o.message
        : typeof o.message === 'string'
          ? this.findMessage(o.message)
          : undefined;
    const base = this.interactionBase(5, { ...o, channelId: o.channelId ?? preset?.channel_id });
    const message = this.resolveMessage(o.message, base.channel_id);
    if (message) base.message = JSON.parse(JSON.stringify(message));
    let n = 0;
    const components = Object.entries(o.fields).map(([customId, value]) => {
      const inner = Array.isArray(value)
        ? { type: 3, id: 0, custom_id: customId, values: value }
        : { type: 4, id: 0, custom_id: customId, value };
      if ((o.shape ?? 'action_row') === 'label') {
        const labelId = ++n;
        inner.id = ++n;
        return { type: 18, id: labelId, component: inner };
      }
      const rowId = ++n;
      inner.id = ++n;
      return { type: 1, id: rowId, components: [inner] };
    });
    base.data = { custom_id: o.customId, components };
    return base;
  }

  // ----- HTTP ---------------------------------------------------------------------------

  private async handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const raw = await readBody(req);
    const m = url.pathname.match(/^\/api(?:\/v\d+)?(\/.*)$/);
    if (!m) {
      sendJson(res, 404, { message: '404: Not Found', code: 0 });
      return;
    }
    const path =
      m[1]!
        .split('/')
        .map((seg) => {
          try {
            return decodeURIComponent(seg);
          } catch {
            return seg;
          }
        })
        .join('/')
        .replace(/\/$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const parsed = await parseBody(raw, req.headers['content-type']);
    let body: any = null;
    if (parsed.contentType.includes('multipart/form-data')) {
      const pj = parsed.fields.payload_json;
      body = typeof pj === 'string' ? safeJson(pj) : {};
      for (const [k, v] of Object.entries(parsed.fields)) if (k !== 'payload_json') body[k] = v;
    } else if (raw.length && parsed.contentType.includes('json')) {
      body = safeJson(raw.toString('utf8'));
    } else if (raw.length) {
      body = parsed.fields;
    }
    const reasonHeader = req.headers['x-audit-log-reason'];
    const reason = typeof reasonHeader === 'string' ? safeDecode(reasonHeader) : null;
    const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : null;

    let status: number;
    let responseBody: unknown;
    let headers: Record<string, string> = {};
    let after: (() => void) | undefined;

    const failure = this.takeFailure(method, path);
    if (failure) {
      ({ status, body: responseBody, headers } = this.failureResponse(failure));
    } else {
      const match = this.matchRoute(method, path);
      try {
        if (!match) {
          apiError(404, 0, '404: Not Found');
        }
        const { route, params } = match;
        if (route.auth) this.checkAuth(auth);
        const result = route.handler({
          params,
          body,
          files: parsed.files,
          query: url.searchParams,
          reason,
          method,
          path,
        });
        status = result.status ?? (result.body === undefined ? 204 : 200);
        responseBody = result.body;
        headers = { ...this.rateLimitHeaders(route), ...(result.headers ?? {}) };
        after = result.after;
      } catch (err) {
        if (err instanceof DiscordHttpError) {
          status = err.status;
          responseBody = err.body;
        } else {
          status = 500;
          responseBody = { message: `fake error: ${String(err)}`, code: 0 };
        }
      }
    }

    const call = this.restLog.push({
      method,
      path,
      url: req.url ?? '',
      query: Object.fromEntries(url.searchParams.entries()),
      body,
      files: parsed.files,
      auth,
      reason,
      headers: req.headers,
      at: Date.now(),
      status,
      response: responseBody ?? null,
    });
    sendJson(res, status, status === 204 ? undefined : responseBody, headers);
    try {
      after?.();
    } finally {
      this.restLog.notify(call);
    }
  }

  private checkAuth(auth: string | null): void {
    if (!auth || !auth.startsWith('Bot ')) apiError(401, 0, '401: Unauthorized');
    if (this.options.token && auth !== `Bot ${this.options.token}`) apiError(401, 0, '401: Unauthorized');
  }

  private rateLimitHeaders(route: Route): Record<string, string> {
    const bucket = crypto.createHash('md5').update(`${route.method} ${route.template}`).digest('hex').slice(0, 16);
    return {
      'x-ratelimit-bucket': bucket,
      'x-ratelimit-limit': '50',
      'x-ratelimit-remaining': '49',
      'x-ratelimit-reset': String(Date.now() / 1000 + 1),
      'x-ratelimit-reset-after': '1.000',
    };
  }

  private takeFailure(method: string, path: string): Failure | undefined {
    return this.failures.take((x) => (x.method === '*' || x.method === method) && x.path.test(path));
  }

  private failureResponse(f: Failure): { status: number; body: unknown; headers: Record<string, string> } {
    if (f.status === 429) {
      const retryAfter = f.retryAfter ?? 1;
      const scope = f.scope ?? (f.global ? 'global' : 'user');
      const headers: Record<string, string> = {
        'retry-after': String(retryAfter),
        'x-ratelimit-scope': scope,
        ...(f.global
          ? { 'x-ratelimit-global': 'true' }
          : {
              'x-ratelimit-limit': '5',
              'x-ratelimit-remaining': '0',
              'x-ratelimit-reset': String(Date.now() / 1000 + retryAfter),
              'x-ratelimit-reset-after': String(retryAfter),
              'x-ratelimit-bucket': 'fakebucket0001',
            }),
        ...(f.headers ?? {}),
      };
      const body = f.body ?? {
        message: scope === 'shared' ? 'The resource is being rate limited.' : 'You are being rate limited.',
        retry_after: retryAfter,
        global: !!f.global,
      };
      return { status: 429, body, headers };
    }
    return {
      status: f.status,
      body: f.body ?? DEFAULT_ERROR_BODIES[f.status] ?? { message: `${f.status}: Error`, code: 0 },
      headers: f.headers ?? {},
    };
  }

  private matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = m[i + 1]!));
      return { route, params };
    }
    return undefined;
  }

  private route(method: string, template: string, handler: (ctx: RouteCtx) => RouteResult, auth = true): void {
    const keys: string[] = [];
    const pattern = template
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, regex: new RegExp(`^${pattern}$`), keys, auth, template, handler });
  }

  // ----- state helpers used by routes -------------------------------------------------------

  private requireChannel(id: string): Json {
    const ch = this.channels.get(id);
    if (!ch) apiError(404, 10003, 'Unknown Channel');
    return ch;
  }

  private requireMessage(channelId: string, id: string): Json {
    const msg = this.messageStore.get(channelId)?.get(id);
    if (!msg) apiError(404, 10008, 'Unknown Message');
    return msg;
  }

  private requireGuild(id: string): void {
    if (id !== this.guildId) apiError(404, 10004, 'Unknown Guild');
  }

  private requireApp(id: string): void {
    if (id !== this.applicationId) apiError(403, 50001, 'Missing Access');
  }

  private buildMessage(channelId: string, data: Json, extra: Json = {}): Json {
    const id = this.snowflake();
    const mentions = [...String(data.content ?? '').matchAll(/<@!?(\d{15,21})>/g)]
      .map((m) => m[1])
      .filter((uid, i, arr) => arr.indexOf(uid) === i && this.users.has(uid!))
      .map((uid) => this.userObject(uid!));
    const mentionRoles = [...String(data.content ?? '').matchAll(/<@&(\d{15,21})>/g)].map((m) => m[1]);
    const msg: Json = {
      type: 0,
      content: data.content ?? '',
      mentions,
      mention_roles: mentionRoles,
      attachments: [],
      embeds: normaliseEmbeds(data.embeds),
      timestamp: this.now(),
      edited_timestamp: null,
      flags: Number(data.flags ?? 0),
      components: data.components ?? [],
      id,
      channel_id: channelId,
      author: { ...this.botUser },
      pinned: false,
      mention_everyone: false,
      tts: !!data.tts,
      ...(data.nonce !== undefined ? { nonce: data.nonce } : {}),
      ...extra,
    };
    if (data.message_reference) {
      msg.type = msg.type === 0 ? 19 : msg.type;
      msg.message_reference = {
        type: 0,
        channel_id: channelId,
        message_id: data.message_reference.message_id,
        ...(this.channels.get(channelId)?.guild_id ? { guild_id: this.guildId } : {}),
      };
      const ref = this.message(channelId, data.message_reference.message_id);
      if (ref) msg.referenced_message = ref;
    }
    if (data.poll) msg.poll = data.poll;
    return msg;
  }

  private attachFiles(msg: Json, files: UploadedFile[], body: Json | null): void {
    if (!files.length) return;
    const described: Json[] = Array.isArray(body?.attachments) ? body.attachments : [];
    for (const f of files) {
      const index = Number(/\[(\d+)\]/.exec(f.field)?.[1] ?? msg.attachments.length);
      const meta = described.find((a) => String(a.id) === String(index)) ?? {};
      const id = this.snowflake();
      const filename = meta.filename ?? f.filename;
      msg.attachments.push({
        id,
        filename,
        size: f.size,
        url: `https://cdn.discordapp.invalid/attachments/${msg.channel_id}/${id}/${filename}`,
        proxy_url: `https://media.discordapp.invalid/attachments/${msg.channel_id}/${id}/${filename}`,
        content_type: f.contentType,
        ...(meta.description ? { description: meta.description } : {}),
      });
    }
  }

  private storeMessage(channelId: string, msg: Json): void {
    let store = this.messageStore.get(channelId);
    if (!store) {
      store = new Map();
      this.messageStore.set(channelId, store);
    }
    store.set(msg.id, msg);
    const ch = this.channels.get(channelId);
    if (ch && 'last_message_id' in ch && !(msg.flags & MessageFlag.Ephemeral)) ch.last_message_id = msg.id;
  }

  private isDm(channelId: string): boolean {
    return this.channels.get(channelId)?.type === 1;
  }

  private messageEvent(msg: Json): Json {
    if (this.isDm(msg.channel_id)) return msg;
    const member = this.members.get(msg.author.id);
    const { user: _u, ...memberRest } = member ?? {};
    return { ...msg, guild_id: this.guildId, ...(member ? { member: memberRest } : {}) };
  }

  private emitMessage(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', msg: Json): void {
    if (msg.flags & MessageFlag.Ephemeral) return;
    this.emit(t, this.messageEvent(msg), this.isDm(msg.channel_id) ? Intents.DirectMessages : Intents.GuildMessages);
  }

  private applyEdit(msg: Json, data: Json, files: UploadedFile[], markEdited = true): void {
    if (data.content !== undefined) msg.content = data.content ?? '';
    if (data.embeds !== undefined) msg.embeds = normaliseEmbeds(data.embeds);
    if (data.components !== undefined) msg.components = data.components ?? [];
    if (data.flags !== undefined && data.flags !== null) {
      const keep = msg.flags & (MessageFlag.Ephemeral | MessageFlag.Loading);
      msg.flags = keep | (Number(data.flags) & ~(MessageFlag.Ephemeral | MessageFlag.Loading));
    }
    if (Array.isArray(data.attachments)) {
      const keepIds = new Set(data.attachments.map((a: Json) => String(a.id)));
      msg.attachments = msg.attachments.filter((a: Json) => keepIds.has(String(a.id)));
    }
    this.attachFiles(msg, files, data);
    if (msg.flags & MessageFlag.Loading) msg.flags &= ~MessageFlag.Loading;
    else if (markEdited) msg.edited_timestamp = this.now();
  }

  private checkSendable(data: Json, files: UploadedFile[]): void {
    const empty =
      !data.content &&
      !(Array.isArray(data.embeds) && data.embeds.length) &&
      !(Array.isArray(data.components) && data.components.length) &&
      !(Array.isArray(data.sticker_ids) && data.sticker_ids.length) &&
      !data.poll &&
      files.length === 0;
    if (empty) apiError(400, 50006, 'Cannot send an empty message');
    const errors = validateMessagePayload(data);
    if (Object.keys(errors).length) formError(errors);
  }

  private interactionByToken(app: string, token: string): InteractionState {
    if (app !== this.applicationId) apiError(404, 10015, 'Unknown Webhook');
    const state = this.interactionsByToken.get(token);
    if (!state) apiError(404, 10015, 'Unknown Webhook');
    return state;
  }

  private webhookMessage(state: InteractionState, id: string): Json {
    const messageId = id === '@original' ? state.originalId : id;
    if (!messageId || (id !== '@original' && !state.messageIds.includes(messageId)))
      apiError(404, 10008, 'Unknown Message');
    return this.requireMessage(state.channelId, messageId);
  }

  private interactionMessage(state: InteractionState, data: Json, followUp: boolean): Json {
    const user = this.userObject(state.userId);
    const type = followUp
      ? 0
      : state.type === 2
        ? state.commandType && state.commandType !== 1
          ? 23
          : 20
        : state.type === 3 || state.type === 5
          ? 19
          : 0;
    const extra: Json = {
      webhook_id: this.applicationId,
      application_id: this.applicationId,
      type,
      interaction_metadata: {
        id: state.id,
        type: state.type,
        user,
        authorizing_integration_owners: state.guildId ? { '0': state.guildId } : { '1': state.userId },
        ...(state.type === 2 ? { name: state.commandName, command_type: state.commandType ?? 1 } : {}),
        ...(state.messageId ? { interacted_message_id: state.messageId } : {}),
        ...(followUp && state.originalId ? { original_response_message_id: state.originalId } : {}),
      },
      ...(state.type === 2 ? { interaction: { id: state.id, type: 2, name: state.commandName, user } } : {}),
    };
    if (type === 19 && state.messageId) {
      extra.message_reference = {
        type: 0,
        channel_id: state.channelId,
        message_id: state.messageId,
        ...(state.guildId ? { guild_id: state.guildId } : {}),
      };
    }
    return this.buildMessage(state.channelId, data, extra);
  }

  // ----- routes ---------------------------------------------------------------------------

  private defineRoutes(): void {
    const r = this.route.bind(this);

    // gateway
    r('GET', '/gateway/bot', () => ({
      body: {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      },
    }));
    r('GET', '/gateway', () => ({ body: { url: this.gatewayUrl } }), false);

    // interactions
    r('POST', '/interactions/:id/:token/callback', (ctx) => this.interactionCallback(ctx), false);

    // webhooks (interaction follow-ups and edits)
    r(
      'POST',
      '/webhooks/:app/:token',
      (ctx) => {
        const state = this.interactionByToken(ctx.params.app!, ctx.params.token!);
        if (!state.responded) apiError(404, 10015, 'Unknown Webhook');
        const data = ctx.body ?? {};
        this.checkSendable(data, ctx.files);
        const msg = this.interactionMessage(state, data, true);
        this.attachFiles(msg, ctx.files, data);
        this.storeMessage(state.channelId, msg);
        state.messageIds.push(msg.id);
        return { body: msg, after: () => this.emitMessage('MESSAGE_CREATE', msg) };
      },
      false,
    );
    r(
      'GET',
      '/webhooks/:app/:token/messages/:mid',
      (ctx) => {
        const state = this.interactionByToken(ctx.params.app!, ctx.params.token!);
        return { body: this.webhookMessage(state, ctx.params.mid!) };
      },
      false,
    );
    r(
      'PATCH',
      '/webhooks/:app/:token/messages/:mid',
      (ctx) => {
        const state = this.interactionByToken(ctx.params.app!, ctx.params.token!);
        const msg = this.webhookMessage(state, ctx.params.mid!);
        const data = ctx.body ?? {};
        const errors = validateMessagePayload(data);
        if (Object.keys(errors).length) formError(errors);
        this.applyEdit(msg, data, ctx.files);
        return { body: msg, after: () => this.emitMessage('MESSAGE_UPDATE', msg) };
      },
      false,
    );
    r(
      'DELETE',
      '/webhooks/:app/:token/messages/:mid',
      (ctx) => {
        const state = this.interactionByToken(ctx.params.app!, ctx.params.token!);
        const msg = this.webhookMessage(state, ctx.params.mid!);
        this.messageStore.get(state.channelId)?.delete(msg.id);
        return { after: () => this.emitMessageDelete(msg) };
      },
      false,
    );

    // users
    r('GET', '/users/@me', () => ({
      body: { ...this.botUser, verified: true, mfa_enabled: false, email: null, locale: 'en-US' },
    }));
    r('GET', '/users/:id', (ctx) => {
      if (!this.users.has(ctx.params.id!)) apiError(404, 10013, 'Unknown User');
      return { body: this.userObject(ctx.params.id!) };
    });
    r('POST', '/users/@me/channels', (ctx) => {
      const recipient = String(ctx.body?.recipient_id ?? '');
      if (!recipient) formError({ recipient_id: fieldError('BASE_TYPE_REQUIRED', 'This field is required') });
      if (!this.users.has(recipient)) apiError(404, 10013, 'Unknown User');
      return { body: this.dmChannelFor(recipient) };
    });

    // applications and commands
    r('GET', '/applications/@me', () => ({
      body: {
        id: this.applicationId,
        name: this.botUser.username,
        icon: null,
        description: '',
        summary: '',
        type: null,
        bot_public: false,
        bot_require_code_grant: false,
        verify_key: randomHex(32),
        flags: 0,
        hook: true,
        is_monetized: false,
        owner: this.userObject(this.guild.owner_id),
        team: null,
        bot: { ...this.botUser },
        approximate_guild_count: 1,
        integration_types_config: { '0': {} },
      },
    }));
    const commandRoutes = (prefix: string, guildOf: (ctx: RouteCtx) => string | null) => {
      r('GET', `${prefix}/commands`, (ctx) => {
        this.requireApp(ctx.params.app!);
        return { body: this.commandList(guildOf(ctx)) };
      });
      r('PUT', `${prefix}/commands`, (ctx) => {
        this.requireApp(ctx.params.app!);
        const guildId = guildOf(ctx);
        const errors = validateCommands(ctx.body);
        if (Object.keys(errors).length) formError(errors);
        const next = (ctx.body as Json[]).map((c) => this.upsertCommand(c, guildId));
        this.setCommandList(guildId, next);
        return { body: next };
      });
      r('POST', `${prefix}/commands`, (ctx) => {
        this.requireApp(ctx.params.app!);
        const guildId = guildOf(ctx);
        const errors = validateCommands([ctx.body]);
        if (Object.keys(errors).length) formError(errors['0'] ?? errors);
        const list = this.commandList(guildId);
        const existed = list.some((c) => c.name === ctx.body.name && (c.type ?? 1) === (ctx.body.type ?? 1));
        const cmd = this.upsertCommand(ctx.body, guildId);
        this.setCommandList(guildId, [...list.filter((c) => c.id !== cmd.id), cmd]);
        return { status: existed ? 200 : 201, body: cmd };
      });
      r('GET', `${prefix}/commands/:cmd`, (ctx) => {
        this.requireApp(ctx.params.app!);
        const cmd = this.commandList(guildOf(ctx)).find((c) => c.id === ctx.params.cmd);
        if (!cmd) apiError(404, 10063, 'Unknown application command');
        return { body: cmd };
      });
      r('PATCH', `${prefix}/commands/:cmd`, (ctx) => {
        this.requireApp(ctx.params.app!);
        const guildId = guildOf(ctx);
        const list = this.commandList(guildId);
        const cmd = list.find((c) => c.id === ctx.params.cmd);
        if (!cmd) apiError(404, 10063, 'Unknown application command');
        Object.assign(cmd, ctx.body ?? {}, { id: cmd.id, version: this.snowflake() });
        return { body: cmd };
      });
      r('DELETE', `${prefix}/commands/:cmd`, (ctx) => {
        this.requireApp(ctx.params.app!);
        const guildId = guildOf(ctx);
        const list = this.commandList(guildId);
        if (!list.some((c) => c.id === ctx.params.cmd)) apiError(404, 10063, 'Unknown application command');
        this.setCommandList(
          guildId,
          list.filter((c) => c.id !== ctx.params.cmd),
        );
        return {};
      });
    };
    commandRoutes('/applications/:app', () => null);
    commandRoutes('/applications/:app/guilds/:guild', (ctx) => {
      if (!this.options.otherGuilds?.includes(ctx.params.guild!)) this.requireGuild(ctx.params.guild!);
      return ctx.params.guild!;
    });

    // guilds
    r('GET', '/guilds/:guild', (ctx) => {
      this.requireGuild(ctx.params.guild!);
      return { body: this.guildObject() };
    });
    r('GET', '/guilds/:guild/channels', (ctx) => {
      this.requireGuild(ctx.params.guild!);
      return { body: this.guildChannels() };
    });
    r('POST', '/guilds/:guild/channels', (ctx) => this.createGuildChannel(ctx));
    r('GET', '/guilds/:guild/roles', (ctx) => {
      this.requireGuild(ctx.params.guild!);
      return { body: [...this.roles.values()] };
    });
    r('GET', '/guilds/:guild/members', (ctx) => {
      this.requireGuild(ctx.params.guild!);
      const limit = Number(ctx.query.get('limit') ?? 1);
      return { body: [...this.members.values()].slice(0, limit) };
    });
    r('GET', '/guilds/:guild/members/:user', (ctx) => {
      this.requireGuild(ctx.params.guild!);
      const member = this.members.get(ctx.params.user!);
      if (!member) apiError(404, 10007, 'Unknown Member');
      return { body: member };
    });
    r('PUT', '/guilds/:guild/members/:user/roles/:role', (ctx) => {
      this.requireGuild(ctx.params.guild!);
      const member = this.members.get(ctx.params.user!);
      if (!member) apiError(404, 10007, 'Unknown Member');
      if (!this.roles.has(ctx.params.role!)) apiError(404, 10011, 'Unknown Role');
      if (!member.roles.includes(ctx.params.role)) member.roles.push(ctx.params.role);
      return {
        after: () => this.emit('GUILD_MEMBER_UPDATE', { guild_id: this.guildId, ...member }, Intents.GuildMembers),
      };
    });
    r('DELETE', '/guilds/:guild/members/:user/roles/:role', (ctx) => {
      this.requireGuild(ctx.params.guild!);
      const member = this.members.get(ctx.params.user!);
      if (!member) apiError(404, 10007, 'Unknown Member');
      member.roles = member.roles.filter((x: string) => x !== ctx.params.role);
      return {
        after: () => this.emit('GUILD_MEMBER_UPDATE', { guild_id: this.guildId, ...member }, Intents.GuildMembers),
      };
    });

    // channels
    r('GET', '/channels/:channel', (ctx) => ({ body: this.requireChannel(ctx.params.channel!) }));
    r('PATCH', '/channels/:channel', (ctx) => {
      const ch = this.requireChannel(ctx.params.channel!);
      const b = ctx.body ?? {};
      if (b.name !== undefined) {
        if (typeof b.name !== 'string' || b.name.length < 1 || b.name.length > 100)
          formError({ name: fieldError('BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.') });
        ch.name = normaliseChannelName(b.name, ch.type);
      }
      for (const k of [
        'topic',
        'nsfw',
        'rate_limit_per_user',
        'position',
        'permission_overwrites',
        'bitrate',
        'user_limit',
      ])
        if (b[k] !== undefined) ch[k] = b[k];
      if (b.parent_id !== undefined) {
        if (b.parent_id !== null && this.channels.get(b.parent_id)?.type !== 4)
          formError({ parent_id: fieldError('CHANNEL_PARENT_INVALID', 'Category does not exist') });
        ch.parent_id = b.parent_id;
      }
      if (ch.thread_metadata) {
        for (const k of ['archived', 'locked', 'auto_archive_duration', 'invitable'])
          if (b[k] !== undefined) ch.thread_metadata[k] = b[k];
        if (b.archived !== undefined) ch.thread_metadata.archive_timestamp = this.now();
      }
      const t = ch.thread_metadata ? 'THREAD_UPDATE' : 'CHANNEL_UPDATE';
      return { body: ch, after: () => ch.type !== 1 && this.emit(t, ch, Intents.Guilds) };
    });
    r('DELETE', '/channels/:channel', (ctx) => {
      const ch = this.requireChannel(ctx.params.channel!);
      this.channels.delete(ch.id);
      this.messageStore.delete(ch.id);
      const t = ch.thread_metadata ? 'THREAD_DELETE' : 'CHANNEL_DELETE';
      return { body: ch, after: () => ch.type !== 1 && this.emit(t, ch, Intents.Guilds) };
    });
    r('PUT', '/channels/:channel/permissions/:overwrite', (ctx) => {
      const ch = this.requireChannel(ctx.params.channel!);
      if (ch.type === 1) apiError(400, 50024, 'Cannot execute action on this channel type');
      const b = ctx.body ?? {};
      const overwrite = {
        id: ctx.params.overwrite,
        type: Number(b.type ?? 0),
        allow: String(b.allow ?? '0'),
        deny: String(b.deny ?? '0'),
      };
      ch.permission_overwrites = [
        ...(ch.permission_overwrites ?? []).filter((o: Json) => o.id !== overwrite.id),
        overwrite,
      ];
      return { after: () => this.emit('CHANNEL_UPDATE', ch, Intents.Guilds) };
    });
    r('DELETE', '/channels/:channel/permissions/:overwrite', (ctx) => {
      const ch = this.requireChannel(ctx.params.channel!);
      ch.permission_overwrites = (ch.permission_overwrites ?? []).filter((o: Json) => o.id !== ctx.params.overwrite);
      return { after: () => this.emit('CHANNEL_UPDATE', ch, Intents.Guilds) };
    });
    r('POST', '/channels/:channel/typing', (ctx) => {
      this.requireChannel(ctx.params.channel!);
      return {};
    });
    r('GET', '/channels/:channel/messages', (ctx) => {
      this.requireChannel(ctx.params.channel!);
      const limit = Number(ctx.query.get('limit') ?? 50);
      const list = this.messages(ctx.params.channel!)
        .filter((m) => !(m.flags & MessageFlag.Ephemeral))
        .reverse();
      return { body: list.slice(0, limit) };
    });
    r('POST', '/channels/:channel/messages', (ctx) => {
      const ch = this.requireChannel(ctx.params.channel!);
      if (ch.type === 4) apiError(400, 50008, 'Cannot send messages in a non-text channel');
      if (ch.type === 1) {
        const recipient = ch.recipients?.[0]?.id;
        if (recipient && this.users.get(recipient)?.dmsDisabled)
          apiError(403, 50007, 'Cannot send messages to this user');
      }
      if (ch.thread_metadata?.archived) apiError(400, 50083, 'Thread is archived');
      const data = ctx.body ?? {};
      this.checkSendable(data, ctx.files);
      const msg = this.buildMessage(ch.id, data);
      this.attachFiles(msg, ctx.files, data);
      this.storeMessage(ch.id, msg);
      if (ch.thread_metadata) {
        ch.message_count = (ch.message_count ?? 0) + 1;
        ch.total_message_sent = (ch.total_message_sent ?? 0) + 1;
      }
      return { body: msg, after: () => this.emitMessage('MESSAGE_CREATE', msg) };
    });
    r('GET', '/channels/:channel/messages/pins', (ctx) => {
      this.requireChannel(ctx.params.channel!);
      const items = this.messages(ctx.params.channel!)
        .filter((m) => m.pinned)
        .reverse()
        .map((m) => ({ pinned_at: this.pinnedAt.get(m.id) ?? this.now(), message: m }));
      return { body: { items, has_more: false } };
    });
    r('GET', '/channels/:channel/pins', (ctx) => {
      this.requireChannel(ctx.params.channel!);
      return {
        body: this.messages(ctx.params.channel!)
          .filter((m) => m.pinned)
          .reverse(),
      };
    });
    for (const template of ['/channels/:channel/pins/:message', '/channels/:channel/messages/pins/:message']) {
      r('PUT', template, (ctx) => this.pin(ctx.params.channel!, ctx.params.message!, true));
      r('DELETE', template, (ctx) => this.pin(ctx.params.channel!, ctx.params.message!, false));
    }
    r('GET', '/channels/:channel/messages/:message', (ctx) => {
      this.requireChannel(ctx.params.channel!);
      const msg = this.requireMessage(ctx.params.channel!, ctx.params.message!);
      if (msg.flags & MessageFlag.Ephemeral) apiError(404, 10008, 'Unknown Message');
      return { body: msg };
    });
    r('PATCH', '/channels/:channel/messages/:message', (ctx) => {
      this.requireChannel(ctx.params.channel!);
      const msg = this.requireMessage(ctx.params.channel!, ctx.params.message!);
      if (msg.author?.id !== this.botUser.id) apiError(403, 50005, 'Cannot edit a message authored by another user');
      const data = ctx.body ?? {};
      const errors = validateMessagePayload(data);
      if (Object.keys(errors).length) formError(errors);
      this.applyEdit(msg, data, ctx.files);
      return { body: msg, after: () => this.emitMessage('MESSAGE_UPDATE', msg) };
    });
    r('DELETE', '/channels/:channel/messages/:message', (ctx) => {
      this.requireChannel(ctx.params.channel!);
      const msg = this.requireMessage(ctx.params.channel!, ctx.params.message!);
      this.messageStore.get(ctx.params.channel!)!.delete(msg.id);
      return { after: () => this.emitMessageDelete(msg) };
    });
    r('PUT', '/channels/:channel/messages/:message/reactions/:emoji/@me', (ctx) =>
      this.react(ctx.params.channel!, ctx.params.message!, ctx.params.emoji!, true),
    );
    r('DELETE', '/channels/:channel/messages/:message/reactions/:emoji/@me', (ctx) =>
      this.react(ctx.params.channel!, ctx.params.message!, ctx.params.emoji!, false),
    );
    r('POST', '/channels/:channel/messages/:message/threads', (ctx) => {
      const ch = this.requireChannel(ctx.params.channel!);
      const msg = this.requireMessage(ch.id, ctx.params.message!);
      if (msg.thread) apiError(400, 160004, 'A thread has already been created for this message');
      const thread = this.createThread(ch, ctx.body ?? {}, ch.type === 5 ? 10 : 11, msg.id);
      msg.thread = thread;
      msg.flags |= 1 << 5; // HAS_THREAD
      return {
        status: 201,
        body: thread,
        after: () => this.emit('THREAD_CREATE', { ...thread, newly_created: true }, Intents.Guilds),
      };
    });
    r('POST', '/channels/:channel/threads', (ctx) => {
      const ch = this.requireChannel(ctx.params.channel!);
      const b = ctx.body ?? {};
      const thread = this.createThread(ch, b, Number(b.type ?? 12));
      let first: Json | undefined;
      if (ch.type === 15 && b.message) {
        first = this.buildMessage(thread.id, b.message);
        first.id = thread.id;
        this.storeMessage(thread.id, first);
      }
      return {
        status: 201,
        body: first ? { ...thread, message: first } : thread,
        after: () => this.emit('THREAD_CREATE', { ...thread, newly_created: true }, Intents.Guilds),
      };
    });
    r('PUT', '/channels/:channel/thread-members/:user', (ctx) => {
      const ch = this.requireChannel(ctx.params.channel!);
      if (!ch.thread_metadata) apiError(400, 50024, 'Cannot execute action on this channel type');
      const uid = ctx.params.user === '@me' ? this.botUser.id : ctx.params.user;
      if (!this.users.has(uid)) apiError(404, 10013, 'Unknown User');
      const members = this.threadMembers.get(ch.id) ?? new Set([this.botUser.id]);
      members.add(uid);
      this.threadMembers.set(ch.id, members);
      ch.member_count = members.size;
      return {};
    });
  }

  private commandList(guildId: string | null): Json[] {
    return guildId ? (this.guildCommands.get(guildId) ?? []) : this.globalCommands;
  }

  private setCommandList(guildId: string | null, list: Json[]): void {
    if (guildId) this.guildCommands.set(guildId, list);
    else this.globalCommands = list;
  }

  private upsertCommand(c: Json, guildId: string | null): Json {
    const type = c.type ?? 1;
    const existing = this.commandList(guildId).find((x) => x.name === c.name && (x.type ?? 1) === type);
    const definition: Json = {
      type,
      name: c.name,
      name_localizations: c.name_localizations ?? null,
      description: c.description ?? '',
      description_localizations: c.description_localizations ?? null,
      default_member_permissions: c.default_member_permissions ?? null,
      nsfw: c.nsfw ?? false,
      contexts: c.contexts ?? null,
      integration_types: c.integration_types ?? [0],
      ...(c.options ? { options: c.options } : {}),
      ...(guildId ? { guild_id: guildId } : { dm_permission: c.dm_permission ?? true }),
    };
    const { id: _i, version: _v, application_id: _a, ...prev } = existing ?? {};
    const changed = !existing || JSON.stringify(prev) !== JSON.stringify(definition);
    return {
      id: existing?.id ?? this.snowflake(),
      application_id: this.applicationId,
      version: changed ? this.snowflake() : existing.version,
      ...definition,
    };
  }

  private createGuildChannel(ctx: RouteCtx): RouteResult {
    this.requireGuild(ctx.params.guild!);
    const b = ctx.body ?? {};
    const errors: Json = {};
    if (typeof b.name !== 'string' || b.name.length < 1 || b.name.length > 100)
      errors.name = fieldError('BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    const type = Number(b.type ?? 0);
    if (![0, 2, 4, 5, 13, 15, 16].includes(type))
      errors.type = fieldError('BASE_TYPE_CHOICES', 'Value must be one of {0, 2, 4, 5, 13, 15, 16}.');
    let parentId: string | null = null;
    if (b.parent_id !== undefined && b.parent_id !== null) {
      const parent = this.channels.get(String(b.parent_id));
      if (!parent || parent.type !== 4 || type === 4)
        errors.parent_id = fieldError('CHANNEL_PARENT_INVALID', 'Category does not exist');
      else parentId = parent.id;
    }
    if (Array.isArray(b.permission_overwrites) && b.permission_overwrites.length > 100)
      errors.permission_overwrites = fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    if (this.guildChannels().length >= 500) apiError(400, 30013, 'Maximum number of guild channels reached (500)');
    if (Object.keys(errors).length) formError(errors);
    const overwrites = (b.permission_overwrites ?? []).map((o: Json) => ({
      id: String(o.id),
      type: Number(o.type ?? 0),
      allow: String(o.allow ?? '0'),
      deny: String(o.deny ?? '0'),
    }));
    const ch = this.channelObject({
      id: this.snowflake(),
      type,
      name: normaliseChannelName(b.name, type),
      parent_id: parentId,
      topic: b.topic ?? null,
      nsfw: b.nsfw ?? false,
      rate_limit_per_user: b.rate_limit_per_user ?? 0,
      position: b.position ?? this.guildChannels().length,
      permission_overwrites: overwrites,
      bitrate: b.bitrate,
      user_limit: b.user_limit,
      available_tags: b.available_tags,
    });
    this.channels.set(ch.id, ch);
    this.messageStore.set(ch.id, new Map());
    return { status: 201, body: ch, after: () => this.emit('CHANNEL_CREATE', ch, Intents.Guilds) };
  }

  private createThread(parent: Json, b: Json, type: number, id?: string): Json {
    if (typeof b.name !== 'string' || b.name.length < 1 || b.name.length > 100)
      formError({ name: fieldError('BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.') });
    const now = this.now();
    const thread: Json = {
      id: id ?? this.snowflake(),
      type,
      last_message_id: null,
      flags: 0,
      guild_id: this.guildId,
      name: b.name,
      parent_id: parent.id,
      rate_limit_per_user: b.rate_limit_per_user ?? 0,
      owner_id: this.botUser.id,
      thread_metadata: {
        archived: false,
        archive_timestamp: now,
        auto_archive_duration: b.auto_archive_duration ?? 4320,
        locked: false,
        create_timestamp: now,
        ...(type === 12 ? { invitable: b.invitable ?? true } : {}),
      },
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      member: { id: id ?? '', user_id: this.botUser.id, join_timestamp: now, flags: 1 },
    };
    thread.member.id = thread.id;
    this.channels.set(thread.id, thread);
    if (!this.messageStore.has(thread.id)) this.messageStore.set(thread.id, new Map());
    return thread;
  }

  private pin(channelId: string, messageId: string, pinned: boolean): RouteResult {
    const ch = this.requireChannel(channelId);
    const msg = this.requireMessage(channelId, messageId);
    if (pinned && !msg.pinned) {
      if (this.messages(channelId).filter((m) => m.pinned).length >= 250)
        apiError(400, 30003, 'Maximum number of pins reached (250)');
      msg.pinned = true;
      const pinnedAt = this.now();
      this.pinnedAt.set(msg.id, pinnedAt);
      const system = this.buildMessage(
        channelId,
        { content: '', message_reference: undefined },
        {
          type: 6,
          message_reference: {
            type: 0,
            channel_id: channelId,
            message_id: messageId,
            ...(ch.guild_id ? { guild_id: this.guildId } : {}),
          },
        },
      );
      this.storeMessage(channelId, system);
      return {
        after: () => {
          this.emit(
            'CHANNEL_PINS_UPDATE',
            { ...(ch.guild_id ? { guild_id: this.guildId } : {}), channel_id: channelId, last_pin_timestamp: pinnedAt },
            ch.type === 1 ? Intents.DirectMessages : Intents.Guilds,
          );
          this.emitMessage('MESSAGE_CREATE', system);
        },
      };
    }
    if (!pinned && msg.pinned) {
      msg.pinned = false;
      this.pinnedAt.delete(msg.id);
      return {
        after: () =>
          this.emit(
            'CHANNEL_PINS_UPDATE',
            { ...(ch.guild_id ? { guild_id: this.guildId } : {}), channel_id: channelId, last_pin_timestamp: null },
            ch.type === 1 ? Intents.DirectMessages : Intents.Guilds,
          ),
      };
    }
    return {};
  }

  private react(channelId: string, messageId: string, emoji: string, add: boolean): RouteResult {
    const ch = this.requireChannel(channelId);
    const msg = this.requireMessage(channelId, messageId);
    const custom = /^(?<name>[\w-]+):(?<id>\d+)$/.exec(emoji);
    const emojiObj = custom ? { id: custom.groups!.id, name: custom.groups!.name } : { id: null, name: emoji };
    if (!custom && /^[\w-]+$/.test(emoji)) apiError(400, 10014, 'Unknown Emoji');
    msg.reactions = msg.reactions ?? [];
    const key = (e: Json) => (e.id ? e.id : e.name);
    let r = msg.reactions.find((x: Json) => key(x.emoji) === key(emojiObj));
    const intent = ch.type === 1 ? Intents.DirectMessageReactions : Intents.GuildMessageReactions;
    const event = {
      user_id: this.botUser.id,
      channel_id: channelId,
      message_id: messageId,
      ...(ch.guild_id ? { guild_id: this.guildId } : {}),
      emoji: emojiObj,
      burst: false,
      type: 0,
    };
    if (add) {
      if (r?.me) return {};
      if (!r) {
        r = {
          count: 0,
          count_details: { burst: 0, normal: 0 },
          me: false,
          me_burst: false,
          burst_me: false,
          burst_count: 0,
          burst_colors: [],
          emoji: emojiObj,
        };
        msg.reactions.push(r);
      }
      r.me = true;
      r.count += 1;
      r.count_details.normal += 1;
      return {
        after: () => this.emit('MESSAGE_REACTION_ADD', { ...event, message_author_id: msg.author?.id }, intent),
      };
    }
    if (!r?.me) return {};
    r.me = false;
    r.count -= 1;
    r.count_details.normal -= 1;
    if (r.count <= 0) msg.reactions = msg.reactions.filter((x: Json) => x !== r);
    return { after: () => this.emit('MESSAGE_REACTION_REMOVE', event, intent) };
  }

  private emitMessageDelete(msg: Json): void {
    const dm = this.isDm(msg.channel_id);
    this.emit(
      'MESSAGE_DELETE',
      { id: msg.id, channel_id: msg.channel_id, ...(dm ? {} : { guild_id: this.guildId }) },
      dm ? Intents.DirectMessages : Intents.GuildMessages,
    );
  }

  private interactionCallback(ctx: RouteCtx): RouteResult {
    const state = this.interactions.get(ctx.params.id!);
    if (!state || state.token !== ctx.params.token) apiError(404, 10062, 'Unknown interaction');
    if (state.responded) apiError(400, 40060, 'Interaction has already been acknowledged.');
    const b = ctx.body ?? {};
    const type = Number(b.type);
    const data: Json = b.data ?? {};
    const allowed: Record<number, number[]> = {
      2: [4, 5, 9, 10, 12],
      3: [4, 5, 6, 7, 9, 10, 12],
      4: [8],
      5: [4, 5, 6, 7, 10, 12],
    };
    if (
      !(allowed[state.type] ?? [1]).includes(type) ||
      (state.type === 5 && (type === 6 || type === 7) && !state.messageId)
    )
      formError({
        type: fieldError(
          'INTERACTION_RESPONSE_TYPE_INVALID',
          'Interaction response type is invalid for this interaction',
        ),
      });

    let message: Json | undefined;
    let after: (() => void) | undefined;
    switch (type) {
      case 4:
      case 5: {
        if (type === 4) this.checkSendable(data, ctx.files);
        else {
          const errors = validateMessagePayload(data);
          if (Object.keys(errors).length) formError(errors);
        }
        const flags = Number(data.flags ?? 0) | (type === 5 ? MessageFlag.Loading : 0);
        message = this.interactionMessage(state, type === 5 ? { flags } : { ...data, flags }, false);
        this.attachFiles(message, ctx.files, data);
        this.storeMessage(state.channelId, message);
        state.originalId = message.id;
        state.messageIds.push(message.id);
        const created = message;
        after = () => this.emitMessage('MESSAGE_CREATE', created);
        break;
      }
      case 6:
        state.originalId = state.messageId;
        if (state.messageId) message = this.message(state.channelId, state.messageId);
        break;
      case 7: {
        const errors = validateMessagePayload(data);
        if (Object.keys(errors).length) formError(errors);
        const target = state.messageId ? this.message(state.channelId, state.messageId) : undefined;
        if (!target) apiError(404, 10008, 'Unknown Message');
        this.applyEdit(target, data, ctx.files);
        state.originalId = target.id;
        message = target;
        after = () => this.emitMessage('MESSAGE_UPDATE', target);
        break;
      }
      case 9: {
        const errors = validateModal(data);
        if (Object.keys(errors).length) formError(errors);
        break;
      }
      default:
        break;
    }
    state.responded = true;
    state.responseType = type;

    if (ctx.query.get('with_response') === 'true') {
      const ephemeral = !!(message && message.flags & MessageFlag.Ephemeral);
      const body: Json = {
        interaction: {
          id: state.id,
          type: state.type,
          ...(message
            ? {
                response_message_id: message.id,
                response_message_loading: type === 5,
                response_message_ephemeral: ephemeral,
              }
            : {}),
        },
      };
      if (type !== 6 && type !== 8) body.resource = { type, ...(message && type !== 9 ? { message } : {}) };
      return { status: 200, body, after };
    }
    return { status: 204, after };
  }
}

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

function toRegex(path: RegExp | string): RegExp {
  if (path instanceof RegExp) return path;
  return new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return { __unparsed: text };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function normaliseEmbeds(embeds: unknown): Json[] {
  if (!Array.isArray(embeds)) return [];
  return embeds.map((e: Json) => ({ type: 'rich', ...e, content_scan_version: 0 }));
}

/** Text-like channels are lower-cased with spaces turned into dashes, as Discord does. */
function normaliseChannelName(name: string, type: number): string {
  if (type === 0 || type === 5 || type === 15 || type === 16) return name.trim().toLowerCase().replace(/\s+/g, '-');
  return name;
}
