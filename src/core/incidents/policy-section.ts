// Incidents' part of the policy: announcements, war rooms, severities, roles, who may resolve.
import { z } from 'zod';
import { channels, slug, snowflake } from '../policy-kit.js';

const severity = z
  .object({ id: z.string().regex(/^[A-Z][A-Z0-9-]{0,15}$/, 'must be an upper-case id such as SEV1'), description: z.string().min(1).max(100) })
  .strict();

export const incidents = z
  .object({
    announce: channels.optional(),
    discord: z.object({ guild: snowflake, category: snowflake.optional() }).strict().optional(),
    channelName: z.string().min(1).max(80).default('inc-{number}-{slug}'),
    severities: z
      .array(severity)
      .min(1)
      .default([
        { id: 'SEV1', description: 'Customer-facing outage' },
        { id: 'SEV2', description: 'Degraded service' },
        { id: 'SEV3', description: 'Minor impact' },
        { id: 'SEV4', description: 'No customer impact' },
      ]),
    roles: z.array(slug).min(1).default(['commander', 'communications', 'scribe']),
    /** Who may resolve: role ids, "declarer", or "anyone" (any person in the policy). */
    resolve: z.array(z.union([slug, z.literal('declarer'), z.literal('anyone')])).min(1).default(['commander', 'declarer']),
  })
  .strict();

/** The policy keys incidents declare. */
export const incidentsPolicy = {
  incidents: incidents.default({
    channelName: 'inc-{number}-{slug}',
    severities: [
      { id: 'SEV1', description: 'Customer-facing outage' },
      { id: 'SEV2', description: 'Degraded service' },
      { id: 'SEV3', description: 'Minor impact' },
      { id: 'SEV4', description: 'No customer impact' },
    ],
    roles: ['commander', 'communications', 'scribe'],
    resolve: ['commander', 'declarer'],
  }),
};
