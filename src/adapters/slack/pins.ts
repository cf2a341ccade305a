// Events API: a message pinned, or marked with 📌, in a channel joins the incident timeline of
// that channel's war room with its original author and time. Redeliveries are harmless: the
// store keeps one entry per message.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs, types, webApi } from '@slack/bolt';
import type { Logger } from '../../observability/logger.js';
import type { Dispatcher } from '../shared/dispatch.js';
import { slackFailure } from './gateway.js';

type WebClient = webApi.WebClient;

/** Reactions that mark a message for the timeline (📌 is `pushpin`). */
export const PIN_REACTIONS: ReadonlySet<string> = new Set(['pushpin']);

/** The parts of a Slack message the timeline keeps. */
interface SlackMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  username?: string;
  text?: string;
  user_profile?: { real_name?: string; display_name?: string };
}

/** The events that add to an incident's timeline: a 📌 reaction, a pinned message. */
export const PIN_EVENTS = /^(?:reaction_added|pin_added)$/;

export interface PinDeps {
  dispatcher: Dispatcher;
  log: Logger;
}

/** Handles a `reaction_added` or `pin_added` event (PIN_EVENTS). */
export function pinEvents(deps: PinDeps): (args: SlackEventMiddlewareArgs & AllMiddlewareArgs) => Promise<void> {
  const { dispatcher, log } = deps;

  const record = async (
    channel: string,
    ts: string,
    msg: SlackMessage,
    fallbackAuthor: string | undefined,
    pinnedBy: string | undefined,
  ) => {
    const added = await dispatcher.pinned('slack', channel, {
      messageId: ts,
      authorId: msg.user ?? fallbackAuthor ?? msg.bot_id ?? 'unknown',
      authorName: msg.user_profile?.real_name || msg.user_profile?.display_name || msg.username || null,
      text: msg.text ?? '',
      at: new Date(Number(ts) * 1000),
      pinnedBy,
    });
    log.info({ platform: 'slack', channel, ts, added }, 'pinned message');
  };

  const onReaction = async (event: types.ReactionAddedEvent, client: WebClient) => {
    if (!PIN_REACTIONS.has(event.reaction) || event.item.type !== 'message') return;
    const { channel, ts } = event.item;
    const msg = await readMessage(client, channel, ts, log);
    if (msg) await record(channel, ts, msg, event.item_user, event.user);
  };

  const onPin = async (event: types.PinAddedEvent, client: WebClient) => {
    const item = event.item as { type?: string; channel?: string; message?: SlackMessage } | undefined;
    const channel = item?.channel ?? event.channel_id;
    if (item?.type !== 'message' || !channel) return;
    const ts = item.message?.ts;
    if (!ts) return;
    // The event carries the message; read it only when it came without its text.
    const msg = item.message?.text !== undefined ? item.message : await readMessage(client, channel, ts, log);
    if (msg) await record(channel, ts, msg, (event as { item_user?: string }).item_user, event.user);
  };

  return async ({ event, client }) => {
    if (event.type === 'reaction_added') await onReaction(event, client);
    else if (event.type === 'pin_added') await onPin(event, client);
  };
}

/**
 * One message by its ts: conversations.history up to and including it, or, for a reply in a
 * thread (history lists top-level messages only), conversations.replies.
 */
export async function readMessage(
  client: WebClient,
  channel: string,
  ts: string,
  log: Logger,
): Promise<SlackMessage | undefined> {
  try {
    const history = await client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 });
    const top = history.messages?.find((m) => m.ts === ts);
    if (top) return top;
    const thread = await client.conversations.replies({
      channel,
      ts,
      latest: ts,
      oldest: ts,
      inclusive: true,
      limit: 2,
    });
    return thread.messages?.find((m) => m.ts === ts);
  } catch (err) {
    log.warn({ platform: 'slack', channel, ts, err: slackFailure(err).message }, 'pinned message not read');
    return undefined;
  }
}
