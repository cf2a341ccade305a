// Who may speak on the public status page: `statusPage.publishers`, decided here for every
// publication (an incident, a public update, a maintenance, a component's status), with the
// refusal that names the rule.
import type { Directory } from '../directory.js';
import { fail, type Outcome } from '../errors.js';
import type { StatusPagePolicy } from './policy-section.js';

/** What is being published, with what the rule's words refer to. */
export type Subject =
  | { kind: 'incident'; ref: string; roles: Record<string, string>; declaredBy: string; services: readonly string[] }
  | { kind: 'change'; ref: string; requestedBy: string; services: readonly string[] }
  | { kind: 'component'; ref: string; services: readonly string[] };

export function mayPublish(dir: Directory, sp: StatusPagePolicy, personId: string | undefined, s: Subject): boolean {
  if (!personId) return false;
  const services = s.services.map((id) => dir.service(id)).filter((x) => !!x);
  return sp.publishers.some((rule) => {
    switch (rule) {
      case 'anyone':
        return true;
      case 'declarer':
        return s.kind === 'incident' && s.declaredBy === personId;
      case 'requester':
        return s.kind === 'change' && s.requestedBy === personId;
      case 'team':
        return services.some((svc) => !!dir.team(svc.team)?.members.includes(personId));
      case 'owners':
        return services.some((svc) => svc.owners.includes(personId));
      default: {
        if (s.kind === 'incident' && s.roles[rule] === personId) return true;
        return !!dir.policy.groups.find((g) => g.id === rule)?.members.includes(personId);
      }
    }
  });
}

const WORDS: Record<string, string> = {
  declarer: 'declarer',
  requester: 'requester',
  team: "service's team",
  owners: "service's owners",
  anyone: 'anyone in the policy',
};

export function refusePublish(dir: Directory, sp: StatusPagePolicy, s: Subject): Outcome<never> {
  const who = sp.publishers.map((r) => WORDS[r] ?? dir.policy.groups.find((g) => g.id === r)?.name ?? r).join(', ');
  const what = s.kind === 'component' ? `set the status of ${s.ref}` : `publish ${s.ref} on the status page`;
  return fail(
    'AUTH.FORBIDDEN',
    `Only the ${who} may ${what}.`,
    'The policy names them under statusPage.publishers; ask one of them.',
  );
}
