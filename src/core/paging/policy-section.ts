// Paging's part of the policy: who may acknowledge, direct pages, override limits, escalation paths.
import { z } from 'zod';
import { duration, slug } from '../policy-kit.js';

export const paging = z
  .object({
    acknowledge: z
      .array(z.enum(['targets', 'team', 'owners', 'anyone']))
      .min(1)
      .default(['targets', 'team'])
      .describe(
        'Who may acknowledge, escalate or resolve a page: the people it notified, its service team, its service owners, or anyone in the policy',
      ),
    direct: z
      .object({ ackTimeout: duration.default('5m'), repeat: z.number().int().min(0).max(10).default(2) })
      .strict()
      .default({ ackTimeout: '5m', repeat: 2 })
      .describe('How "/page @person" escalates: re-notify the person, then tell whoever paged'),
    maxOverride: duration.default('2w').describe('Longest cover /oncall override accepts'),
  })
  .strict();

const notifyTarget = z.union([
  z.object({ schedule: slug }).strict(),
  z.object({ person: slug }).strict(),
  z.object({ team: slug }).strict(),
]);

export const escalationPolicy = z
  .object({
    id: slug,
    name: z.string().min(1).max(80).optional(),
    levels: z.array(z.object({ notify: z.array(notifyTarget).min(1), ackTimeout: duration }).strict()).min(1),
    repeat: z.number().int().min(0).max(10).default(0),
  })
  .strict();

/** The policy keys paging declares. */
export const pagingPolicy = {
  escalationPolicies: z.array(escalationPolicy).default([]),
  paging: paging.default({
    acknowledge: ['targets', 'team'],
    direct: { ackTimeout: '5m', repeat: 2 },
    maxOverride: '2w',
  }),
};
