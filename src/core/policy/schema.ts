// The organisation policy format (STEWARD_CONFIG), composed here from the kernel's keys (people,
// teams, services, API tokens, groups) and each domain's policy-section.ts (the part its module
// declares as `policy`): the zod schema, its types and the source of the published JSON Schema.
// src/config loads the YAML; the core owns what it means.
import { z } from 'zod';
import { apiPolicy, apiScope } from '../api/policy-section.js';
import { approveEntry, groupsPolicy } from '../approvals/policy-section.js';
import { changeKind, changeRisk, changesPolicy } from '../changes/policy-section.js';
import { incidentsPolicy } from '../incidents/policy-section.js';
import { oncallPolicy } from '../oncall/policy-section.js';
import { pagingPolicy } from '../paging/policy-section.js';
import { patchesPolicy, riskExceptions } from '../patches/policy-section.js';
import { alertsPolicy } from '../alerts/policy-section.js';
import { statusPagePolicy } from '../status/policy-section.js';
import { lifecyclePolicy } from '../lifecycle/policy-section.js';
import { channels, slackUserId, slug, snowflake, timezone } from '../policy-kit.js';

export { duration, slug, timezone } from '../policy-kit.js';
export { apiScope } from '../api/policy-section.js';

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

/** Reads that answer only people listed in the policy unless `access.membersOnly` says otherwise. */
export const MEMBERS_ONLY_DEFAULT = [
  'patch.list',
  'patch.show',
  'patch.digest',
  'incident.timeline',
  'incident.postmortem',
] as const;

/**
 * Who may reach Steward at all, and which reads answer only people in the policy. The platform
 * binding is checked by the adapters before anything reaches the core (foreign requests are
 * dropped, logged and counted); `membersOnly` is decided in the core.
 */
export const accessPolicy = z
  .object({
    membersOnly: z
      .union([
        z.literal('all'),
        z.array(z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'must be an operation such as patch.list')),
      ])
      .default([...MEMBERS_ONLY_DEFAULT])
      .describe(
        'Read operations (e.g. patch.list, change.show, oncall.show) that answer only people listed in the policy, or "all"; replaces the default list',
      ),
    slack: z
      .object({
        team: z.string().regex(/^T[A-Z0-9]{2,}$/, 'must be a Slack workspace id such as T0123ABCD'),
        app: z
          .string()
          .regex(/^A[A-Z0-9]{2,}$/, 'must be a Slack app id such as A0123ABCD')
          .optional(),
      })
      .strict()
      .optional()
      .describe('The one Slack workspace (and app) Steward answers; requests from others are dropped'),
    discord: z
      .object({ guilds: z.array(snowflake).min(1) })
      .strict()
      .optional()
      .describe(
        'The Discord guilds Steward answers and registers its commands in; interactions from others are dropped',
      ),
  })
  .strict()
  .default({ membersOnly: [...MEMBERS_ONLY_DEFAULT] });

// ---- Groups, change approvals, freezes, risk exceptions (PRODUCT.md "Change approvals") ----

export const policySchema = z
  .object({
    timezone: timezone.default('UTC'),
    people: z.array(person).default([]),
    teams: z.array(team).default([]),
    services: z.array(service).default([]),
    access: accessPolicy,
    // Each domain declares its part (src/core/<domain>/policy-section.ts, named by its module's `policy`;
    // test/unit/policy-sections.test.ts checks that these are exactly what the modules declare).
    ...oncallPolicy,
    ...pagingPolicy,
    ...incidentsPolicy,
    ...apiPolicy,
    ...groupsPolicy,
    ...changesPolicy,
    ...patchesPolicy,
    ...alertsPolicy,
    ...statusPagePolicy,
    ...lifecyclePolicy,
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
export type AccessPolicy = Policy['access'];
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
export type PatchesPolicy = NonNullable<Policy['patches']>;
export type BackupPolicy = NonNullable<Policy['backup']>;
export type RetentionPolicy = NonNullable<Policy['retention']>;

/** The JSON Schema published as manifests/policy.schema.json. */
export function policyJsonSchema(): object {
  return {
    ...z.toJSONSchema(policySchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://steward.invalid/policy.schema.json',
    title: 'Steward organisation policy',
  };
}
