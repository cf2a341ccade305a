// Patch SLAs' cross-references: exception approvers, SLA override matches, the digest's cron.
import { checkApproveList } from '../approvals/policy-checks.js';
import { cronProblem, isValidCron } from '../jobs/cron.js';
import type { PolicyCheck } from '../policy/check.js';
import type { Policy } from '../policy/schema.js';

export function checkPatchesPolicy(p: Policy, c: PolicyCheck): void {
  if (!p.patches) return;
  checkApproveList(p, c, ['patches', 'exceptions', 'approve'], p.patches.exceptions.approve);
  p.patches.overrides?.forEach((o, i) => {
    if (o.match.service) c.ref(['patches', 'overrides', i, 'match', 'service'], 'service', o.match.service);
    if (o.match.team) c.ref(['patches', 'overrides', i, 'match', 'team'], 'team', o.match.team);
  });
  const digest = p.patches.digest?.cron;
  if (digest !== undefined && !isValidCron(digest, p.timezone))
    c.problem(['patches', 'digest', 'cron'], cronProblem(digest, p.timezone));
}
