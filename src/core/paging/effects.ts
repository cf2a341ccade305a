// Carries out paging side effects from the outbox: page messages to people and team channels,
// in-place edits of every copy as the page moves on, notes in the incident's war room, and the
// notice that a page could not escalate. A delivery is recorded under its send key, so a retried
// item never sends a second message.
import { inChannel } from '../card.js';
import type { Directory } from '../directory.js';
import { type EffectHandler, handle, handleMany } from '../outbox/effects.js';
import type { PagingAlerts } from '../alerts/links.js';
import type { PagingIncidents } from './links.js';
import { PageRefresh, PageRoom, PageSend, PageStepFailed } from './kinds.js';
import { type ChatGateway, RateLimitedError, RetryableError, gatewayOf } from '../chat/gateway.js';
import type { Clock, Platform, Store, Tx } from '../ports.js';
import { type StuckStep, pageCard } from './cards.js';
import type { Page } from './model.js';

/** One copy of a page card to send, and the key its delivery is recorded under. */
interface Copy {
  page: number;
  platform: Platform;
  to: string;
  kind: 'dm' | 'channel';
  sendKey: string;
}

export interface PagingEffectDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  gateways: ReadonlyMap<Platform, ChatGateway>;
  /** The incidents a page may belong to (absent: incidents are not composed). */
  incidents: () => PagingIncidents | undefined;
  /** The alert group a page may belong to (its progress shows on the page card). */
  alerts?: () => PagingAlerts | undefined;
}

export function pagingEffects(d: PagingEffectDeps): EffectHandler[] {
  const gateway = (platform: Platform) => gatewayOf(d.gateways, platform);
  const load = async (n: number) => {
    const p = await d.store.transaction((tx) => tx.pages.byNumber(n));
    if (!p) throw new Error(`page ${n} not found`);
    return p;
  };

  /** What every copy of each of these pages shows besides the page (one read for all of them), by page id. */
  async function extrasOf(tx: Tx, pages: readonly Page[]) {
    const stuck = await tx.pages.failedSteps(pages.filter((p) => p.status === 'open').map((p) => p.id));
    const alerts = d.alerts?.();
    const out = new Map<number, { stuck: StuckStep | null; detail: string | null }>();
    for (const p of pages)
      out.set(p.id, {
        stuck: stuck.get(p.id) ?? null,
        detail: (await alerts?.detail(tx, { key: p.key, number: p.number })) ?? null,
      });
    return out;
  }

  /**
   * Copies of page cards to people (direct messages) or team channels, once per send key, while
   * each page is open: the pages, what was sent already and what the cards show are read in one
   * transaction for the whole batch, the messages go out concurrently, and the deliveries are
   * recorded together; a copy whose page moved on meanwhile is then brought up to date.
   */
  async function sendCopies(
    xs: readonly Copy[],
    opts: { whileOpen: boolean } = { whileOpen: true },
  ): Promise<PromiseSettledResult<unknown>[]> {
    const read = await d.store.transaction(async (tx) => {
      const pages = await tx.pages.byNumbers([...new Set(xs.map((x) => x.page))]);
      const sent = await tx.pages.sentKeys(xs.map((x) => x.sendKey));
      return { pages: new Map(pages.map((p) => [p.number, p])), sent, shown: await extrasOf(tx, pages) };
    });
    const dir = d.dir();
    const sends = await Promise.allSettled(
      xs.map(async (x) => {
        const page = read.pages.get(x.page);
        if (!page) throw new Error(`page ${x.page} not found`);
        if (read.sent.has(x.sendKey)) return null;
        // Acknowledged or resolved before this went out: nobody needs waking any more.
        if (opts.whileOpen && page.status !== 'open') return null;
        const gw = gateway(x.platform);
        const shown = read.shown.get(page.id);
        const card = inChannel(pageCard(dir, page, shown?.stuck, shown?.detail));
        const sent = x.kind === 'dm' ? await gw.dm(x.to, card) : { channelId: x.to, ...(await gw.post(x.to, card)) };
        return sent ? { x, page, gw, sent } : null;
      }),
    );
    const delivered = sends.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
    if (!delivered.length) return sends;
    let moved: Map<number, { page: Page; stuck: StuckStep | null; detail: string | null }>;
    try {
      moved = await d.store.transaction(async (tx) => {
        await tx.pages.addMessages(
          delivered.map((v) => ({
            pageId: v.page.id,
            sendKey: v.x.sendKey,
            message: { platform: v.gw.platform, channelId: v.sent.channelId, messageId: v.sent.messageId },
          })),
          d.clock.now(),
        );
        const now = await tx.pages.byIds([...new Set(delivered.map((v) => v.page.id))]);
        const changed = now.filter((p) => p.version !== read.pages.get(p.number)?.version);
        const shown = await extrasOf(tx, changed);
        return new Map(changed.map((p) => [p.id, { page: p, ...shown.get(p.id)! }]));
      });
    } catch (err) {
      // Not recorded: every item of the batch is tried again.
      return xs.map(() => ({ status: 'rejected', reason: err }));
    }
    // The page may have moved on while these were being sent: bring those copies up to date.
    const edits = new Map(
      await Promise.all(
        delivered.map(async (v) => {
          const m = moved.get(v.page.id);
          if (!m) return [v.x, null] as const;
          try {
            await v.gw.edit(v.sent.channelId, v.sent.messageId, inChannel(pageCard(dir, m.page, m.stuck, m.detail)));
            return [v.x, null] as const;
          } catch (err) {
            return [v.x, err] as const;
          }
        }),
      ),
    );
    return sends.map((r, i) => {
      const failed = edits.get(xs[i]!);
      return failed ? { status: 'rejected', reason: failed } : r;
    });
  }

  /**
   * The page version each copy was last edited to by this process (bounded): a retried refresh
   * edits only the copies that did not take it, so a rate-limited platform is not asked again for
   * edits it already made. Another replica, or a restart, edits them again (edits are idempotent).
   */
  const edited = new Map<string, number>();
  const EDITED_MAX = 20_000;

  /** Edits the copies not yet at `version`, all of them even when some fail; throws what failed (a rate limit: the longest wait). */
  async function editCopies(
    messages: readonly { platform: Platform; channelId: string; messageId: string }[],
    version: number,
    card: ReturnType<typeof inChannel>,
  ): Promise<void> {
    const results = await Promise.allSettled(
      messages.map(async (m) => {
        const key = `${m.platform}:${m.channelId}:${m.messageId}`;
        if ((edited.get(key) ?? 0) >= version) return;
        const gw = d.gateways.get(m.platform);
        if (!gw) return;
        await gw.edit(m.channelId, m.messageId, card);
        edited.delete(key);
        edited.set(key, version);
        if (edited.size > EDITED_MAX) edited.delete(edited.keys().next().value!);
      }),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (!failed.length) return;
    const other = failed.find((e) => !(e instanceof RateLimitedError));
    if (other !== undefined) throw other instanceof Error ? other : new Error(`edit failed: ${JSON.stringify(other)}`);
    throw (failed as RateLimitedError[]).reduce((a, b) => ((b.retryAfterMs ?? 0) > (a.retryAfterMs ?? 0) ? b : a));
  }

  /** Every copy of each page, on every platform, edited to its current state (one read for the batch). */
  async function refresh(xs: readonly { page: number; version: number }[]): Promise<PromiseSettledResult<unknown>[]> {
    const read = await d.store.transaction(async (tx) => {
      const pages = await tx.pages.byNumbers([...new Set(xs.map((x) => x.page))]);
      // A newer refresh is queued for a newer version; it will do that page's work.
      const due = pages.filter((p) => xs.some((x) => x.page === p.number && x.version >= p.version));
      const messages = await tx.pages.messagesOf(due.map((p) => p.id));
      return { pages: new Map(pages.map((p) => [p.number, p])), messages, shown: await extrasOf(tx, due) };
    });
    const dir = d.dir();
    const done = new Map<number, Promise<void>>();
    return Promise.allSettled(
      xs.map((x) => {
        const page = read.pages.get(x.page);
        if (!page) return Promise.reject(new Error(`page ${x.page} not found`));
        if (page.version > x.version) return Promise.resolve();
        // Two items for one page and version edit its copies once.
        let work = done.get(page.id);
        if (!work) {
          const shown = read.shown.get(page.id);
          const card = inChannel(pageCard(dir, page, shown?.stuck, shown?.detail));
          work = editCopies(read.messages.get(page.id) ?? [], page.version, card);
          done.set(page.id, work);
        }
        return work;
      }),
    );
  }

  return [
    /** One page message to one person (direct message) or team channel, on one platform. */
    handleMany(PageSend, (xs) =>
      sendCopies(xs.map((x) => ({ ...x, sendKey: `${x.page}:${x.seq}:${x.platform}:${x.to}` }))),
    ),

    /**
     * The page could not escalate (a step was set aside): its team channel, or whoever paged, gets
     * the page card saying so, kept current like every other copy.
     */
    handleMany(PageStepFailed, (xs) =>
      sendCopies(xs.map((x) => ({ ...x, sendKey: `${x.page}:${x.seq}:failed:${x.platform}:${x.to}` }))),
    ),

    /** Every copy of the page, on every platform, edited to its current state. */
    handleMany(PageRefresh, refresh),

    /** The page card in its incident's war room (once the room exists), edited like the others. */
    handle(PageRoom, async (x) => {
      const page = await load(x.page);
      const room = page.incidentNumber !== null ? await d.incidents()?.warRoom(page.incidentNumber) : null;
      if (!room) return;
      if (room.state === 'pending')
        throw new RetryableError(`the war room of INC-${page.incidentNumber} is not open yet`, 1_000);
      const channel = room.channelId;
      if (room.state !== 'ready' || !channel) return;
      // The war room keeps the card whatever the page's state, edited like every other copy.
      const [r] = await sendCopies(
        [{ page: page.number, platform: room.platform, to: channel, kind: 'channel', sendKey: `${page.number}:room` }],
        { whileOpen: false },
      );
      if (r?.status === 'rejected') throw r.reason;
    }),
  ];
}
