// Carries out paging side effects from the outbox: page messages to people and team channels,
// in-place edits of every copy as the page moves on, notes in the incident's war room, and the
// notice that a page could not escalate. A delivery is recorded under its send key, so a retried
// item never sends a second message.
import { type Reply, inChannel } from '../card.js';
import type { Directory } from '../directory.js';
import { type EffectHandler, handle } from '../outbox/effects.js';
import type { PagingAlerts } from '../alerts/links.js';
import type { PagingIncidents } from './links.js';
import { PageRefresh, PageRoom, PageSend, PageStepFailed } from './kinds.js';
import { type ChatGateway, RetryableError, gatewayOf } from '../chat/gateway.js';
import type { Clock, Platform, Store, Tx } from '../ports.js';
import { type StuckStep, pageCard } from './cards.js';
import type { Page } from './model.js';

/** The step set aside when the page could not escalate (every copy shows it), or null. */
async function stuckStep(tx: Tx, page: Page): Promise<StuckStep | null> {
  return (await tx.pages.steps(page.id)).filter((s) => s.state === 'failed').at(-1) ?? null;
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
  /** What every copy of the page card shows besides the page: the step set aside, the alert group's progress. */
  const extras = async (tx: Tx, page: Page) => ({
    stuck: await stuckStep(tx, page),
    detail: (await d.alerts?.()?.detail(tx, { key: page.key, number: page.number })) ?? null,
  });
  const gateway = (platform: Platform) => gatewayOf(d.gateways, platform);
  const load = async (n: number) => {
    const p = await d.store.transaction((tx) => tx.pages.byNumber(n));
    if (!p) throw new Error(`page ${n} not found`);
    return p;
  };

  /** Sends one copy of the page card (the caller checked `sendKey` is unsent), records it, brings it up to date. */
  async function deliver(
    page: Page,
    sendKey: string,
    gw: ChatGateway,
    send: (card: Reply) => Promise<{ channelId: string; messageId: string } | null>,
  ) {
    const x = await d.store.transaction((tx) => extras(tx, page));
    const sent = await send(inChannel(pageCard(d.dir(), page, x.stuck, x.detail)));
    if (!sent) return;
    const now = await d.store.transaction(async (tx) => {
      await tx.pages.addMessage(
        page.id,
        sendKey,
        { platform: gw.platform, channelId: sent.channelId, messageId: sent.messageId },
        d.clock.now(),
      );
      const p = await tx.pages.byId(page.id);
      return p && p.version !== page.version ? { page: p, ...(await extras(tx, p)) } : null;
    });
    // The page may have moved on while this was being sent: bring this copy up to date.
    if (now)
      await gw.edit(sent.channelId, sent.messageId, inChannel(pageCard(d.dir(), now.page, now.stuck, now.detail)));
  }

  /** One copy of the page card to one person (direct message) or team channel, once per send key, while the page is open. */
  async function sendCopy(
    x: { page: number; platform: Platform; to: string; kind: 'dm' | 'channel' },
    sendKey: string,
  ) {
    const [page, sent] = await d.store.transaction(
      async (tx) => [await tx.pages.byNumber(x.page), await tx.pages.hasMessage(sendKey)] as const,
    );
    if (!page) throw new Error(`page ${x.page} not found`);
    if (sent) return;
    // Acknowledged or resolved before this went out: nobody needs waking any more.
    if (page.status !== 'open') return;
    const gw = gateway(x.platform);
    const to = x.to;
    await deliver(page, sendKey, gw, (card) =>
      x.kind === 'dm' ? gw.dm(to, card) : gw.post(to, card).then((r) => ({ channelId: to, ...r })),
    );
  }

  return [
    /** One page message to one person (direct message) or team channel, on one platform. */
    handle(PageSend, (x) => sendCopy(x, `${x.page}:${x.seq}:${x.platform}:${x.to}`)),

    /**
     * The page could not escalate (a step was set aside): its team channel, or whoever paged, gets
     * the page card saying so, kept current like every other copy.
     */
    handle(PageStepFailed, (x) => sendCopy(x, `${x.page}:${x.seq}:failed:${x.platform}:${x.to}`)),

    /** Every copy of the page, on every platform, edited to its current state. */
    handle(PageRefresh, async (x) => {
      const page = await load(x.page);
      // A newer refresh is queued for the newer version; it will do this work.
      if (page.version > x.version) return;
      const [messages, shown] = await d.store.transaction(
        async (tx) => [await tx.pages.messages(page.id), await extras(tx, page)] as const,
      );
      const card = inChannel(pageCard(d.dir(), page, shown.stuck, shown.detail));
      for (const m of messages) {
        const gw = d.gateways.get(m.platform);
        if (gw) await gw.edit(m.channelId, m.messageId, card);
      }
    }),

    /** The page card in its incident's war room (once the room exists), edited like the others. */
    handle(PageRoom, async (x) => {
      const page = await load(x.page);
      const room = page.incidentNumber !== null ? await d.incidents()?.warRoom(page.incidentNumber) : null;
      if (!room) return;
      if (room.state === 'pending')
        throw new RetryableError(`the war room of INC-${page.incidentNumber} is not open yet`, 1_000);
      const channel = room.channelId;
      if (room.state !== 'ready' || !channel) return;
      if (await d.store.transaction((tx) => tx.pages.hasMessage(`${page.number}:room`))) return;
      await deliver(page, `${page.number}:room`, gateway(room.platform), (card) =>
        gateway(room.platform)
          .post(channel, card)
          .then((r) => ({ channelId: channel, ...r })),
      );
    }),
  ];
}
