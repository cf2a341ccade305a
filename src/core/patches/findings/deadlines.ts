// A finding's deadline: first seen + the SLA of its severity (per service, see policy.ts); a known
// exploited one gets the sooner of that, first seen + `knownExploited`, and the KEV catalog's due date.
// Days and weeks are added on the calendar of the service team's time zone (a 7d deadline keeps its
// local time across a daylight-saving change); hours and shorter are elapsed time.
import { DateTime } from 'luxon';
import type { Directory } from '../../directory.js';
import type { Severity } from './model.js';
import { patchPolicy, slaFor, type PatchPolicy, type SlaSeverity } from './policy.js';

export interface DeadlineInput {
  serviceId: string;
  severity: Severity;
  firstSeenAt: Date;
  knownExploited: boolean;
  kevDueDate: Date | null;
}

const UNIT = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks' } as const;

export function addDuration(from: Date, duration: string, zone: string): Date {
  const m = /^(\d+)(s|m|h|d|w)$/.exec(duration.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(duration)}`);
  return DateTime.fromJSDate(from, { zone })
    .plus({ [UNIT[m[2] as keyof typeof UNIT]]: Number(m[1]) })
    .toJSDate();
}

/** A KEV due date ("2021-11-17") is due by the end of that day, UTC. */
export function kevDueInstant(date: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const d = new Date(`${date}T00:00:00.000Z`);
  return Number.isNaN(d.getTime()) ? null : new Date(d.getTime() + 86_400_000);
}

const isSla = (s: Severity): s is SlaSeverity => s === 'critical' || s === 'high' || s === 'medium' || s === 'low';

/** Computes deadlines against one policy version (the SLA per service is looked up once). */
export class DeadlineRules {
  private readonly policy: PatchPolicy;
  private readonly perService = new Map<string, { sla: ReturnType<typeof slaFor>; zone: string }>();

  constructor(private readonly dir: Directory) {
    this.policy = patchPolicy(dir);
  }

  private of(serviceId: string) {
    let v = this.perService.get(serviceId);
    if (!v) {
      const service = this.dir.service(serviceId);
      const zone = (service && this.dir.team(service.team)?.timezone) ?? this.dir.policy.timezone;
      this.perService.set(serviceId, (v = { sla: slaFor(this.policy, service), zone }));
    }
    return v;
  }

  /** null: no deadline (severity none or unknown, not known exploited). */
  deadline(f: DeadlineInput): Date | null {
    const { sla, zone } = this.of(f.serviceId);
    const candidates: number[] = [];
    if (isSla(f.severity)) candidates.push(addDuration(f.firstSeenAt, sla[f.severity], zone).getTime());
    if (f.knownExploited) {
      candidates.push(addDuration(f.firstSeenAt, this.policy.knownExploited, zone).getTime());
      if (f.kevDueDate) candidates.push(f.kevDueDate.getTime());
    }
    return candidates.length ? new Date(Math.min(...candidates)) : null;
  }
}

export const deadlineRules = (dir: Directory) => new DeadlineRules(dir);
