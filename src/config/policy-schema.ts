// The organisation policy format (STEWARD_CONFIG): zod schema, the source of the published JSON Schema.
import { z } from 'zod';
import { DateTime, IANAZone } from 'luxon';

export const slug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be a lowercase slug: a-z, 0-9 and "-", at most 64 characters')
  .describe('Lowercase id used for cross-references');
export const duration = z
  .string()
  .regex(/^[1-9]\d*(s|m|h|d|w)$/, 'must be a duration such as 30s, 5m, 2h, 1d or 1w')
  .describe('Duration: a positive whole number followed by s, m, h, d or w');
export const timezone = z
  .string()
  .refine((v) => IANAZone.isValidZone(v), { message: 'must be an IANA time zone such as Europe/Berlin' })
  .describe('IANA time zone name');
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as U0ALICE');
const slackChannelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0PAYMENTS');
const snowflake = z.string().regex(/^\d{15,21}$/, 'must be a Discord id (a number of 15-21 digits, quoted)');

export const channels = z
  .object({ slack: slackChannelId.optional(), discord: snowflake.optional() })
  .strict()
  .describe('Channel per platform');

export const person = z
  .object({
    id: slug,
    name: z.string().min(1).max(80),
    slack: slackUserId.optional(),
    discord: snowflake.optional(),
    email: z.string().email().optional(),
    timezone: timezone.optional(),
  })
  .strict();

export const team = z
  .object({
    id: slug,
    name: z.string().min(1).max(80),
    members: z.array(slug).default([]),
    timezone: timezone.optional(),
    channels: channels.optional(),
  })
  .strict();

export const service = z
  .object({
    id: slug,
    name: z.string().min(1).max(80),
    description: z.string().max(500).optional(),
    team: slug,
    tier: z.number().int().min(1).max(4).describe('1 = most critical'),
    owners: z.array(slug).default([]),
    escalation: slug.optional().describe('id of an escalation policy'),
    runbook: z.string().url().optional(),
    repository: z.string().url().optional(),
    channels: channels.optional().describe('Where this service is discussed; defaults to its team channels'),
  })
  .strict();

const handoff = z
  .string()
  .regex(/^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" or "Ddd HH:MM" such as "Mon 09:00"');

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time "HH:MM" such as 09:00');
const weekday = z.enum(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date "YYYY-MM-DD"');
const instant = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'must be a date and time with its offset, e.g. 2026-12-24T18:00:00+01:00',
  });

export const rotation = z
  .object({
    every: duration.describe('Shift length: days and weeks hand off at the same local time across daylight-saving changes; hours and minutes are elapsed time'),
    handoff,
    members: z.array(slug).min(1),
    start: isoDate.optional().describe('Local date the rotation starts from (default 2024-01-01): members[0] holds the first shift'),
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
  .object({ name: z.string().min(1).max(80).optional(), rotation, restrictions: z.array(restriction).min(1).optional() })
  .strict()
  .describe('A rotation that applies only within its restrictions; later layers win where they apply');

export const schedule = z
  .object({
    id: slug,
    name: z.string().min(1).max(80).optional(),
    timezone: timezone.optional(),
    rotation: rotation.optional().describe('The base rotation (the lowest layer)'),
    layers: z.array(layer).min(1).optional().describe('Further layers above the base rotation; the last applicable one wins'),
    overrides: z
      .array(z.object({ person: slug, start: instant, end: instant }).strict())
      .optional()
      .describe('Planned cover, in addition to /oncall override'),
  })
  .strict()
  .refine((s) => s.rotation || s.layers, { message: 'needs a rotation or layers', path: ['rotation'] });

export const paging = z
  .object({
    acknowledge: z
      .array(z.enum(['targets', 'team', 'owners', 'anyone']))
      .min(1)
      .default(['targets', 'team'])
      .describe('Who may acknowledge, escalate or resolve a page: the people it notified, its service team, its service owners, or anyone in the policy'),
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

/** What an HTTP API token may do (PRODUCT.md "HTTP API and tokens"). */
export const apiScope = z.enum(['findings:write', 'changes:write', 'changes:read', 'policy:reload']);

export const apiToken = z
  .object({
    id: slug,
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the token as 64 hex characters (npm run steward -- token new <id> prints it)')
      .describe('SHA-256 (hex) of the token; the token itself is never stored'),
    scopes: z.array(apiScope).min(1),
    services: z.array(slug).min(1).optional().describe('Services the token may act on; every service when absent'),
  })
  .strict();

export const api = z
  .object({ tokens: z.array(apiToken).default([]).describe('Bearer tokens of the HTTP API (CI pipelines, scanners, operators)') })
  .strict();

// ---- Groups, change approvals, freezes, risk exceptions (PRODUCT.md "Change approvals") ----

export const group = z
  .object({ id: slug, name: z.string().min(1).max(80), members: z.array(slug).min(1).describe('Person ids (a group never contains a group)') })
  .strict()
  .describe('A named set of people, e.g. a change advisory board');

const approvers = z.number().int().min(1).max(20);
export const approveEntry = z
  .union([
    z.object({ group: slug, count: approvers.default(1) }).strict().describe('count different members of the group'),
    z.object({ person: slug }).strict().describe('this person'),
    z.object({ owners: approvers }).strict().describe('this many owners of the service'),
    z.object({ team: approvers }).strict().describe("this many members of the service's team"),
  ])
  .describe('One sign-off; the requester never counts and one approval counts for one entry');
export const approveList = z.array(approveEntry).max(10).describe('Every entry must be met; [] is pre-approved');

export const changeKind = z.enum(['standard', 'normal', 'emergency']);
export const changeRisk = z.enum(['low', 'medium', 'high']);

export const changeRule = z
  .object({
    match: z
      .object({ kind: changeKind.optional(), risk: changeRisk.optional(), service: slug.optional(), team: slug.optional(), tier: z.number().int().min(1).max(4).optional() })
      .strict()
      .describe('Every key given must equal the change; {} matches every change'),
    approve: approveList,
    retrospective: z.boolean().default(false).describe('The change may start at once and is approved afterwards'),
  })
  .strict();

const localTime = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d$/.test(v) && DateTime.fromFormat(v, 'yyyy-MM-dd HH:mm', { zone: 'UTC' }).isValid, {
    message: 'must be a local date and time "YYYY-MM-DD HH:MM" such as "2026-12-20 00:00"',
  });
const freezeBase = {
  id: slug,
  reason: z.string().min(1).max(200).describe('Shown when a change is refused'),
  timezone,
  services: z.array(slug).min(1).optional().describe('Services it applies to; every service when absent'),
};
export const freeze = z.union([
  z.object({ ...freezeBase, from: localTime, to: localTime.describe('End (exclusive), after from') }).strict().describe('A fixed freeze, local times in its time zone'),
  z
    .object({
      ...freezeBase,
      cron: z.string().min(1).describe('Five-field cron: each occurrence, in the time zone, starts the freeze'),
      duration: duration.describe('How long each occurrence lasts, in wall-clock time: Fri 17:00 + 64h ends Mon 09:00 local even across a daylight-saving change'),
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
  })
  .strict();

export const riskExceptions = z
  .object({ maxDuration: duration.default('180d').describe('Longest risk exception accepted'), approve: approveList.default(() => [{ owners: 1 }]) })
  .strict();
// ---- Patch SLAs (PRODUCT.md "Patch SLAs") ----

const findingSeverity = z.enum(['critical', 'high', 'medium', 'low']);
const tier = z.number().int().min(1).max(4);
export const patchSla = z
  .object({ critical: duration.default('7d'), high: duration.default('30d'), medium: duration.default('90d'), low: duration.default('120d') })
  .strict()
  .describe('Days to fix a finding of each severity, from when it is first seen (days and weeks on the calendar of the service team\'s time zone)');
export const slaOverride = z
  .object({
    match: z
      .object({ service: slug.optional(), team: slug.optional(), tier: tier.optional() })
      .strict()
      .describe('Every key given must equal the service; {} matches every service'),
    sla: z
      .object({ critical: duration.optional(), high: duration.optional(), medium: duration.optional(), low: duration.optional() })
      .strict()
      .describe('Replaces the days it names; the others keep patches.sla'),
  })
  .strict();
// The keys are optional (a policy without them gets the defaults named here, see src/core/patches/policy.ts).
export const patches = z
  .object({
    sla: patchSla.optional().describe('Default critical 7d, high 30d, medium 90d, low 120d'),
    knownExploited: duration.optional().describe('Default 14d. A known-exploited finding (reported so, or in the KEV catalog) is due by then at the latest; a sooner KEV due date wins'),
    overrides: z.array(slaOverride).optional().describe('In order; the first whose match fits the service replaces the days it names'),
    digest: z
      .object({ cron: z.string().min(1).default('0 9 * * 1-5').describe("Five-field cron, in each team's time zone") })
      .strict()
      .optional()
      .describe("Each team's digest of overdue and soon-due findings; default 0 9 * * 1-5"),
    remind: z
      .object({ before: duration.default('3d').describe('Owners hear this long before a deadline, and when it passes') })
      .strict()
      .optional()
      .describe('Default 3d'),
    page: z
      .object({ severities: z.array(findingSeverity).default(['critical']), tiers: z.array(tier).default([1]) })
      .strict()
      .optional()
      .describe('An overdue finding of these severities, in a service of these tiers, pages its service once; default critical, tier 1'),
    exceptions: riskExceptions.default(() => ({ maxDuration: '180d', approve: [{ owners: 1 }] })),
  })
  .strict();

export const policySchema = z
  .object({
    timezone: timezone.default('UTC'),
    people: z.array(person).default([]),
    teams: z.array(team).default([]),
    services: z.array(service).default([]),
    schedules: z.array(schedule).default([]),
    escalationPolicies: z.array(escalationPolicy).default([]),
    paging: paging.default({ acknowledge: ['targets', 'team'], direct: { ackTimeout: '5m', repeat: 2 }, maxOverride: '2w' }),
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
    api: api.default({ tokens: [] }),
    groups: z.array(group).default([]),
    changes: changes.default(() => ({ approvalTimeout: '3d', rules: defaultRules(), freezes: [] })),
    patches: patches.optional(),
  })
  .strict()
  .describe('Steward organisation policy');

export type Policy = z.output<typeof policySchema>;
export type Person = Policy['people'][number];
export type Team = Policy['teams'][number];
export type Service = Policy['services'][number];
export type Schedule = Policy['schedules'][number];
export type EscalationPolicy = Policy['escalationPolicies'][number];
export type Paging = Policy['paging'];
export type ApiScope = z.output<typeof apiScope>;
export type ApiToken = Policy['api']['tokens'][number];
export type NotifyTarget = EscalationPolicy['levels'][number]['notify'][number];
export type Group = Policy['groups'][number];
export type ChangesPolicy = Policy['changes'];
export type ChangeRule = ChangesPolicy['rules'][number];
export type ChangeKind = z.output<typeof changeKind>;
export type ChangeRisk = z.output<typeof changeRisk>;
export type ApproveEntry = z.output<typeof approveEntry>;
export type Freeze = ChangesPolicy['freezes'][number];
export type RiskExceptions = z.output<typeof riskExceptions>;
export type PatchesPolicy = z.output<typeof patches>;

/** The JSON Schema published as manifests/policy.schema.json. */
export function policyJsonSchema(): object {
  return {
    ...z.toJSONSchema(policySchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://steward.invalid/policy.schema.json',
    title: 'Steward organisation policy',
  };
}
