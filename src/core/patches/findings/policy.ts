// The patches section of the policy as this domain reads it, with the defaults of PRODUCT.md
// ("Patch SLAs"): SLA per severity, the known-exploited limit and the overrides by service, team or tier.
import type { Directory } from '../../directory.js';

export type SlaSeverity = 'critical' | 'high' | 'medium' | 'low';
export const SLA_SEVERITIES: readonly SlaSeverity[] = ['critical', 'high', 'medium', 'low'];

export type Sla = Record<SlaSeverity, string>;
export const DEFAULT_SLA: Sla = { critical: '7d', high: '30d', medium: '90d', low: '120d' };
export const DEFAULT_KNOWN_EXPLOITED = '14d';

export interface SlaOverride {
  match: { service?: string; team?: string; tier?: number };
  sla: Partial<Sla>;
}

export interface PatchPolicy {
  sla: Sla;
  knownExploited: string;
  overrides: SlaOverride[];
}

/** The policy's `patches` section (absent from a policy without one), every key defaulted. */
export function patchPolicy(dir: Directory): PatchPolicy {
  const p = dir.policy.patches;
  return {
    sla: { ...DEFAULT_SLA, ...p?.sla },
    knownExploited: p?.knownExploited ?? DEFAULT_KNOWN_EXPLOITED,
    overrides: p?.overrides ?? [],
  };
}

/** The SLA of one service: the defaults (or `sla`), with the first matching override's days replacing the ones it names. */
export function slaFor(policy: PatchPolicy, service: { id: string; team: string; tier: number } | undefined): Sla {
  if (!service) return policy.sla;
  const o = policy.overrides.find(
    (x) =>
      (x.match.service === undefined || x.match.service === service.id) &&
      (x.match.team === undefined || x.match.team === service.team) &&
      (x.match.tier === undefined || x.match.tier === service.tier),
  );
  return o ? { ...policy.sla, ...o.sla } : policy.sla;
}

export const DEFAULT_DIGEST_CRON = '0 9 * * 1-5';
export const DEFAULT_REMIND_BEFORE = '3d';

export interface NoticePolicy {
  digest: { cron: string; quiet: boolean };
  remindBefore: string;
  page: { severities: string[]; tiers: number[] };
}

/** Digests, reminders and breach pages as the policy sets them (PRODUCT.md defaults otherwise). */
export function noticePolicy(dir: Directory): NoticePolicy {
  const p = dir.policy.patches;
  return {
    digest: { cron: p?.digest?.cron ?? DEFAULT_DIGEST_CRON, quiet: p?.digest?.quiet ?? false },
    remindBefore: p?.remind?.before ?? DEFAULT_REMIND_BEFORE,
    page: { severities: p?.page?.severities ?? ['critical'], tiers: p?.page?.tiers ?? [1] },
  };
}
