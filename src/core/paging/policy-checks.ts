// Paging's cross-references: escalation policy ids and what each level notifies.
import type { PolicyCheck, PolicyPath } from '../policy/check.js';
import type { Policy } from '../policy/schema.js';

export function checkPagingPolicy(p: Policy, c: PolicyCheck): void {
  c.ids('escalation policy', ['escalationPolicies'], p.escalationPolicies);
  p.escalationPolicies.forEach((ep, i) =>
    ep.levels.forEach((lvl, j) =>
      lvl.notify.forEach((t, k) => {
        const segs: PolicyPath = ['escalationPolicies', i, 'levels', j, 'notify', k];
        if ('schedule' in t) c.ref([...segs, 'schedule'], 'schedule', t.schedule);
        else if ('person' in t) c.ref([...segs, 'person'], 'person', t.person);
        else c.ref([...segs, 'team'], 'team', t.team);
      }),
    ),
  );
}
