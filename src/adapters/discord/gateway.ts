// The core's ChatGateway on Discord: war-room channels in the policy's incidents guild and
// category, member access by permission overwrites, posts (and thread replies), in-place edits,
// pins and direct messages, all rendered by DiscordRenderer with mentions switched off.
import {
  ChannelType,
  OverwriteType,
  type Client,
  type Message,
  type SendableChannels,
  type TextChannel,
  type ThreadChannel,
} from 'discord.js';
import type { Reply } from '../../core/card.js';
import { type ChatGateway, type CreateChannelResult, RetryableError } from '../../core/chat/gateway.js';
import type { Logger } from '../../observability/logger.js';
import type { DiscordRenderer } from '../../render/discord/message.js';
import { DiscordCode, classify, discordCode, loggableError, restStep } from './errors.js';

/** Where war rooms are created (policy `incidents.discord`). */
export interface IncidentsGuild {
  guild: string;
  category?: string;
}

/** Discord's limits on channel topics and thread names. */
export const CHANNEL_TOPIC_MAX = 1024;
export const THREAD_NAME_MAX = 100;
/** Updates threads archive after a day without messages (Steward reopens them when it posts). */
export const THREAD_ARCHIVE_MINUTES = 1440;

/** What an invited person may do in a war room. */
const WAR_ROOM_ACCESS = {
  ViewChannel: true,
  SendMessages: true,
  ReadMessageHistory: true,
  AddReactions: true,
} as const;

const SNOWFLAKE = /^\d{15,21}$/;
/** Invite failures that concern one person only. */
const SKIP_INVITE = new Set<number>([
  DiscordCode.UnknownMember,
  DiscordCode.UnknownUser,
  DiscordCode.MissingPermissions,
  DiscordCode.MissingAccess,
]);

/** Discord lower-cases text channel names and turns spaces into dashes. */
const discordChannelName = (name: string) => name.trim().toLowerCase().replace(/\s+/g, '-');

export class DiscordGateway implements ChatGateway {
  readonly platform = 'discord' as const;

  constructor(
    private readonly client: Client,
    private readonly render: DiscordRenderer,
    /** The policy's war-room guild and category, read at each use (a policy reload moves them). */
    private readonly incidentsGuild: () => IncidentsGuild | undefined,
    private readonly log: Logger,
  ) {}

  private payload(reply: Reply) {
    const m = this.render.reply(reply);
    return { embeds: m.embeds, components: m.components, allowedMentions: { parse: [] as never[] } };
  }

  async createChannel(name: string, topic: string): Promise<CreateChannelResult> {
    const where = this.incidentsGuild();
    if (!where)
      return {
        ok: false,
        reason: 'not_configured',
        message: 'No Discord server for war rooms is configured (policy incidents.discord.guild)',
      };
    const guild = this.client.guilds.cache.get(where.guild);
    if (!guild)
      return {
        ok: false,
        reason: 'forbidden',
        message: `Steward is not a member of the Discord server ${where.guild}`,
      };
    if (!guild.available) throw new RetryableError(`Discord server ${guild.id} is unavailable (outage)`);
    const category = where.category;
    if (category && guild.channels.cache.get(category)?.type !== ChannelType.GuildCategory)
      return {
        ok: false,
        reason: 'not_configured',
        message: `The category ${category} for war rooms does not exist in the Discord server ${guild.id}`,
      };

    const wanted = discordChannelName(name);
    const sameName = guild.channels.cache.find((c) => c.type === ChannelType.GuildText && c.name === wanted);
    if (sameName) {
      // A rerun after a crash between creating the channel and recording it finds its own channel
      // (same name, same category, same topic) and adopts it instead of opening a second one.
      if (
        (sameName.parentId ?? undefined) === category &&
        (sameName as TextChannel).topic === topic.slice(0, CHANNEL_TOPIC_MAX)
      )
        return { ok: true, channelId: sameName.id, name: sameName.name };
      return { ok: false, reason: 'name_taken', message: `#${wanted} already exists` };
    }
    try {
      const ch = await guild.channels.create({
        name: wanted,
        type: ChannelType.GuildText,
        parent: category,
        topic: topic.slice(0, CHANNEL_TOPIC_MAX),
        reason: 'Incident war room',
      });
      return { ok: true, channelId: ch.id, name: ch.name };
    } catch (err) {
      const code = discordCode(err);
      if (code === DiscordCode.MissingPermissions || code === DiscordCode.MissingAccess)
        return {
          ok: false,
          reason: 'forbidden',
          message: `Discord refused to create #${wanted}: ${(err as Error).message} (Steward needs Manage Channels in the server or category)`,
        };
      if (code === DiscordCode.InvalidFormBody)
        return {
          ok: false,
          reason: 'invalid_name',
          message: `Discord refused the channel #${wanted}: ${(err as Error).message}`,
        };
      this.log.warn({ err: loggableError(err), name: wanted }, 'discord war room not created');
      throw classify('create channel', err);
    }
  }

  async invite(channelId: string, userIds: string[]): Promise<void> {
    const channel = await restStep('invite', () => this.client.channels.fetch(channelId));
    if (!channel || channel.type !== ChannelType.GuildText)
      throw new Error(`invite: ${channelId} is not a guild text channel`);
    for (const id of new Set(userIds)) {
      if (!SNOWFLAKE.test(id)) {
        this.log.warn({ channel: channelId, user: id }, 'discord invite skipped: not a Discord user id');
        continue;
      }
      try {
        await channel.guild.members.fetch(id);
        await channel.permissionOverwrites.edit(id, WAR_ROOM_ACCESS, {
          type: OverwriteType.Member,
          reason: 'Invited to the incident war room',
        });
      } catch (err) {
        if (!SKIP_INVITE.has(discordCode(err) ?? 0)) throw classify('invite', err);
        // Not in the server, or Steward may not grant access: the others still get in.
        this.log.warn({ err: loggableError(err), channel: channelId, user: id }, 'discord invite skipped');
      }
    }
  }

  async post(channelId: string, reply: Reply, opts?: { threadOf?: string }): Promise<{ messageId: string }> {
    const channel = await this.sendable(channelId);
    const target = opts?.threadOf ? await this.threadOf(channel, opts.threadOf) : channel;
    const sent = await restStep('post', () => target.send(this.payload(reply)));
    return { messageId: sent.id };
  }

  async edit(channelId: string, messageId: string, reply: Reply): Promise<void> {
    const channel = await this.sendable(channelId);
    try {
      await channel.messages.edit(messageId, this.payload(reply));
    } catch (err) {
      // Someone deleted the message: there is nothing left to keep current.
      if (discordCode(err) === DiscordCode.UnknownMessage)
        return void this.log.warn({ channel: channelId, message: messageId }, 'discord message to edit is gone');
      throw classify('edit', err);
    }
  }

  async pin(channelId: string, messageId: string): Promise<void> {
    const channel = await this.sendable(channelId);
    await restStep('pin', () => channel.messages.pin(messageId, 'Incident summary'));
  }

  async dm(userId: string, reply: Reply): Promise<{ channelId: string; messageId: string } | null> {
    try {
      const sent = await this.client.users.send(userId, this.payload(reply));
      return { channelId: sent.channelId, messageId: sent.id };
    } catch (err) {
      const code = discordCode(err);
      // Closed DMs or an unknown user will not change by retrying: note it and move on.
      if (code === DiscordCode.CannotDmUser || code === DiscordCode.UnknownUser)
        return (
          this.log.warn({ user: userId, code, err: loggableError(err) }, 'discord direct message not delivered'),
          null
        );
      throw classify('direct message', err);
    }
  }

  private async sendable(channelId: string): Promise<SendableChannels & TextChannel> {
    const channel = await restStep('fetch channel', () => this.client.channels.fetch(channelId));
    if (!channel?.isSendable() || !('messages' in channel))
      throw new Error(`${channelId} is not a channel Steward can post in`);
    return channel as SendableChannels & TextChannel;
  }

  /** The thread started from `messageId` (its id is the message's), created on first use. */
  private async threadOf(channel: TextChannel, messageId: string): Promise<ThreadChannel> {
    const known = this.client.channels.cache.get(messageId);
    if (known?.isThread()) return this.reopen(known);
    const message: Message = await restStep('fetch message', () =>
      channel.messages.fetch({ message: messageId, force: true }),
    );
    if (message.hasThread) {
      const thread = await restStep('fetch thread', () => this.client.channels.fetch(messageId));
      if (thread?.isThread()) return this.reopen(thread);
    }
    const name = (message.embeds[0]?.title ?? 'Incident updates').slice(0, THREAD_NAME_MAX);
    try {
      return await message.startThread({
        name,
        autoArchiveDuration: THREAD_ARCHIVE_MINUTES,
        reason: 'Incident updates',
      });
    } catch (err) {
      // Started in the meantime (another replica, or a retried post): use that one.
      if (discordCode(err) !== DiscordCode.ThreadAlreadyCreated) throw classify('start thread', err);
      const thread = await restStep('fetch thread', () => this.client.channels.fetch(messageId));
      if (!thread?.isThread()) throw new Error(`thread of message ${messageId} not found`, { cause: err });
      return thread;
    }
  }

  private async reopen(thread: ThreadChannel): Promise<ThreadChannel> {
    if (thread.archived && !thread.locked)
      await restStep('unarchive thread', () => thread.setArchived(false, 'Incident update'));
    return thread;
  }
}
