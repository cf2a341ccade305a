// The console as a chat platform for side effects: channels, posts, edits, pins and DMs are
// printed, so the whole incident flow can be followed locally.
import type { Reply } from '../../core/card.js';
import type { ChatGateway, CreateChannelResult } from '../../core/chat/gateway.js';

export interface ConsoleScreen {
  /** Prints a rendered reply under a heading; its buttons become the current numbered ones. */
  show(heading: string, reply: Reply): void;
  note(line: string): void;
  /** The channel the console user is in (commands act there). */
  enter(channel: string): void;
}

export class ConsoleGateway implements ChatGateway {
  readonly platform = 'console' as const;
  private readonly channels = new Set<string>(['incidents']);
  private seq = 0;
  private dmSeq = 0;
  private readonly titles = new Map<string, string>();

  constructor(
    private readonly screen: ConsoleScreen,
    private readonly self: string,
  ) {}

  /** Records a line the user typed in a channel; returns its message id (for /pin). */
  say(): string {
    return String(++this.seq);
  }

  async createChannel(name: string, _topic?: string): Promise<CreateChannelResult> {
    if (this.channels.has(name)) return { ok: false, reason: 'name_taken', message: `#${name} exists` };
    this.channels.add(name);
    this.screen.note(`── #${name} opened ──`);
    this.screen.enter(name);
    return { ok: true, channelId: name, name };
  }

  async invite(channelId: string, userIds: string[]) {
    this.screen.note(`#${channelId}: invited ${userIds.join(', ')}`);
  }

  async post(channelId: string, reply: Reply, opts?: { threadOf?: string }) {
    const id = String(++this.seq);
    this.titles.set(`${channelId}:${id}`, reply.cards[0]?.title ?? '');
    this.screen.show(
      `[#${channelId}${opts?.threadOf ? ` › thread of message ${opts.threadOf}` : ''}] message ${id}`,
      reply,
    );
    return { messageId: id };
  }

  async edit(channelId: string, messageId: string, reply: Reply) {
    const where = channelId.startsWith('@') ? `direct message to ${channelId.slice(1)}` : `#${channelId}`;
    this.screen.note(`↻ ${where} message ${messageId} updated: ${reply.cards[0]?.title ?? ''}`);
  }

  async pin(channelId: string, messageId: string) {
    this.screen.note(`📌 #${channelId}: message ${messageId} pinned`);
  }

  async dm(userId: string, reply: Reply) {
    // Direct messages are numbered apart from channel messages (whose numbers /pin uses).
    const id = String(++this.dmSeq);
    this.screen.show(`[direct message to ${userId}${userId === this.self ? ' (you)' : ''}] message ${id}`, reply);
    return { channelId: `@${userId}`, messageId: id };
  }
}
