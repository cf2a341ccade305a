// Alerts' part of the policy: the integrations monitoring sends to (with their routes and storm
// limits), recurring maintenance windows, whether changes in progress silence their service, and
// heartbeats (dead man's switches).
import { z } from 'zod';
import { duration, slug, timezone } from '../policy-kit.js';
import { isValidCron } from '../jobs/cron.js';

const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be a label name such as team or alertname');

/** `300/5m`: at most 300 alerts in each 5-minute window page; the rest are stored. */
export const rateLimit = z
  .string()
  .regex(/^[1-9]\d{0,6}\/[1-9]\d*(s|m|h)$/, 'must be alerts per window, such as 300/5m')
  .describe('Alerts per window that may page, e.g. 300/5m; above it alerts are stored, not paged');

const cronText = z.string().describe('Five-field cron expression read in `timezone`');

export const alertIntegration = z
  .object({
    id: slug.describe('Its address: POST /api/v1/alerts/<id>'),
    service: slug.describe('The service its alerts page, unless a route or a `service` label says otherwise'),
    routes: z
      .array(
        z
          .object({
            match: z.record(labelName, z.string().max(256)).refine((m) => Object.keys(m).length > 0, 'is empty'),
            service: slug,
          })
          .strict(),
      )
      .default([])
      .describe('In order; the first whose labels all match decides the service'),
    rateLimit: rateLimit.optional(),
    routingKey: z
      .object({
        sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the routing key as 64 hex characters'),
      })
      .strict()
      .optional()
      .describe('PagerDuty drop-in: POST /v2/enqueue with this routing key (token new --routing-key prints it)'),
  })
  .strict();

export const maintenanceWindow = z
  .object({
    id: slug,
    timezone,
    cron: cronText,
    duration,
    services: z.array(slug).min(1),
  })
  .strict()
  .refine((w) => isValidCron(w.cron, w.timezone), {
    message: 'cron must be a valid five-field expression',
    path: ['cron'],
  });

export const heartbeat = z
  .object({
    id: slug.describe('Its address: /api/v1/heartbeats/<id>'),
    service: slug,
    period: duration.optional().describe('A ping is expected every period …'),
    cron: cronText.optional().describe('… or at each occurrence of cron in timezone'),
    timezone: timezone.optional(),
    grace: duration.describe('How late a ping may be before the heartbeat is down'),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (!!h.period === !!h.cron)
      ctx.addIssue({
        code: 'custom',
        message: 'needs either period or cron (with timezone), not both',
        path: ['period'],
      });
    if (h.cron && !h.timezone) ctx.addIssue({ code: 'custom', message: 'is needed with cron', path: ['timezone'] });
    if (h.cron && h.timezone && !isValidCron(h.cron, h.timezone))
      ctx.addIssue({ code: 'custom', message: 'must be a valid five-field expression', path: ['cron'] });
  });

export const alerts = z
  .object({
    integrations: z.array(alertIntegration).default([]),
    maintenance: z.array(maintenanceWindow).default([]),
    changesSilence: z
      .boolean()
      .default(false)
      .describe("An approved change in progress silences its service's alerts for its window"),
    heartbeats: z.array(heartbeat).default([]),
  })
  .strict();

/** The policy keys alerts declare. */
export const alertsPolicy = {
  alerts: alerts.default({ integrations: [], maintenance: [], changesSilence: false, heartbeats: [] }),
};
