// On call's cross-references: schedule ids, rotation and override members, override order.
import type { PolicyCheck } from '../policy/check.js';
import type { Policy } from '../policy/schema.js';

export function checkOncallPolicy(p: Policy, c: PolicyCheck): void {
  c.ids('schedule', ['schedules'], p.schedules);
  p.schedules.forEach((s, i) => {
    s.rotation?.members.forEach((m, j) => c.ref(['schedules', i, 'rotation', 'members', j], 'person', m));
    s.layers?.forEach((l, k) =>
      l.rotation.members.forEach((m, j) => c.ref(['schedules', i, 'layers', k, 'rotation', 'members', j], 'person', m)),
    );
    s.overrides?.forEach((o, k) => {
      c.ref(['schedules', i, 'overrides', k, 'person'], 'person', o.person);
      if (Date.parse(o.end) <= Date.parse(o.start))
        c.problem(['schedules', i, 'overrides', k, 'end'], 'must be after start');
    });
  });
}
