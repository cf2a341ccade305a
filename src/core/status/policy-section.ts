// The status page's part of the policy: its title, public address and time zone, the public
// components (grouped, mapped to services), the component status each incident severity suggests,
// which approved changes become scheduled maintenance and how far ahead they show, the public
// announce channels, and who may publish.
import { z } from 'zod';
import { changeKind, changeRisk } from '../changes/links.js';
import { channels, duration, slug, timezone } from '../policy-kit.js';
import { COMPONENT_STATUSES } from './model.js';

/** Words a publishers rule may use besides incident role ids and group ids. */
export const PUBLISHER_WORDS = ['declarer', 'requester', 'team', 'owners', 'anyone'] as const;
export const DEFAULT_PUBLISHERS = ['commander', 'communications', 'declarer', 'requester', 'team', 'owners'];

const component = z
  .object({
    id: slug.describe('Its id in /status set and in the API'),
    name: z.string().min(1).max(80),
    description: z.string().max(200).optional(),
    services: z
      .array(slug)
      .default([])
      .describe('The services it stands for (incidents and changes on them affect it)'),
    group: z.string().min(1).max(80).optional().describe('The group it is shown under (e.g. Core)'),
  })
  .strict();

export const statusPage = z
  .object({
    title: z.string().min(1).max(80).describe('The page title, e.g. Acme Status'),
    url: z
      .string()
      .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http(s) address such as https://status.acme.example')
      .transform((v) => v.replace(/\/+$/, ''))
      .describe('The public address of the page (STATUS_PORT behind a proxy), used in feeds and links'),
    timezone: timezone.optional().describe('Time zone the page shows times in (default: the policy timezone)'),
    components: z.array(component).min(1),
    impact: z
      .record(z.string(), z.enum(COMPONENT_STATUSES).exclude(['under_maintenance']))
      .optional()
      .describe(
        'The component status an incident of each severity is published with (default by severity order: major_outage, partial_outage, degraded_performance, then operational)',
      ),
    maintenance: z
      .object({
        fromChanges: z
          .object({
            kinds: z.array(changeKind).min(1).optional(),
            risks: z.array(changeRisk).min(1).optional(),
            services: z.array(slug).min(1).optional(),
          })
          .strict()
          .optional()
          .describe('Approved changes matching every key given become scheduled maintenance by themselves'),
        notice: duration.default('2d').describe('How long before its window a maintenance appears'),
      })
      .strict()
      .default({ notice: '2d' }),
    announce: channels.optional().describe('Public channels every public update is posted to, edited in place'),
    publishers: z
      .array(z.union([z.enum(PUBLISHER_WORDS), slug]))
      .min(1)
      .default(DEFAULT_PUBLISHERS)
      .describe(
        'Who may publish incidents and maintenance and set component statuses: incident role ids, group ids, "declarer", "requester" (of a change), "team" and "owners" (of the service or component), or "anyone" in the policy',
      ),
  })
  .strict();

export type StatusPagePolicy = z.output<typeof statusPage>;
export type StatusComponentPolicy = StatusPagePolicy['components'][number];

/** The policy keys the status page declares. */
export const statusPagePolicy = { statusPage: statusPage.optional() };
