// Change approvals' part of the policy: the approval timeout, the rules in order, freezes.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { approveList } from '../approvals/policy-section.js';
import { duration, slug, timezone } from '../policy-kit.js';

export const changeKind = z.enum(['standard', 'normal', 'emergency']);
export const changeRisk = z.enum(['low', 'medium', 'high']);
/** How a change was opened: through the HTTP API (a pipeline's token) or from chat (a form on Slack, Discord or the console). */
export const changeVia = z.enum(['api', 'chat']);
export type ChangeVia = z.output<typeof changeVia>;

export const changeRule = z
  .object({
    match: z
      .object({
        kind: changeKind.optional(),
        risk: changeRisk.optional(),
        service: slug.optional(),
        team: slug.optional(),
        tier: z.number().int().min(1).max(4).optional(),
        via: changeVia
          .optional()
          .describe(
            'api: changes opened through the HTTP API (POST /api/v1/changes); chat: changes requested with the form',
          ),
      })
      .strict()
      .describe('Every key given must equal the change; {} matches every change'),
    approve: approveList,
    retrospective: z.boolean().default(false).describe('The change may start at once and is approved afterwards'),
  })
  .strict();

const localTime = z
  .string()
  .refine(
    (v) =>
      /^\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d$/.test(v) &&
      DateTime.fromFormat(v, 'yyyy-MM-dd HH:mm', { zone: 'UTC' }).isValid,
    {
      message: 'must be a local date and time "YYYY-MM-DD HH:MM" such as "2026-12-20 00:00"',
    },
  );
const freezeBase = {
  id: slug,
  reason: z.string().min(1).max(200).describe('Shown when a change is refused'),
  timezone,
  services: z.array(slug).min(1).optional().describe('Services it applies to; every service when absent'),
};
export const freeze = z.union([
  z
    .object({ ...freezeBase, from: localTime, to: localTime.describe('End (exclusive), after from') })
    .strict()
    .describe('A fixed freeze, local times in its time zone'),
  z
    .object({
      ...freezeBase,
      cron: z.string().min(1).describe('Five-field cron: each occurrence, in the time zone, starts the freeze'),
      duration: duration.describe(
        'How long each occurrence lasts, in wall-clock time: Fri 17:00 + 64h ends Mon 09:00 local even across a daylight-saving change',
      ),
    })
    .strict()
    .describe('A recurring freeze'),
]);

const defaultRules = () => [{ match: {}, approve: [{ owners: 1 }], retrospective: false }];
export const changes = z
  .object({
    approvalTimeout: duration.default('3d').describe('A request nobody decides in time expires'),
    rules: z
      .array(changeRule)
      .min(1)
      .default(defaultRules)
      .describe('In order; the first whose match fits decides. Every change must match one (checked at load)'),
    freezes: z.array(freeze).default([]),
    api: z
      .object({
        requireRequester: z
          .boolean()
          .default(false)
          .describe(
            'A change opened through the HTTP API must name its requester (`requester`, a person its token lists under `people`); a body without one is refused',
          ),
      })
      .strict()
      .optional()
      .describe('Changes opened through the HTTP API'),
  })
  .strict();

/** The policy keys change approvals declare. */
export const changesPolicy = {
  changes: changes.default(() => ({ approvalTimeout: '3d', rules: defaultRules(), freezes: [] })),
};
