// Discord adapter: the real discord.js client on the gateway. Interactions in, rendered replies
// out; war-room side effects through the ChatGateway; 📌 reactions and pins into the timeline.
import {
  ApplicationCommandType,
  Client,
  Events,
  GatewayIntentBits,
  InteractionType,
  Options,
  Partials,
} from 'discord.js';
import type { ChatGateway } from '../../core/chat/gateway.js';
import type { Logger } from '../../observability/logger.js';
import type { DiscordRenderer } from '../../render/discord/message.js';
import type { Dispatcher } from '../shared/dispatch.js';
import { loggableError } from './errors.js';
import { DiscordGateway, type IncidentsGuild } from './gateway.js';
import { createInteractionHandler } from './interactions.js';
import { watchPins } from './pins.js';

export { loggableError, redactDiscordUrl } from './errors.js';
export { interactionText } from './interactions.js';

export interface DiscordOptions {
  token: string;
  applicationId: string;
  apiUrl?: string;
}

export interface DiscordAdapter {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly ready: boolean;
  /** Side effects (war rooms, posts, edits, pins, DMs) for the core's outbox. */
  readonly gateway: ChatGateway;
}

/**
 * Gateway intents: Guilds (interactions, channels, pin updates), GuildMessages and
 * GuildMessageReactions (📌 on war-room messages), MessageContent (privileged: the text of a
 * pinned message for the timeline). Partials let reactions on messages from before the last
 * restart arrive; the message is fetched then.
 */
export const INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.MessageContent,
] as const;
export const PARTIALS = [Partials.Message, Partials.Reaction, Partials.Channel, Partials.User] as const;

/**
 * Rate limits that would hold a REST call longer than this are not waited out inside discord.js:
 * the call fails, and the outbox retries the side effect after Discord's retry-after.
 */
export const RATE_LIMIT_MAX_WAIT_MS = 3_000;

/**
 * Messages kept per channel. Steward reads a message only when someone marks it 📌 (and then
 * fetches it), so caching the guild's message stream would only cost memory.
 */
export const MESSAGE_CACHE = 0;

/**
 * Interactions shaped before Discord added a field, as discord.js 14 needs it to build them:
 * without `entitlements` or `authorizing_integration_owners` it throws inside the gateway handler,
 * outside anything Steward can catch (an unhandled rejection that ends the process); without the
 * command's `data.type` (older chat-input payloads) it drops the interaction unanswered. Defaults
 * are filled in on the raw packet, which discord.js hands to `raw` listeners before building it.
 */
export function normaliseInteractionPacket(packet: { t?: string | null; d?: unknown }): void {
  if (packet?.t !== 'INTERACTION_CREATE' || !packet.d || typeof packet.d !== 'object') return;
  const d = packet.d as {
    type?: number;
    data?: { type?: number } | null;
    entitlements?: unknown;
    authorizing_integration_owners?: unknown;
  };
  d.entitlements ??= [];
  d.authorizing_integration_owners ??= {};
  if (d.type === InteractionType.ApplicationCommand && d.data && typeof d.data === 'object')
    d.data.type ??= ApplicationCommandType.ChatInput;
}

export function createDiscordAdapter(
  opts: DiscordOptions,
  deps: {
    dispatcher: Dispatcher;
    render: DiscordRenderer;
    log: Logger;
    incidentsGuild: () => IncidentsGuild | undefined;
  },
): DiscordAdapter {
  const { dispatcher, render, log } = deps;
  const dlog = log.child({ platform: 'discord' });
  const client = new Client({
    intents: [...INTENTS],
    partials: [...PARTIALS],
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: MESSAGE_CACHE }),
    rest: {
      ...(opts.apiUrl ? { api: opts.apiUrl } : {}),
      rejectOnRateLimit: (r) => r.timeToReset > RATE_LIMIT_MAX_WAIT_MS,
    },
    allowedMentions: { parse: [] },
  });
  let ready = false;
  const gateway = new DiscordGateway(client, render, deps.incidentsGuild, dlog);
  const handle = createInteractionHandler({ dispatcher, render });

  client.on(Events.Raw, normaliseInteractionPacket);
  client.on(Events.InteractionCreate, (i) => {
    handle(i)?.catch((err) => dlog.error({ err: loggableError(err), interaction: i.id }, 'discord interaction failed'));
  });
  watchPins(client, { dispatcher, log: dlog, guildId: () => deps.incidentsGuild()?.guild });
  client.on(Events.Error, (err) => dlog.error({ err: loggableError(err) }, 'discord client error'));
  client.on(Events.ShardDisconnect, () => {
    ready = false;
  });
  client.on(Events.ShardReady, () => {
    ready = true;
  });

  return {
    gateway,
    get ready() {
      return ready;
    },
    async start() {
      const up = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(opts.token);
      await up;
      ready = true;
      dlog.info({ user: client.user?.id, guilds: client.guilds.cache.size }, 'discord ready');
    },
    async stop() {
      ready = false;
      await client.destroy();
    },
  };
}
