// Who may change an incident: one policy rule per action (incidents.permissions.<action>), decided
// here for every state change the incident service makes, with the refusal that names the rule.
import type { Directory } from '../directory.js';
import { fail, type Outcome } from '../errors.js';
import { type Incident, ref } from './model.js';

/** Every state change of an incident, each with its own rule. */
export const INCIDENT_ACTIONS = [
  'update',
  'status',
  'close',
  'severity',
  'role',
  'commander',
  'resolve',
  'warRoom',
] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

/** Words a rule may use besides a role id: the declarer, the service's team or owners, anyone in the policy. */
export const RULE_WORDS = ['declarer', 'team', 'owners', 'anyone'] as const;

/**
 * Defaults: anyone in the policy may post updates, move an open incident between open statuses,
 * change its severity, hand out roles other than commander and retry its war room; closing it
 * (declined, cancelled), handing over command and resolving belong to its commander and declarer.
 */
export const DEFAULT_PERMISSIONS: Record<IncidentAction, readonly string[]> = {
  update: ['anyone'],
  status: ['anyone'],
  close: ['commander', 'declarer'],
  severity: ['anyone'],
  role: ['anyone'],
  commander: ['commander', 'declarer'],
  resolve: ['commander', 'declarer'],
  warRoom: ['anyone'],
};

const VERBS: Record<IncidentAction, string> = {
  update: 'post updates to',
  status: 'change the status of',
  close: 'decline or cancel',
  severity: 'change the severity of',
  role: 'assign roles in',
  commander: 'hand over command of',
  resolve: 'resolve',
  warRoom: 'retry the war room of',
};

/** The rule the policy sets for an action; `resolve` falls back to the older `incidents.resolve`. */
export function rulesFor(dir: Directory, action: IncidentAction): readonly string[] {
  const p = dir.policy.incidents;
  return p.permissions?.[action] ?? (action === 'resolve' ? p.resolve : DEFAULT_PERMISSIONS[action]);
}

export function mayAct(dir: Directory, personId: string | undefined, i: Incident, action: IncidentAction): boolean {
  if (!personId) return false;
  const svc = i.serviceId ? dir.service(i.serviceId) : undefined;
  return rulesFor(dir, action).some((rule) => {
    switch (rule) {
      case 'anyone':
        return true;
      case 'declarer':
        return i.declaredBy === personId;
      case 'team':
        return !!svc && !!dir.team(svc.team)?.members.includes(personId);
      case 'owners':
        return !!svc?.owners.includes(personId);
      default:
        return i.roles[rule] === personId;
    }
  });
}

export function describeRules(rules: readonly string[]): string {
  const words: Record<string, string> = {
    team: "service's team",
    owners: "service's owners",
    anyone: 'anyone in the policy',
  };
  return rules.map((r) => words[r] ?? r).join(' or ');
}

export function refuse(dir: Directory, i: Incident, action: IncidentAction): Outcome<never> {
  const rules = rulesFor(dir, action);
  const hint =
    action === 'commander'
      ? `Ask the ${describeRules(rules)} to hand it over.`
      : 'Ask them, or have the commander role assigned to you first.';
  return fail('AUTH.FORBIDDEN', `Only the ${describeRules(rules)} may ${VERBS[action]} ${ref(i)}.`, hint);
}
