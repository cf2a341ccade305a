// Carries out risk exception side effects from the outbox: each approver's request and each
// owner's expiry notice by direct message, and in-place edits of every approver's copy as the
// exception is decided and expires. A delivery is recorded under its send key, so a retried item
// never sends a second message.
import { inChannel } from '../../card.js';
import { type ChatGateway, gatewayOf } from '../../chat/gateway.js';
import type { Directory } from '../../directory.js';
import { type EffectHandler, handle } from '../../outbox/effects.js';
import type { Platform } from '../../platform.js';
import type { Clock, Store } from '../../ports.js';
import { exceptionCard, expiredCard } from './cards.js';
import { ExceptionRefresh, ExceptionSend } from './kinds.js';
import type { ExceptionService } from './service.js';

export function exceptionEffects(d: {
  store: Store;
  clock: Clock;
  service: ExceptionService;
  dir: () => Directory;
  gateways: ReadonlyMap<Platform, ChatGateway>;
}): EffectHandler[] {
  const load = async (n: number) => {
    const v = await d.service.load(n);
    if (!v.ok) throw new Error(`exception ${n} not found`);
    const f = await d.store.transaction((tx) => tx.findings.byId(v.value.e.findingId));
    if (!f) throw new Error(`finding ${v.value.e.findingId} of exception ${n} not found`);
    return { v: v.value, f };
  };
  return [
    handle(ExceptionSend, async (x) => {
      const sendKey = `${x.exception}:${x.kind}:${x.platform}:${x.to}`;
      if (await d.store.transaction((tx) => tx.exceptions.hasMessage(sendKey))) return;
      const { v, f } = await load(x.exception);
      const gw = gatewayOf(d.gateways, x.platform);
      const sent = await gw.dm(
        x.to,
        inChannel(x.kind === 'approver' ? exceptionCard(d.dir(), v, f) : expiredCard(d.dir(), v, f)),
      );
      if (!sent) return;
      const now = await d.store.transaction(async (tx) => {
        await tx.exceptions.addMessage(
          v.e.id,
          sendKey,
          {
            kind: x.kind,
            personId: x.person,
            platform: x.platform,
            channelId: sent.channelId,
            messageId: sent.messageId,
          },
          d.clock.now(),
        );
        return tx.exceptions.byNumber(x.exception);
      });
      // Decided meanwhile: bring this copy up to date.
      if (x.kind === 'approver' && now && now.version !== v.e.version) {
        const fresh = await load(x.exception);
        await gw.edit(sent.channelId, sent.messageId, inChannel(exceptionCard(d.dir(), fresh.v, fresh.f)));
      }
    }),
    handle(ExceptionRefresh, async (x) => {
      const { v, f } = await load(x.exception);
      // A newer refresh is queued for the newer version; it does this work.
      if (v.e.version > x.version) return;
      const reply = inChannel(exceptionCard(d.dir(), v, f));
      for (const m of await d.store.transaction((tx) => tx.exceptions.messages(v.e.id, 'approver'))) {
        const gw = d.gateways.get(m.platform);
        if (gw) await gw.edit(m.channelId, m.messageId, reply);
      }
    }),
  ];
}
