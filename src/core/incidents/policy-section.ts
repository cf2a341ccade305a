// Incidents' part of the policy: announcements, war rooms, severities, roles, who may change what.
import { z } from 'zod';
import { channels, slug, snowflake } from '../policy-kit.js';
import { INCIDENT_ACTIONS, type IncidentAction } from './permissions.js';

const rule = z.array(z.union([z.enum(['declarer', 'team', 'owners', 'anyone']), slug])).min(1);

const severity = z
  .object({
    id: z.string().regex(/^[A-Z][A-Z0-9-]{0,15}$/, 'must be an upper-case id such as SEV1'),
    description: z.string().min(1).max(100),
  })
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
    resolve: z
      .array(z.union([slug, z.literal('declarer'), z.literal('anyone')]))
      .min(1)
      .default(['commander', 'declarer']),
    /** Who may make each change (see ./permissions.ts for the defaults); `resolve` here wins over the key above. */
    permissions: z
      .object(
        Object.fromEntries(INCIDENT_ACTIONS.map((a) => [a, rule.optional()])) as Record<
          IncidentAction,
          z.ZodOptional<typeof rule>
        >,
      )
      .strict()
      .optional()
      .describe(
        'Who may make each change of an incident: role ids, "declarer", "team" (its service team), "owners" (its service owners) or "anyone" (any person in the policy)',
      ),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const [action, rules] of Object.entries(v.permissions ?? {}))
      for (const r of rules ?? [])
        if (!['declarer', 'team', 'owners', 'anyone'].includes(r) && !v.roles.includes(r))
          ctx.addIssue({
            code: 'custom',
            path: ['permissions', action],
            message: `"${r}" is not one of incidents.roles (${v.roles.join(', ')}) nor declarer, team, owners or anyone`,
          });
  });

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
