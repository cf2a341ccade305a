// Messages marked 📌 or pinned in a war room join the incident's timeline with their original
// author and time. Reactions and pin updates come from the gateway; deduplication is per message
// in the store, so a second reaction or a re-read of the pins adds nothing.
import {
  Events,
  type Client,
  type Message,
  type MessageReaction,
  type PartialMessage,
  type PartialMessageReaction,
  type TextBasedChannel,
} from 'discord.js';
import type { Logger } from '../../observability/logger.js';
import type { Dispatcher } from '../shared/dispatch.js';
import { loggableError } from './errors.js';

export const PIN_EMOJI = '📌';
/** Pages of pinned messages read after a pin update (Discord keeps at most 250 pins; 50 a page). */
export const PIN_PAGES = 5;

export function watchPins(
  client: Client,
  deps: { dispatcher: Dispatcher; log: Logger; guildId: () => string | undefined },
): void {
  const { dispatcher, log, guildId } = deps;
  // War rooms live in the incidents guild only; anything elsewhere is not Steward's business. The
  // policy's `access.discord.guilds`, when set, must list it too (asked at each event: a policy
  // reload moves the binding).
  const inScope = (id: string | null, user?: string) =>
    !!id && id === guildId() && !dispatcher.refuse({ platform: 'discord', guild: id, kind: 'event' }, user);

  async function record(message: Message | PartialMessage) {
    const m = message.partial ? await message.fetch() : message;
    if (m.author.id === client.user?.id) return; // Steward's own summary card
    const text = m.content || m.attachments.map((a) => a.name).join(', ') || m.embeds[0]?.title || '(no text)';
    await dispatcher.pinned('discord', m.channelId, {
      messageId: m.id,
      authorId: m.author.id,
      authorName: m.member?.displayName ?? m.author.globalName ?? m.author.username,
      text,
      at: m.createdAt,
    });
  }

  async function onReaction(reaction: MessageReaction | PartialMessageReaction, user: { id: string }) {
    if (reaction.emoji.name !== PIN_EMOJI || !inScope(reaction.message.guildId, user.id)) return;
    await record(reaction.message);
  }

  async function onPinsUpdate(channel: TextBasedChannel) {
    if (channel.isDMBased() || !inScope(channel.guildId) || !('messages' in channel)) return;
    let before: number | undefined;
    for (let page = 0; page < PIN_PAGES; page++) {
      const { items, hasMore } = await channel.messages.fetchPins({ cache: false, ...(before ? { before } : {}) });
      for (const item of items) await record(item.message);
      if (!hasMore || !items.length) break;
      before = items[items.length - 1]!.pinnedTimestamp;
    }
  }

  client.on(Events.MessageReactionAdd, (reaction, user) => {
    onReaction(reaction, user).catch((err) =>
      log.error({ err: loggableError(err), message: reaction.message.id }, 'discord 📌 reaction not recorded'),
    );
  });
  client.on(Events.ChannelPinsUpdate, (channel) => {
    onPinsUpdate(channel).catch((err) =>
      log.error({ err: loggableError(err), channel: channel.id }, 'discord pins not read'),
    );
  });
}
