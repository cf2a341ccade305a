// Incidents' policy checks: distinct severities, war-room names that cannot collide.
import type { PolicyCheck } from '../policy/check.js';
import type { Policy } from '../policy/schema.js';

export function checkIncidentsPolicy(p: Policy, c: PolicyCheck): void {
  const sevs = new Set<string>();
  p.incidents.severities.forEach((s, i) => {
    if (sevs.has(s.id)) c.problem(['incidents', 'severities', i, 'id'], `duplicate severity "${s.id}"`);
    sevs.add(s.id);
  });
  if (!/\{number\}/.test(p.incidents.channelName))
    c.problem(['incidents', 'channelName'], 'must contain {number} so every war room gets a distinct name');
}
