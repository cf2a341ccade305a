// Which approval rule applies to a change: the first rule whose every `match` key equals the change (pure).
import type { ChangeKind, ChangeRisk, ChangeRule } from '../policy/schema.js';

/** What a rule can match on: the change's kind and risk, its service with that service's team and tier, and how it was opened. */
export interface RuleSubject {
  kind: ChangeKind;
  /** Only normal changes carry a risk; a rule with `risk` never matches a change without one. */
  risk?: ChangeRisk;
  service: string;
  team: string;
  tier: number;
  /** Through the HTTP API or from chat; a rule with `via` never matches a subject that does not say. */
  via?: 'api' | 'chat';
}

/** Whether every key the rule's `match` names equals the subject's (`match: {}` matches everything). */
export function ruleMatches(rule: Pick<ChangeRule, 'match'>, subject: RuleSubject): boolean {
  const m = rule.match;
  return (
    (m.kind === undefined || m.kind === subject.kind) &&
    (m.risk === undefined || m.risk === subject.risk) &&
    (m.service === undefined || m.service === subject.service) &&
    (m.team === undefined || m.team === subject.team) &&
    (m.tier === undefined || m.tier === subject.tier) &&
    (m.via === undefined || m.via === subject.via)
  );
}

/**
 * The first rule that matches (first match wins), or undefined. The policy loader refuses a policy
 * where some change on one of its services matches no rule, so undefined only happens for a
 * service the policy does not know; callers refuse such a change ("no approval rule applies").
 */
export function matchRule<R extends Pick<ChangeRule, 'match'>>(
  rules: readonly R[],
  subject: RuleSubject,
): R | undefined {
  return rules.find((r) => ruleMatches(r, subject));
}
