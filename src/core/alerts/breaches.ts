// Patch SLA breaches as alerts: an overdue finding that pages joins its service's open breach
// group (integration `findings`, key `breach:<service>`, the finding's breach key as fingerprint),
// so a report with 21 overdue criticals opens one page, not 21. A finding pages once, ever: one
// that was in a breach group before is not added again when a moved deadline passes again.
import type { Directory } from '../directory.js';
import type { PatchPaging } from '../patches/links.js';
import type { ActorRef } from '../ports.js';
import { alertRef } from './model.js';
import type { AlertService } from './service.js';

export const BREACH_INTEGRATION = 'findings';
const SYSTEM: ActorRef = { platform: 'system' };

export function breachPaging(alerts: AlertService, dir: () => Directory, wake: () => void): PatchPaging {
  return {
    async open(tx, o, at) {
      const before = await tx.alerts.groupWithFingerprint(BREACH_INTEGRATION, o.key);
      if (before !== null) {
        const g = await tx.alerts.byNumber(before);
        return { ok: true, ref: g?.pageNumber ? `PAGE-${g.pageNumber}` : `ALR-${before}`, created: false };
      }
      const service = dir().service(o.serviceId)?.name ?? o.serviceId;
      const labels = { service: o.serviceId };
      const applied = await alerts.apply(
        tx,
        { id: BREACH_INTEGRATION, service: o.serviceId, routes: [] },
        {
          source: 'findings',
          action: 'notify',
          groupKey: `breach:${o.serviceId}`,
          // The first finding names the group (and its page); the card lists every one that joins.
          title: `Overdue patches on ${service}: ${o.message}`,
          labels,
          alerts: [
            {
              fingerprint: o.key,
              status: 'firing',
              labels: { ...labels, finding: o.key },
              annotations: { summary: o.message },
              startsAt: at,
              endsAt: null,
              url: null,
            },
          ],
          links: [],
          truncated: 0,
        },
        SYSTEM,
        at,
      );
      const number = Number(applied.received.groups[0]?.id.slice('ALR-'.length));
      const g = Number.isFinite(number) ? await tx.alerts.byNumber(number) : null;
      if (!g) return { ok: false, reason: 'the breach group could not be opened' };
      if (g.pageNumber === null)
        return { ok: false, reason: g.pageError ?? `${alertRef(g)} pages nobody (${g.state})` };
      const ref = `PAGE-${g.pageNumber}`;
      // The first finding of a group opened its page; the others joined it.
      return g.firing + g.resolved > 1
        ? { ok: true, ref, created: true, joined: `${alertRef(g)} (${ref})` }
        : { ok: true, ref, created: true };
    },
    wake,
    // The breach groups' key rows, in one order, before any audit entry of the run: a person
    // acknowledging a breach group takes its key row first too, so the two cannot deadlock.
    async prepare(tx, serviceIds, at) {
      for (const id of [...serviceIds].sort()) await tx.alerts.lockKey(BREACH_INTEGRATION, `breach:${id}`, at);
    },
  };
}
