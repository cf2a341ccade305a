// Carries out incident side effects from the outbox: war rooms, announcements, in-place edits,
// updates in threads, role DMs, postmortems. Each handler is safe to run again after a crash.
import { inChannel } from '../card.js';
import type { Directory } from '../directory.js';
import type { Clock, Platform, Store } from '../ports.js';
import { PLATFORMS } from '../platform.js';
import {
  RECENT_CHANGES_MS,
  announcementCard,
  postmortemCard,
  roleDmCard,
  summaryCard,
  updateCard,
  postmortemMarkdown,
} from './cards.js';
import type { IncidentChanges } from './links.js';
import { type ChatGateway, gatewayOf } from '../chat/gateway.js';
import { type Incident, ref, warRoomName } from './model.js';
import type { IncidentPatch } from './ports.js';
import { type EffectHandler, enqueue, handle } from '../outbox/effects.js';
import {
  Announce,
  ChatPost,
  Postmortem,
  Refresh,
  RoleDm,
  Update,
  WarRoomCreate,
  WarRoomFailed,
  WarRoomSetup,
} from './kinds.js';
import { call } from '../module.js';
import { IncidentOps } from './ops.js';

export interface EffectDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  gateways: ReadonlyMap<Platform, ChatGateway>;
  /** Recent changes on an incident's service (absent: change approvals are not composed). */
  changes: () => IncidentChanges | undefined;
  /** Change events from monitoring and deploy tools (absent: alerts are not composed). */
  changeEvents?: () => IncidentChanges | undefined;
}

const MAX_NAME_ATTEMPTS = 10;

export function incidentEffects(d: EffectDeps): EffectHandler[] {
  const load = async (n: number) => {
    const i = await d.store.transaction((tx) => tx.incidents.byNumber(n));
    if (!i) throw new Error(`incident ${n} not found`);
    return i;
  };
  const save = (i: Incident, patch: IncidentPatch) =>
    d.store.transaction(async (tx) => {
      for (let cur = i, tries = 0; tries < 5; tries++) {
        const next = await tx.incidents.update(cur.id, cur.version, patch, d.clock.now());
        if (next) return next;
        cur = (await tx.incidents.byNumber(i.number))!;
      }
      throw new Error(`incident ${ref(i)} kept changing`);
    });
  const platformIds = (personIds: string[], platform: Platform) =>
    personIds
      .map((id) => d.dir().person(id))
      .map((p) => (p ? (platform === 'console' ? p.id : p[platform]) : undefined))
      .filter((x): x is string => !!x);

  const gateway = (platform: Platform) => gatewayOf(d.gateways, platform);
  const recentChanges = async (i: Incident) => {
    if (!i.serviceId) return [];
    const since = new Date(i.declaredAt.getTime() - RECENT_CHANGES_MS);
    const [own, events] = await Promise.all([
      d.changes()?.startedSince(i.serviceId, since),
      d.changeEvents?.()?.startedSince(i.serviceId, since),
    ]);
    return [...(own ?? []), ...(events ?? [])].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  };

  /** The war room could not be opened: record it, refresh the cards, tell the declarer (own item). */
  async function warRoomFailed(i: Incident, message: string) {
    const failed = await save(i, { warRoom: { ...i.warRoom, state: 'failed', error: message } });
    await d.store.transaction(async (tx) => {
      const at = d.clock.now();
      await tx.incidents.addTimeline({
        incidentId: failed.id,
        at,
        kind: 'war_room',
        actorPerson: null,
        actorName: 'Steward',
        text: `War room could not be created: ${message}`,
      });
      await enqueue(tx.outbox, Refresh, `refresh:${failed.number}:${failed.version}`, { incident: failed.number }, at);
      await enqueue(
        tx.outbox,
        WarRoomFailed,
        `war_room_failed:${failed.number}:${failed.version}`,
        { incident: failed.number, message },
        at,
      );
    });
  }

  return [
    handle(WarRoomCreate, async (p) => {
      let i = await load(p.incident);
      if (i.warRoom.state !== 'pending') return;
      const gw = gateway(i.warRoom.platform);
      const template = d.dir().policy.incidents.channelName;
      for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
        const name = warRoomName(template, i, attempt);
        const r = await gw.createChannel(name, `${ref(i)} ${i.severity}: ${i.title}`.slice(0, 250));
        if (!r.ok && r.reason === 'name_taken') continue;
        if (!r.ok) return warRoomFailed(i, r.message);
        i = await save(i, {
          warRoom: { platform: gw.platform, channelId: r.channelId, name: r.name, state: 'ready', error: null },
        });
        await d.store.transaction(async (tx) => {
          const at = d.clock.now();
          await tx.incidents.addTimeline({
            incidentId: i.id,
            at,
            kind: 'war_room',
            actorPerson: null,
            actorName: 'Steward',
            text: `War room #${r.name} opened`,
          });
          await enqueue(tx.outbox, Refresh, `refresh:${i.number}:${i.version}`, { incident: i.number }, at);
          await enqueue(
            tx.outbox,
            WarRoomSetup,
            `war_room_setup:${i.number}:${r.channelId}`,
            { incident: i.number },
            at,
          );
        });
        return;
      }
      return warRoomFailed(i, `no free channel name after ${MAX_NAME_ATTEMPTS} attempts`);
    }),

    /** Invites and the pinned summary: every step is safe to repeat, so a failure retries them all. */
    handle(WarRoomSetup, async (p) => {
      const i = await load(p.incident);
      if (i.warRoom.state !== 'ready' || !i.warRoom.channelId) return;
      const gw = gateway(i.warRoom.platform);
      const channelId = i.warRoom.channelId;
      const owners = i.serviceId ? (d.dir().service(i.serviceId)?.owners ?? []) : [];
      await gw.invite(channelId, [...new Set([i.declaredUserId, ...platformIds(owners, gw.platform)])]);
      const messages = await d.store.transaction((tx) => tx.incidents.messages(i.id));
      let summary = messages.find((m) => m.kind === 'summary' && m.platform === gw.platform)?.messageId;
      if (!summary) {
        summary = (
          await gw.post(
            channelId,
            inChannel(summaryCard(d.dir(), i, { buttons: true, changes: await recentChanges(i) })),
          )
        ).messageId;
        await d.store.transaction((tx) =>
          tx.incidents.addMessage(
            i.id,
            { platform: gw.platform, channelId, messageId: summary!, kind: 'summary', threadId: null },
            d.clock.now(),
          ),
        );
      }
      await gw.pin(channelId, summary);
    }),

    handle(WarRoomFailed, async (p) => {
      const i = await load(p.incident);
      await gateway(i.declaredPlatform).dm(i.declaredUserId, {
        visibility: 'ephemeral',
        cards: [
          {
            title: `${ref(i)} exists, but its war room could not be created`,
            tone: 'danger',
            body: [
              {
                t: 'text',
                v: `${p.message}. The incident is recorded; fix the cause and press Retry, or run /incident commands with ${ref(i)}.`,
              },
            ],
            buttons: [
              {
                label: 'Retry war room',
                command: call(IncidentOps.retryWarRoom, { incident: i.number }),
                style: 'primary',
              },
            ],
          },
        ],
      });
    }),

    handle(Announce, async (p) => {
      const i = await load(p.incident);
      const platform = p.platform;
      const channel = platform === 'console' ? 'incidents' : d.dir().policy.incidents.announce?.[platform];
      if (!channel) return;
      const gw = gateway(platform);
      const messages = await d.store.transaction((tx) => tx.incidents.messages(i.id));
      if (messages.some((m) => m.kind === 'announcement' && m.platform === platform)) return;
      const { messageId } = await gw.post(channel, inChannel(announcementCard(d.dir(), i)));
      await d.store.transaction((tx) =>
        tx.incidents.addMessage(
          i.id,
          { platform, channelId: channel, messageId, kind: 'announcement', threadId: messageId },
          d.clock.now(),
        ),
      );
    }),

    handle(Refresh, async (p) => {
      const i = await load(p.incident);
      const messages = await d.store.transaction((tx) => tx.incidents.messages(i.id));
      const changes = messages.some((m) => m.kind === 'summary') ? await recentChanges(i) : undefined;
      for (const m of messages) {
        const gw = gateway(m.platform);
        const card =
          m.kind === 'summary' ? summaryCard(d.dir(), i, { buttons: true, changes }) : announcementCard(d.dir(), i);
        await gw.edit(m.channelId, m.messageId, inChannel(card));
      }
    }),

    handle(Update, async (p) => {
      const i = await load(p.incident);
      const entries = await d.store.transaction((tx) => tx.incidents.timeline(i.id));
      const e = [...entries]
        .reverse()
        .find((x) => x.kind === 'update' && x.text === p.text && x.at.toISOString() === p.at);
      if (!e) return;
      const messages = await d.store.transaction((tx) => tx.incidents.messages(i.id));
      await d.store.transaction(async (tx) => {
        const at = d.clock.now();
        if (i.warRoom.channelId)
          await enqueue(
            tx.outbox,
            ChatPost,
            `post:${p.incident}:${p.version}:room`,
            { platform: i.warRoom.platform, channel: i.warRoom.channelId, incident: i.number, entry: e.id },
            at,
          );
        for (const m of messages.filter((x) => x.kind === 'announcement'))
          await enqueue(
            tx.outbox,
            ChatPost,
            `post:${p.incident}:${p.version}:${m.platform}:${m.channelId}`,
            { platform: m.platform, channel: m.channelId, thread: m.threadId, incident: i.number, entry: e.id },
            at,
          );
      });
    }),

    handle(ChatPost, async (p) => {
      const i = await load(p.incident);
      const gw = gateway(p.platform);
      const entries = await d.store.transaction((tx) => tx.incidents.timeline(i.id));
      const e = entries.find((x) => x.id === p.entry);
      if (!e) return;
      await gw.post(p.channel, inChannel(updateCard(d.dir(), i, e)), p.thread ? { threadOf: p.thread } : undefined);
    }),

    handle(RoleDm, async (p) => {
      const i = await load(p.incident);
      const person = d.dir().person(p.person);
      if (!person) return;
      const order: Platform[] = [i.declaredPlatform, ...PLATFORMS];
      for (const platform of order) {
        const gw = d.gateways.get(platform);
        const uid = platform === 'console' ? person.id : person[platform];
        if (gw && uid) {
          await gw.dm(uid, inChannel(roleDmCard(d.dir(), i, p.role, p.guide, p.by)));
          return;
        }
      }
    }),

    handle(Postmortem, async (p) => {
      let i = await load(p.incident);
      if (!i.postmortem) {
        const entries = await d.store.transaction((tx) => tx.incidents.timeline(i.id));
        const tz = d.dir().timezoneOf(i.roles.commander ?? i.declaredBy);
        i = await save(i, { postmortem: postmortemMarkdown(d.dir(), i, entries, tz) });
      }
      if (i.warRoom.channelId)
        await gateway(i.warRoom.platform).post(i.warRoom.channelId, inChannel(postmortemCard(i)));
    }),
  ];
}
