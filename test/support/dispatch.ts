// A domain's chat behaviour without the wire: the real dispatcher (mentions rewritten, the command
// parsed, the platform binding and access decided, the operation run, errors turned into replies)
// in front of a Steward, with buttons clicked through the real action codec and forms submitted
// through the real form codec. Where the wire is the subject, the *.e2e.test.ts files drive the
// real Bolt and discord.js instead.
import { ApplicationCommandOptionType, type ChatInputCommandInteraction } from 'discord.js';
import { interactionText, optionError } from '../../src/adapters/discord/interactions.js';
import { createDispatcher } from '../../src/adapters/shared/dispatch.js';
import { type Form, type Reply, plain } from '../../src/core/card.js';
import type { ChatGateway, CreateChannelResult } from '../../src/core/chat/gateway.js';
import type { Invocation } from '../../src/core/context.js';
import type { Platform } from '../../src/core/platform.js';
import type { Steward } from '../../src/core/steward.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { ActionCodec } from '../../src/render/action-codec.js';
import { encodeForm } from '../../src/render/form-codec.js';
import { errorReply } from '../../src/render/outcome.js';

/** A Discord option as the user filled it in: a string, a number, or a typed value (`{ type: 6, value: id }` for a user). */
export type DiscordOption = string | number | boolean | { type: number; value: string | number | boolean };

let seq = 0;

export function chatOf(steward: Steward) {
  const actions = new ActionCodec(steward.registry);
  const logs: string[] = [];
  const log = createLogger({ level: 'warn', secrets: [], destination: { write: (s: string) => void logs.push(s) } });
  const dispatcher = createDispatcher({ steward, actions, metrics: new Metrics({ defaults: false }), log });
  const inv = (platform: Invocation['platform'], userId: string, channelId = 'C0GENERAL'): Invocation => ({
    platform,
    userId,
    channelId,
    requestId: `chat-${++seq}`,
  });
  const actionId = (reply: Reply, label: string) => {
    const button = reply.cards.flatMap((c) => c.buttons ?? []).find((b) => b.label === label);
    if (!button) throw new Error(`no button "${label}" in ${reply.cards.map((c) => c.title).join(' / ')}`);
    return actions.encode(button.command);
  };
  return {
    dispatcher,
    logs,
    /** A slash command with its text as the platform sends it (`/alert` → `alert`), in #general or `channelId`. */
    command: (platform: Invocation['platform'], userId: string, name: string, text: string, channelId?: string) =>
      dispatcher.command(inv(platform, userId, channelId), name, text),
    /**
     * A Discord slash command with its options as the user filled them in, turned into the text the
     * grammar reads by the Discord adapter's own code (`/page service service:checkout message:…`).
     */
    discord(
      userId: string,
      name: string,
      subcommand: string | null,
      options: Record<string, DiscordOption> = {},
      channelId?: string,
    ) {
      const leaf = Object.entries(options).map(([n, v]) =>
        typeof v === 'object'
          ? { name: n, type: v.type, value: v.value }
          : {
              name: n,
              type:
                typeof v === 'boolean'
                  ? ApplicationCommandOptionType.Boolean
                  : typeof v === 'number'
                    ? ApplicationCommandOptionType.Integer
                    : ApplicationCommandOptionType.String,
              value: v,
            },
      );
      const data = subcommand
        ? [{ name: subcommand, type: ApplicationCommandOptionType.Subcommand, options: leaf }]
        : leaf;
      const i = {
        options: { data, getSubcommand: () => subcommand },
      } as unknown as Pick<ChatInputCommandInteraction, 'options'>;
      const decl = dispatcher.registry.commands.get(name);
      const invalid = optionError(i, decl);
      return invalid
        ? Promise.resolve(errorReply(invalid))
        : dispatcher.command(inv('discord', userId, channelId), name, interactionText(i, decl));
    },
    /** A click on the button labelled `label` in `reply`, its id encoded as the renderers encode it. */
    click(platform: Invocation['platform'], userId: string, reply: Reply, label: string, channelId?: string) {
      return dispatcher.action(inv(platform, userId, channelId), actionId(reply, label));
    },
    /** The id the renderers give the button labelled `label` in `reply` (`st1|page.ack|1`). */
    actionId,
    /** The ids of every button of `reply`, in order. */
    actionIds: (reply: Reply) => reply.cards.flatMap((c) => c.buttons ?? []).map((b) => actions.encode(b.command)),
    /** A form submitted with `values` (field id → value). */
    submit: (
      platform: Invocation['platform'],
      userId: string,
      form: Form,
      values: Record<string, string>,
      channelId?: string,
    ) => dispatcher.submit(inv(platform, userId, channelId), encodeForm(form.target), values),
  };
}

/** The text of a reply's cards: titles, bodies and fields, for assertions. */
export function replyText(r: Reply): string {
  return r.cards
    .flatMap((c) => [
      c.title,
      ...(c.body ?? []).map((s) => ('v' in s ? s.v : '')),
      ...(c.fields ?? []).map((f) => `${f.label}: ${f.value.map((s) => ('v' in s ? s.v : '')).join('')}`),
    ])
    .join('\n');
}

/** The error code of a refusal (`AUTH.FORBIDDEN`), as the small print under its card; '' for none. */
export function codeOf(r: Reply): string {
  return r.cards[0]?.context ? plain(r.cards[0].context) : '';
}

/** A message the recorder was asked to send: where it went, as sent and as each edit left it. */
export interface Recorded {
  /** `payments` for a channel, `@bob` for a direct message. */
  channelId: string;
  messageId: string;
  /** The message whose thread it was posted in. */
  threadOf?: string;
  versions: Reply[];
}

/**
 * A chat platform for side effects that keeps everything it was asked to do: channels opened (the
 * id is the name), invitations, every message sent (with the reply, so a test can click its
 * buttons) and every edit (with the reply it became), pins. Its lines read like the console's.
 * `platform` is the platform it stands for (war rooms open on the platform the incident came from).
 */
export class ChatRecorder implements ChatGateway {
  /** Title lines: `[direct message to bob] message 1 :: …`, `[#payments] message 2 :: …`, `↻ …` edits. */
  readonly log: string[] = [];
  readonly messages: Recorded[] = [];
  readonly edited: { channelId: string; messageId: string; reply: Reply }[] = [];
  /** Channels opened, by id: their topic and who was invited. */
  readonly channels = new Map<string, { topic: string; members: string[] }>();
  readonly pins: { channelId: string; messageId: string }[] = [];
  private seq = 0;
  private dmSeq = 0;

  constructor(readonly platform: Platform = 'console') {}

  async createChannel(name: string, topic: string): Promise<CreateChannelResult> {
    if (this.channels.has(name)) return { ok: false, reason: 'name_taken', message: `#${name} exists` };
    this.channels.set(name, { topic, members: [] });
    this.log.push(`── #${name} opened ──`);
    return { ok: true, channelId: name, name };
  }
  async invite(channelId: string, userIds: string[]) {
    this.channels.get(channelId)?.members.push(...userIds);
    this.log.push(`#${channelId}: invited ${userIds.join(', ')}`);
  }
  async post(channelId: string, reply: Reply, opts?: { threadOf?: string }) {
    const messageId = String(++this.seq);
    this.log.push(
      `[#${channelId}${opts?.threadOf ? ` › thread of message ${opts.threadOf}` : ''}] message ${messageId} :: ${reply.cards[0]?.title}`,
    );
    this.messages.push({ channelId, messageId, threadOf: opts?.threadOf, versions: [reply] });
    return { messageId };
  }
  async edit(channelId: string, messageId: string, reply: Reply) {
    this.edited.push({ channelId, messageId, reply });
    this.messages.find((m) => m.channelId === channelId && m.messageId === messageId)?.versions.push(reply);
    const where = channelId.startsWith('@') ? `direct message to ${channelId.slice(1)}` : `#${channelId}`;
    this.log.push(`↻ ${where} message ${messageId} updated: ${reply.cards[0]?.title ?? ''}`);
  }
  async pin(channelId: string, messageId: string) {
    this.pins.push({ channelId, messageId });
    this.log.push(`📌 #${channelId}: message ${messageId} pinned`);
  }
  async dm(userId: string, reply: Reply) {
    // Direct messages are numbered apart from channel messages.
    const messageId = String(++this.dmSeq);
    const channelId = `@${userId}`;
    this.log.push(`[direct message to ${userId}] message ${messageId} :: ${reply.cards[0]?.title}`);
    this.messages.push({ channelId, messageId, versions: [reply] });
    return { channelId, messageId };
  }

  /** Direct messages to `person` (title lines), in order; `about` keeps those whose title contains it. */
  dms(person: string, about?: string) {
    return this.log.filter((l) => l.startsWith(`[direct message to ${person}]`) && (!about || l.includes(about)));
  }
  posts(channel: string, about?: string) {
    return this.log.filter((l) => l.startsWith(`[#${channel}]`) && (!about || l.includes(about)));
  }
  /** The replies sent to `person` directly (`about`: whose title contains it), as sent, in order. */
  dmReplies(person: string, about?: string): Reply[] {
    return this.sentTo(`@${person}`, about).map((m) => m.versions[0]!);
  }
  /** Messages sent to `channelId` (`@person` for direct messages) whose first title contains `about`. */
  sentTo(channelId: string, about?: string): Recorded[] {
    return this.messages.filter(
      (m) => m.channelId === channelId && (!about || (m.versions[0]!.cards[0]?.title ?? '').includes(about)),
    );
  }
  /** Every message whose first title starts with `prefix` (`CHG-1 · `), wherever it went. */
  copies(prefix: string): Recorded[] {
    return this.messages.filter((m) => (m.versions[0]!.cards[0]?.title ?? '').startsWith(prefix));
  }
  /** What the message `messageId` in `channelId` (`@person` for a direct message) was last edited to. */
  current(channelId: string, messageId: string): Reply | undefined {
    return this.edited.filter((e) => e.channelId === channelId && e.messageId === messageId).at(-1)?.reply;
  }
}

/** A reply as Slack's notification text reads it: each card's title, then `: ` and its body. */
export function said(r: Reply): string {
  return r.cards.map((c) => [c.title, c.body ? plain(c.body) : ''].filter(Boolean).join(': ')).join('\n');
}
