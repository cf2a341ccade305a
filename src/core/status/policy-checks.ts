// The status page's policy checks: components with distinct ids on known services, severities
// that exist, maintenance selectors on known services, publishers that are roles, groups or words.
import type { PolicyCheck } from '../policy/check.js';
import type { Policy } from '../policy/schema.js';
import { PUBLISHER_WORDS } from './policy-section.js';

export function checkStatusPagePolicy(p: Policy, c: PolicyCheck): void {
  const sp = p.statusPage;
  if (!sp) return;
  c.ids('status page component', ['statusPage', 'components'], sp.components);
  sp.components.forEach((comp, i) =>
    comp.services.forEach((s, j) => c.ref(['statusPage', 'components', i, 'services', j], 'service', s)),
  );
  const severities = p.incidents.severities.map((s) => s.id);
  for (const sev of Object.keys(sp.impact ?? {}))
    if (!severities.includes(sev))
      c.problem(['statusPage', 'impact', sev], `unknown severity "${sev}" (severities: ${severities.join(', ')})`);
  sp.maintenance.fromChanges?.services?.forEach((s, i) =>
    c.ref(['statusPage', 'maintenance', 'fromChanges', 'services', i], 'service', s),
  );
  // The kernel indexed the groups before the modules' checks run.
  const groups = c.ids('group', ['groups'], []);
  sp.publishers.forEach((who, i) => {
    if ((PUBLISHER_WORDS as readonly string[]).includes(who) || p.incidents.roles.includes(who) || groups.has(who))
      return;
    c.problem(
      ['statusPage', 'publishers', i],
      `"${who}" is neither an incident role (${p.incidents.roles.join(', ')}), a group${groups.size ? ` (${[...groups].join(', ')})` : ''} nor one of ${PUBLISHER_WORDS.join(', ')}`,
    );
  });
}
