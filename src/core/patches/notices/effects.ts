// Carries out digest posts and owner reminders from the outbox. Each delivery is recorded under its
// send key, so a retried item never posts a second message.
import { type Card, type Rich, br, inChannel, strong, time, txt } from '../../card.js';
import { type ChatGateway, gatewayOf } from '../../chat/gateway.js';
import type { Directory } from '../../directory.js';
import { call } from '../../module.js';
import { type EffectHandler, handle } from '../../outbox/effects.js';
import type { Platform } from '../../platform.js';
import type { Clock, Store } from '../../ports.js';
import { formatDuration, parseDuration } from '../../shared/duration.js';
import type { DigestService } from '../digests/service.js';
import type { DigestData } from '../digests/model.js';
import { type Finding, findingRef } from '../findings/model.js';
import { DigestPost, ReminderSend } from './kinds.js';
import { PatchOps } from '../ops.js';
import { noticePolicy } from '../findings/policy.js';

function reminderLine(f: Finding, now: Date): Rich {
  const state =
    f.state !== 'open'
      ? ` (${f.state} since)`
      : f.exceptedUntil && f.exceptedUntil > now
        ? ' (under a risk exception since)'
        : '';
  return [
    strong(findingRef(f.id)),
    txt(
      ` ${f.severity} ${f.vulnId} · ${f.packageName} ${f.installedVersion} · ${f.serviceId} · ${f.deadline && f.deadline <= now ? 'was due ' : 'due '}`,
    ),
    ...(f.deadline ? [time(f.deadline)] : []),
    txt(state),
  ];
}

export function reminderCard(
  kind: 'ahead' | 'passed',
  findings: Finding[],
  total: number,
  before: string,
  now: Date,
): Card {
  const noun = total === 1 ? 'finding' : 'findings';
  const services = [...new Set(findings.map((f) => f.serviceId))];
  return {
    title:
      kind === 'ahead'
        ? `${total} ${noun} of yours due within ${before}`
        : `${total} ${noun} of yours passed ${total === 1 ? 'its' : 'their'} patch deadline`,
    tone: kind === 'ahead' ? 'warning' : 'danger',
    body: [
      ...findings.flatMap((f, n) => (n ? [br, ...reminderLine(f, now)] : reminderLine(f, now))),
      ...(total > findings.length
        ? [
            br,
            txt(
              `… and ${total - findings.length} more: /patch list ${services.length === 1 ? services[0] : '<service>'}`,
            ),
          ]
        : []),
    ],
    buttons: [
      ...(findings.length === 1
        ? [{ label: 'Request exception', command: call(PatchOps.exception, { finding: findings[0]!.id }) }]
        : []),
      ...(services.length === 1
        ? [
            {
              label: kind === 'ahead' ? 'Show open' : 'Show overdue',
              command: call(PatchOps.list, { scope: services[0], overdue: kind === 'passed' ? 'true' : undefined }),
            },
          ]
        : []),
    ],
    context: [
      txt(
        kind === 'ahead'
          ? `Reminder ${before} ahead of the deadline (patches.remind.before); you hear again if it passes.`
          : 'Fix, or request a risk exception: /patch exception <finding>.',
      ),
    ],
  };
}

export function noticeEffects(d: {
  store: Store;
  clock: Clock;
  digests: DigestService;
  dir: () => Directory;
  gateways: ReadonlyMap<Platform, ChatGateway>;
}): EffectHandler[] {
  return [
    handle(DigestPost, async (x) => {
      const sendKey = `digest:${x.digest}:${x.platform}:${x.to}`;
      if (await d.store.transaction((tx) => tx.digests.hasMessage(sendKey))) return;
      const rec = await d.store.transaction((tx) => tx.digests.byId(x.digest));
      if (!rec) throw new Error(`digest ${x.digest} not found`);
      const gw = gatewayOf(d.gateways, x.platform);
      const sent = await gw.post(x.to, inChannel(d.digests.card(JSON.parse(rec.summary) as DigestData)));
      await d.store.transaction((tx) =>
        tx.digests.addMessage(
          sendKey,
          { platform: x.platform, channelId: x.to, messageId: sent.messageId },
          d.clock.now(),
        ),
      );
    }),
    handle(ReminderSend, async (x) => {
      const sendKey = `remind:${x.run}:${x.kind}:${x.platform}:${x.person}`;
      if (await d.store.transaction((tx) => tx.digests.hasMessage(sendKey))) return;
      const findings = await d.store.transaction(async (tx) => {
        const out: Finding[] = [];
        for (const id of x.findings) {
          const f = await tx.findings.byId(id);
          if (f) out.push(f);
        }
        return out;
      });
      if (findings.length === 0) return;
      const before = noticePolicy(d.dir()).remindBefore;
      const gw = gatewayOf(d.gateways, x.platform);
      const sent = await gw.dm(
        x.to,
        inChannel(reminderCard(x.kind, findings, x.total, formatDuration(parseDuration(before)), d.clock.now())),
      );
      if (!sent) return;
      await d.store.transaction((tx) =>
        tx.digests.addMessage(
          sendKey,
          { platform: x.platform, channelId: sent.channelId, messageId: sent.messageId },
          d.clock.now(),
        ),
      );
    }),
  ];
}
