// On call's part of the policy: schedules (rotations, layers, restrictions, planned overrides).
import { z } from 'zod';
import { duration, slug, timezone } from '../policy-kit.js';

const handoff = z
  .string()
  .regex(
    /^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?([01]\d|2[0-3]):[0-5]\d$/,
    'must be "HH:MM" or "Ddd HH:MM" such as "Mon 09:00"',
  );

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time "HH:MM" such as 09:00');
const weekday = z.enum(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date "YYYY-MM-DD"');
const instant = z
  .string()
  .refine(
    (v) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
    {
      message: 'must be a date and time with its offset, e.g. 2026-12-24T18:00:00+01:00',
    },
  );

export const rotation = z
  .object({
    every: duration.describe(
      'Shift length: days and weeks hand off at the same local time across daylight-saving changes; hours and minutes are elapsed time',
    ),
    handoff,
    members: z.array(slug).min(1),
    start: isoDate
      .optional()
      .describe('Local date the rotation starts from (default 2024-01-01): members[0] holds the first shift'),
  })
  .strict();

export const restriction = z
  .object({
    days: z.array(weekday).min(1).optional().describe('Weekdays the window starts on (default every day)'),
    from: hhmm,
    to: hhmm.describe('End of the window; at or before "from" means it runs overnight'),
  })
  .strict();

export const layer = z
  .object({
    name: z.string().min(1).max(80).optional(),
    rotation,
    restrictions: z.array(restriction).min(1).optional(),
  })
  .strict()
  .describe('A rotation that applies only within its restrictions; later layers win where they apply');

export const schedule = z
  .object({
    id: slug,
    name: z.string().min(1).max(80).optional(),
    timezone: timezone.optional(),
    rotation: rotation.optional().describe('The base rotation (the lowest layer)'),
    layers: z
      .array(layer)
      .min(1)
      .optional()
      .describe('Further layers above the base rotation; the last applicable one wins'),
    overrides: z
      .array(z.object({ person: slug, start: instant, end: instant }).strict())
      .optional()
      .describe('Planned cover, in addition to /oncall override'),
  })
  .strict()
  .refine((s) => s.rotation || s.layers, { message: 'needs a rotation or layers', path: ['rotation'] });

/** The policy keys on call declares. */
export const oncallPolicy = { schedules: z.array(schedule).default([]) };
