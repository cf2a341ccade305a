// Cross-references of approve lists (change rules, risk exceptions): groups and people exist, and a
// group can give the approvals asked of it.
import type { PolicyCheck, PolicyPath } from '../policy/check.js';
import type { ApproveEntry, Policy } from '../policy/schema.js';

export function checkApproveList(p: Policy, c: PolicyCheck, at: PolicyPath, entries: readonly ApproveEntry[]): void {
  entries.forEach((e, k) => {
    const segs: PolicyPath = [...at, k];
    if ('group' in e) {
      c.ref([...segs, 'group'], 'group', e.group);
      const g = p.groups.find((x) => x.id === e.group);
      const size = g && new Set(g.members).size;
      if (size !== undefined && e.count > size)
        c.problem(
          [...segs, 'count'],
          `asks for ${e.count} approvals from group "${e.group}", which has ${size} member${size === 1 ? '' : 's'}`,
        );
    } else if ('person' in e) c.ref([...segs, 'person'], 'person', e.person);
  });
}
