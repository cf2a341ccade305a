// Alerts' cross-references: integration, window and heartbeat ids, and the services they name.
import type { PolicyCheck } from '../policy/check.js';
import type { Policy } from '../policy/schema.js';
import { BREACH_INTEGRATION } from './breaches.js';

export function checkAlertsPolicy(p: Policy, c: PolicyCheck): void {
  const a = p.alerts;
  c.ids('alert integration', ['alerts', 'integrations'], a.integrations);
  c.ids('maintenance window', ['alerts', 'maintenance'], a.maintenance);
  c.ids('heartbeat', ['alerts', 'heartbeats'], a.heartbeats);
  const keys = new Map<string, string>();
  a.integrations.forEach((int, i) => {
    if (int.id === BREACH_INTEGRATION)
      c.problem(['alerts', 'integrations', i, 'id'], `"${BREACH_INTEGRATION}" is reserved for patch SLA breach groups`);
    c.ref(['alerts', 'integrations', i, 'service'], 'service', int.service);
    int.routes.forEach((r, j) => c.ref(['alerts', 'integrations', i, 'routes', j, 'service'], 'service', r.service));
    if (int.routingKey) {
      const k = int.routingKey.sha256.toLowerCase();
      const other = keys.get(k);
      if (other)
        c.problem(['alerts', 'integrations', i, 'routingKey'], `the same routing key as integration "${other}"`);
      keys.set(k, int.id);
    }
  });
  a.maintenance.forEach((w, i) =>
    w.services.forEach((s, j) => c.ref(['alerts', 'maintenance', i, 'services', j], 'service', s)),
  );
  a.heartbeats.forEach((h, i) => c.ref(['alerts', 'heartbeats', i, 'service'], 'service', h.service));
}
