// Data lifecycle's checks of a policy that passed its schema: the cron expressions of the scheduled
// backup and of disposal, and a scheduled backup that nobody could decrypt.
import { cronProblem, isValidCron } from '../jobs/cron.js';
import type { PolicyChecker } from '../policy/check.js';

export const checkLifecyclePolicy: PolicyChecker = (p, c) => {
  const schedule = p.backup?.schedule;
  if (schedule) {
    const tz = schedule.timezone ?? p.timezone;
    if (!isValidCron(schedule.cron, tz)) c.problem(['backup', 'schedule', 'cron'], cronProblem(schedule.cron, tz));
  }
  const retention = p.retention;
  if (retention && !isValidCron(retention.cron, p.timezone))
    c.problem(['retention', 'cron'], cronProblem(retention.cron, p.timezone));
};
