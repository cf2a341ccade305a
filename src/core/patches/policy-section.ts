// Patch SLAs' part of the policy: SLAs by severity, overrides, known-exploited deadlines, digests, reminders, pages, exceptions.
import { z } from 'zod';
import { approveList } from '../approvals/policy-section.js';
import { duration, slug } from '../policy-kit.js';

export const riskExceptions = z
  .object({
    maxDuration: duration.default('180d').describe('Longest risk exception accepted'),
    approve: approveList.default(() => [{ owners: 1 }]),
  })
  .strict();
// ---- Patch SLAs (PRODUCT.md "Patch SLAs") ----

const findingSeverity = z.enum(['critical', 'high', 'medium', 'low']);
const tier = z.number().int().min(1).max(4);
export const patchSla = z
  .object({
    critical: duration.default('7d'),
    high: duration.default('30d'),
    medium: duration.default('90d'),
    low: duration.default('120d'),
  })
  .strict()
  .describe(
    "Days to fix a finding of each severity, from when it is first seen (days and weeks on the calendar of the service team's time zone)",
  );
export const slaOverride = z
  .object({
    match: z
      .object({ service: slug.optional(), team: slug.optional(), tier: tier.optional() })
      .strict()
      .describe('Every key given must equal the service; {} matches every service'),
    sla: z
      .object({
        critical: duration.optional(),
        high: duration.optional(),
        medium: duration.optional(),
        low: duration.optional(),
      })
      .strict()
      .describe('Replaces the days it names; the others keep patches.sla'),
  })
  .strict();
// The keys are optional (a policy without them gets the defaults named here, see src/core/patches/policy.ts).
export const patches = z
  .object({
    sla: patchSla.optional().describe('Default critical 7d, high 30d, medium 90d, low 120d'),
    knownExploited: duration
      .optional()
      .describe(
        'Default 14d. A known-exploited finding (reported so, or in the KEV catalog) is due by then at the latest; a sooner KEV due date wins',
      ),
    overrides: z
      .array(slaOverride)
      .optional()
      .describe('In order; the first whose match fits the service replaces the days it names'),
    digest: z
      .object({
        cron: z.string().min(1).default('0 9 * * 1-5').describe("Five-field cron, in each team's time zone"),
        quiet: z
          .boolean()
          .default(false)
          .describe('A team with no open findings gets no digest (instead of a short all-clear)'),
      })
      .strict()
      .optional()
      .describe("Each team's digest of overdue and soon-due findings; default 0 9 * * 1-5"),
    remind: z
      .object({
        before: duration.default('3d').describe('Owners hear this long before a deadline, and when it passes'),
      })
      .strict()
      .optional()
      .describe('Default 3d'),
    page: z
      .object({ severities: z.array(findingSeverity).default(['critical']), tiers: z.array(tier).default([1]) })
      .strict()
      .optional()
      .describe(
        'An overdue finding of these severities, in a service of these tiers, pages its service once; default critical, tier 1',
      ),
    exceptions: riskExceptions.default(() => ({ maxDuration: '180d', approve: [{ owners: 1 }] })),
  })
  .strict();

/** The policy keys patch SLAs declare. */
export const patchesPolicy = { patches: patches.optional() };
