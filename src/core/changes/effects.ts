// Carries out change side effects from the outbox: the card in team channels, each approver's
// request, and in-place edits of every copy as the change is decided and runs. A delivery is
// recorded under its send key, so a retried item never sends a second message.
import { inChannel } from '../card.js';
import { gatewayOf } from '../chat/gateway.js';
import { type EffectHandler, handle } from '../outbox/effects.js';
import type { Clock, Store } from '../ports.js';
import type { ChatGateway } from '../chat/gateway.js';
import type { Platform } from '../platform.js';
import { changeCard } from './cards.js';
import { ChangeRefresh, ChangeSend } from './kinds.js';
import type { ChangeService } from './service.js';

export function changeEffects(d: {
  store: Store;
  clock: Clock;
  service: ChangeService;
  dir: () => import('../directory.js').Directory;
  gateways: ReadonlyMap<Platform, ChatGateway>;
}): EffectHandler[] {
  const card = async (n: number) => {
    const v = await d.service.load(n);
    if (!v.ok) throw new Error(`change ${n} not found`);
    return v.value;
  };
  return [
    handle(ChangeSend, async (x) => {
      const sendKey = `${x.change}:${x.kind}:${x.platform}:${x.to}`;
      if (await d.store.transaction((tx) => tx.changes.hasMessage(sendKey))) return;
      const v = await card(x.change);
      const gw = gatewayOf(d.gateways, x.platform);
      const reply = inChannel(changeCard(d.dir(), v));
      const sent =
        x.kind === 'approver' ? await gw.dm(x.to, reply) : { channelId: x.to, ...(await gw.post(x.to, reply)) };
      if (!sent) return;
      const now = await d.store.transaction(async (tx) => {
        await tx.changes.addMessage(
          v.c.id,
          sendKey,
          {
            kind: x.kind,
            personId: x.person ?? null,
            platform: x.platform,
            channelId: sent.channelId,
            messageId: sent.messageId,
          },
          d.clock.now(),
        );
        return tx.changes.byNumber(x.change);
      });
      // Decided meanwhile: bring this copy up to date.
      if (now && now.version !== v.c.version)
        await gw.edit(sent.channelId, sent.messageId, inChannel(changeCard(d.dir(), await card(x.change))));
    }),
    handle(ChangeRefresh, async (x) => {
      const v = await card(x.change);
      // A newer refresh is queued for the newer version; it does this work.
      if (v.c.version > x.version) return;
      const reply = inChannel(changeCard(d.dir(), v));
      for (const m of await d.store.transaction((tx) => tx.changes.messages(v.c.id))) {
        const gw = d.gateways.get(m.platform);
        if (gw) await gw.edit(m.channelId, m.messageId, reply);
      }
    }),
  ];
}
