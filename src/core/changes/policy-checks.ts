// Change approvals' cross-references: rule matches and approvers, rules that cover every change
// (opened from chat or through the API) and are all reachable, freezes (ids, services, order of
// fixed windows, cron of recurring ones), and the people API tokens may name as requester.
import { DateTime } from 'luxon';
import { checkApproveList } from '../approvals/policy-checks.js';
import { matchRule } from '../approvals/rules.js';
import { cronProblem, isValidCron } from '../jobs/cron.js';
import type { PolicyCheck } from '../policy/check.js';
import type { ChangeKind, ChangeRisk, Policy } from '../policy/schema.js';
import { type ChangeVia, changeVia } from './policy-section.js';

export function checkChangesPolicy(p: Policy, c: PolicyCheck): void {
  const catchAll = p.changes.rules.findIndex((o) => Object.keys(o.match).length === 0);
  p.changes.rules.forEach((r, i) => {
    if (r.match.service) c.ref(['changes', 'rules', i, 'match', 'service'], 'service', r.match.service);
    if (r.match.team) c.ref(['changes', 'rules', i, 'match', 'team'], 'team', r.match.team);
    checkApproveList(p, c, ['changes', 'rules', i, 'approve'], r.approve);
    if (catchAll >= 0 && catchAll < i)
      c.problem(['changes', 'rules', i], `is never used: rule ${catchAll + 1} (match: {}) matches every change first`);
  });
  const uncovered = uncoveredSubjects(p);
  if (uncovered.length)
    c.problem(
      ['changes', 'rules'],
      `a change could match no rule: ${uncovered.slice(0, 3).join('; ')}${uncovered.length > 3 ? ` and ${uncovered.length - 3} more` : ''}; end the rules with a catch-all rule (match: {})`,
    );
  // The requester a token may name (the API's `requester`) is a person of the policy.
  p.api.tokens.forEach((t, i) =>
    t.people?.forEach((person, j) => c.ref(['api', 'tokens', i, 'people', j], 'person', person)),
  );
  c.ids('freeze', ['changes', 'freezes'], p.changes.freezes);
  p.changes.freezes.forEach((f, i) => {
    f.services?.forEach((s, j) => c.ref(['changes', 'freezes', i, 'services', j], 'service', s));
    if ('cron' in f) {
      if (!isValidCron(f.cron, f.timezone))
        c.problem(['changes', 'freezes', i, 'cron'], cronProblem(f.cron, f.timezone));
    } else if (localMillis(f.to, f.timezone) <= localMillis(f.from, f.timezone)) {
      c.problem(['changes', 'freezes', i, 'to'], `must be after from (${f.from})`);
    }
  });
}

const localMillis = (v: string, zone: string) => DateTime.fromFormat(v, 'yyyy-MM-dd HH:mm', { zone }).toMillis();

const HOW: Record<ChangeVia, string> = { chat: ' requested from chat', api: ' opened through the API' };

/** Every kind of change on every service of the policy, opened either way, that no rule matches, described for the message. */
function uncoveredSubjects(p: Policy): string[] {
  const kinds: { kind: ChangeKind; risk?: ChangeRisk }[] = [
    { kind: 'standard' },
    ...(['low', 'medium', 'high'] as const).map((risk) => ({ kind: 'normal' as const, risk })),
    { kind: 'emergency' },
  ];
  const out: string[] = [];
  for (const s of p.services)
    for (const k of kinds) {
      const missed = changeVia.options.filter(
        (via) => !matchRule(p.changes.rules, { ...k, service: s.id, team: s.team, tier: s.tier, via }),
      );
      // Missed either way: said once, without how it was opened.
      const how = missed.length === 1 ? HOW[missed[0]!] : '';
      if (missed.length)
        out.push(
          `${k.kind === 'emergency' ? 'an' : 'a'} ${k.kind}${k.risk ? ` ${k.risk}-risk` : ''} change of ${s.id}${how}`,
        );
    }
  return out;
}
