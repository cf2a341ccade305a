// Discord adapter: the real discord.js client on the gateway; interactions in, rendered replies out.
import { randomUUID } from 'node:crypto';
import {
  ApplicationCommandType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  HTTPError,
  InteractionType,
  MessageFlags,
  type ChatInputCommandInteraction,
  type ButtonInteraction,
  type Interaction,
} from 'discord.js';
import type { Invocation } from '../../core/context.js';
import type { Reply } from '../../core/card.js';
import type { Logger } from '../../observability/logger.js';
import type { DiscordRenderer } from '../../render/discord/message.js';
import type { Dispatcher } from '../shared/dispatch.js';
import { COMMAND_NAMES } from '../shared/parse.js';

export interface DiscordOptions {
  token: string;
  applicationId: string;
  apiUrl?: string;
}

export interface DiscordAdapter {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly ready: boolean;
}

/** A chat-input interaction as the text the shared parser reads: "<subcommand> <option values…>". */
export function interactionText(i: Pick<ChatInputCommandInteraction, 'options'>): string {
  const sub = i.options.getSubcommand(false);
  const data = i.options.data;
  const opts = (sub ? data[0]?.options ?? [] : data).map((o) => String(o.value ?? ''));
  return [sub ?? '', ...opts].filter((s) => s !== '').map((s) => (/\s/.test(s) ? `"${s.replace(/"/g, "'")}"` : s)).join(' ');
}

/** Interaction and webhook URLs carry the interaction token, a credential for that interaction. */
export function redactDiscordUrl(url: string): string {
  return url.replace(/\/(interactions\/[^/?#]+|webhooks\/[^/?#]+)\/[^/?#]+/g, '/$1/[REDACTED]');
}

/**
 * A failed REST call as it may be logged: discord.js errors carry the request URL (with the
 * interaction token) and the whole request body. The copy keeps the error's class, so the log
 * still names its type, and only the facts needed to diagnose it.
 */
export function loggableError(err: unknown): unknown {
  if (!(err instanceof DiscordAPIError || err instanceof HTTPError)) return err;
  const safe = Object.create(Object.getPrototypeOf(err) as object) as Record<string, unknown>;
  return Object.assign(safe, {
    message: err.message,
    ...(err instanceof DiscordAPIError ? { code: err.code } : {}),
    status: err.status,
    method: err.method,
    url: redactDiscordUrl(err.url),
    stack: err.stack ? redactDiscordUrl(err.stack) : undefined,
  });
}

/**
 * Interactions shaped before Discord added a field, as discord.js 14 needs it to build them:
 * without `entitlements` or `authorizing_integration_owners` it throws inside the gateway handler,
 * outside anything Steward can catch (an unhandled rejection that ends the process); without the
 * command's `data.type` (older chat-input payloads) it drops the interaction unanswered. Defaults
 * are filled in on the raw packet, which discord.js hands to `raw` listeners before building it.
 */
export function normaliseInteractionPacket(packet: { t?: string | null; d?: unknown }): void {
  if (packet?.t !== 'INTERACTION_CREATE' || !packet.d || typeof packet.d !== 'object') return;
  const d = packet.d as { type?: number; data?: { type?: number } | null; entitlements?: unknown; authorizing_integration_owners?: unknown };
  d.entitlements ??= [];
  d.authorizing_integration_owners ??= {};
  if (d.type === InteractionType.ApplicationCommand && d.data && typeof d.data === 'object') d.data.type ??= ApplicationCommandType.ChatInput;
}

export function createDiscordAdapter(opts: DiscordOptions, deps: { dispatcher: Dispatcher; render: DiscordRenderer; log: Logger }): DiscordAdapter {
  const { dispatcher, render, log } = deps;
  const dlog = log.child({ platform: 'discord' });
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: opts.apiUrl ? { api: opts.apiUrl } : {},
    allowedMentions: { parse: [] },
  });
  let ready = false;

  const inv = (i: Interaction): Invocation => ({
    platform: 'discord',
    userId: i.user.id,
    userName: i.user.globalName ?? i.user.username,
    channelId: i.channelId ?? undefined,
    requestId: randomUUID(),
  });
  const payload = (reply: Reply) => {
    const m = render.reply(reply);
    return { embeds: m.embeds, components: m.components, allowedMentions: { parse: [] as never[] } };
  };

  async function onChatInput(i: ChatInputCommandInteraction) {
    if (!(COMMAND_NAMES as readonly string[]).includes(i.commandName)) return;
    const reply = await dispatcher.command(inv(i), i.commandName, interactionText(i));
    await i.reply({ ...payload(reply), flags: reply.visibility === 'ephemeral' ? MessageFlags.Ephemeral : undefined });
  }

  async function onButton(i: ButtonInteraction) {
    if (!i.customId.startsWith('st1|')) return;
    const reply = await dispatcher.action(inv(i), i.customId);
    if (reply.replaceOriginal) await i.update(payload(reply));
    else await i.reply({ ...payload(reply), flags: reply.visibility === 'ephemeral' ? MessageFlags.Ephemeral : undefined });
  }

  client.on(Events.Raw, normaliseInteractionPacket);
  client.on(Events.InteractionCreate, (i) => {
    const work = i.isChatInputCommand() ? onChatInput(i) : i.isButton() ? onButton(i) : undefined;
    work?.catch((err) => dlog.error({ err: loggableError(err), interaction: i.id }, 'discord interaction failed'));
  });
  client.on(Events.Error, (err) => dlog.error({ err: loggableError(err) }, 'discord client error'));
  client.on(Events.ShardDisconnect, () => {
    ready = false;
  });
  client.on(Events.ShardReady, () => {
    ready = true;
  });

  return {
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
