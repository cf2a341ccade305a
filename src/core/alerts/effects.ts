// Carries out alert side effects from the outbox: the card in team channels and its in-place edits,
// the storm notice, and the page that follows its group (and the group that follows its page). A
// card delivery is recorded under its send key, so a retried item never posts a second card.
import { inChannel } from '../card.js';
import { type ChatGateway, gatewayOf } from '../chat/gateway.js';
import type { Directory } from '../directory.js';
import { type EffectHandler, handle } from '../outbox/effects.js';
import type { ActorRef, Clock, Platform, Store } from '../ports.js';
import { alertCard, stormCard } from './cards.js';
import { AlertFromPage, AlertPageSync, AlertRefresh, AlertSend, AlertStorm } from './kinds.js';
import type { AlertPaging } from './links.js';
import { readRate } from './model.js';
import type { AlertActions } from './actions.js';

export function alertEffects(d: {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  gateways: ReadonlyMap<Platform, ChatGateway>;
  paging: () => AlertPaging | undefined;
  actions: AlertActions;
}): EffectHandler[] {
  const load = async (n: number) => {
    const r = await d.store.transaction(async (tx) => {
      const g = await tx.alerts.byNumber(n);
      return g ? { g, alerts: await tx.alerts.alerts(g.id) } : null;
    });
    if (!r) throw new Error(`alert group ${n} not found`);
    return r;
  };
  const card = (v: Awaited<ReturnType<typeof load>>) => inChannel(alertCard(d.dir(), v.g, v.alerts));

  return [
    handle(AlertSend, async (x) => {
      const sendKey = `${x.group}:${x.platform}:${x.to}`;
      if (await d.store.transaction((tx) => tx.alerts.hasMessage(sendKey))) return;
      const v = await load(x.group);
      const gw = gatewayOf(d.gateways, x.platform);
      const sent = await gw.post(x.to, card(v));
      const now = await d.store.transaction(async (tx) => {
        await tx.alerts.addMessage(
          v.g.id,
          sendKey,
          { platform: x.platform, channelId: x.to, messageId: sent.messageId },
          d.clock.now(),
        );
        return tx.alerts.byNumber(x.group);
      });
      // The group moved on while the card was being posted: bring this copy up to date.
      if (now && now.version !== v.g.version) await gw.edit(x.to, sent.messageId, card(await load(x.group)));
    }),

    handle(AlertRefresh, async (x) => {
      const v = await load(x.group);
      // A newer refresh is queued for the newer version; it does this work.
      if (v.g.version > x.version) return;
      const reply = card(v);
      for (const m of await d.store.transaction((tx) => tx.alerts.messages(v.g.id))) {
        const gw = d.gateways.get(m.platform as Platform);
        if (gw) await gw.edit(m.channelId, m.messageId, reply);
      }
      // The page's messages show the group's progress too.
      const paging = d.paging();
      const page = v.g.pageNumber;
      if (paging && page !== null) await d.store.transaction((tx) => paging.refresh(tx, page, d.clock.now()));
    }),

    handle(AlertStorm, async (x) => {
      const sentKey = `alert.storm:${x.integration}:${x.window}:${x.platform}`;
      const integ = d.dir().policy.alerts.integrations.find((i) => i.id === x.integration);
      const start = new Date(x.window);
      const windowMs = integ?.rateLimit ? readRate(integ.rateLimit).windowMs : 0;
      const [sent, groups] = await d.store.transaction(
        async (tx) =>
          [
            await tx.settings.get(sentKey),
            await tx.alerts.list({ integration: x.integration, since: start, suppressedKind: 'storm', limit: 20 }),
          ] as const,
      );
      if (sent) return;
      const gw = gatewayOf(d.gateways, x.platform);
      await gw.post(x.to, inChannel(stormCard(d.dir(), x.integration, new Date(start.getTime() + windowMs), groups)));
      await d.store.transaction((tx) => tx.settings.set(sentKey, d.clock.now().toISOString(), d.clock.now()));
    }),

    handle(AlertPageSync, async (x) => {
      const paging = d.paging();
      if (!paging) return;
      const at = d.clock.now();
      const actor: ActorRef = x.by
        ? { platform: x.by.platform as ActorRef['platform'], platformUserId: x.by.id }
        : { platform: 'system' };
      await d.store.transaction((tx) =>
        x.action === 'acknowledge' && x.by
          ? paging.acknowledge(tx, x.page, x.by, actor, at)
          : paging.resolve(tx, x.page, x.by, actor, at),
      );
    }),

    handle(AlertFromPage, (x) => d.actions.fromPage(x.page, x.action, x.by)),
  ];
}
