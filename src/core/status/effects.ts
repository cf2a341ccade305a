// Carries out the status page's side effects from the outbox: each public event gets one message
// in each public announce channel when it comes into view, edited in place by its stored reference
// with every update. Safe to run again: a message is posted once per event and platform.
import { inChannel } from '../card.js';
import { type ChatGateway, RetryableError, gatewayOf } from '../chat/gateway.js';
import type { Directory } from '../directory.js';
import { type EffectHandler, handle } from '../outbox/effects.js';
import type { Clock, Platform, Store } from '../ports.js';
import { announceCard } from './cards.js';
import { StatusEdit, StatusPost } from './kinds.js';
import type { StatusEvent, StatusUpdate } from './model.js';
import type { EventView } from './page.js';

/** Where an event is announced on a platform: the policy's public channel (the console: its status channel). */
export function announceChannel(dir: Directory, platform: Platform): string | undefined {
  const sp = dir.policy.statusPage;
  if (!sp) return undefined;
  return platform === 'console' ? 'status' : sp.announce?.[platform];
}

export function statusEffects(d: {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  gateways: ReadonlyMap<Platform, ChatGateway>;
}): EffectHandler[] {
  /** The event with the updates shown now, as its message shows it. */
  const load = async (id: number) => {
    const now = d.clock.now();
    const r = await d.store.transaction(async (tx) => {
      const e = await tx.status.eventById(id);
      return e ? { e, updates: await tx.status.updates([e.id]) } : null;
    });
    if (!r) throw new Error(`status event ${id} not found`);
    return { ...r, now };
  };
  const view = (e: StatusEvent, updates: StatusUpdate[], now: Date): EventView => {
    const names = new Map((d.dir().policy.statusPage?.components ?? []).map((c) => [c.id, c.name]));
    return {
      e,
      updates: updates.filter((u) => u.displayAt <= now).reverse(),
      components: Object.entries(e.components).map(([id, status]) => ({ id, name: names.get(id) ?? id, status })),
    };
  };
  const card = (v: EventView) => inChannel(announceCard(d.dir().policy.statusPage?.url ?? '', v));
  return [
    handle(StatusPost, async (p) => {
      const { e, updates, now } = await load(p.event);
      // Withdrawn before it came into view: there is nothing to tell.
      if (e.withdrawnAt) return;
      // Due when it comes into view; a clock behind the one that queued it waits the difference.
      if (e.visibleFrom > now) throw new RetryableError('not in view yet', e.visibleFrom.getTime() - now.getTime());
      const channel = announceChannel(d.dir(), p.platform);
      if (!channel) return;
      if (await d.store.transaction((tx) => tx.status.messageOn(e.id, p.platform))) return;
      const gw = gatewayOf(d.gateways, p.platform);
      const { messageId } = await gw.post(channel, card(view(e, updates, now)));
      const after = await d.store.transaction(async (tx) => {
        await tx.status.addMessage(e.id, { platform: p.platform, channelId: channel, messageId }, d.clock.now());
        return tx.status.eventById(e.id);
      });
      // It moved on while the message was being posted: bring the message up to date.
      if (after && after.version !== e.version) {
        const again = await load(e.id);
        await gw.edit(channel, messageId, card(view(again.e, again.updates, again.now)));
      }
    }),
    handle(StatusEdit, async (p) => {
      const { e, updates, now } = await load(p.event);
      // A newer edit is queued for the newer version; it does this work.
      if (e.version > p.version) return;
      const m = await d.store.transaction((tx) => tx.status.messageOn(e.id, p.platform));
      // Not posted yet: the post shows the event as it is then.
      if (!m) return;
      await gatewayOf(d.gateways, p.platform).edit(m.channelId, m.messageId, card(view(e, updates, now)));
    }),
  ];
}
