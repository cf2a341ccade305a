// Data lifecycle's part of the policy: who backups are encrypted to, the scheduled backup, and how
// long each kind of record is kept (keep everything unless a key says otherwise).
import { z } from 'zod';
import { channels, duration, timezone } from '../policy-kit.js';

/** An age public key: `age1…` (X25519) or `age1pq1…` (hybrid post-quantum), bech32. */
export const ageRecipient = z
  .string()
  .regex(/^age1[02-9ac-hj-np-z]{20,}$/, 'must be an age public key (age1…)')
  .describe('age recipient (public key)');

export const backupSchedule = z
  .object({
    cron: z.string().min(1).describe('Five-field cron expression, read in `timezone`'),
    timezone: timezone.optional().describe("Default: the policy's timezone"),
    directory: z.string().min(1).describe('Folder the encrypted backups are written to (created when missing)'),
    keep: z.number().int().min(1).max(10_000).default(7).describe('How many scheduled backups to keep in the folder'),
    grace: duration
      .default('1h')
      .describe('A scheduled backup not done this long after its time is missing: the operators are told'),
  })
  .strict();

export const backupPolicy = z
  .object({
    recipients: z
      .array(ageRecipient)
      .default([])
      .describe('age public keys every backup is encrypted to; STEWARD_BACKUP_RECIPIENTS replaces them'),
    schedule: backupSchedule.optional().describe('A scheduled backup (none when absent)'),
    notify: channels.optional().describe("The operators' channel: told when a scheduled backup fails or is missing"),
  })
  .strict();

export const retentionPolicy = z
  .object({
    cron: z
      .string()
      .min(1)
      .default('30 3 * * *')
      .describe("When disposal runs each day (five-field cron, in the policy's timezone)"),
    incidents: duration.optional().describe('Closed incidents (resolved, declined, cancelled), from when they closed'),
    alerts: duration.optional().describe('Resolved alert groups, from when they resolved'),
    findings: duration.optional().describe('Fixed findings, from when they were fixed'),
    changes: duration
      .optional()
      .describe('Decided changes (finished, rejected, expired, cancelled), from their last update'),
    pages: duration.optional().describe('Resolved pages, from when they resolved'),
    drafts: duration.optional().describe('Form drafts, from when they were saved'),
    audit: duration
      .optional()
      .describe('Audit entries, oldest first; the chain stays verifiable from a checkpoint entry'),
    batch: z.number().int().min(1).max(10_000).default(500).describe('Records disposed of per transaction'),
  })
  .strict();

/** The policy keys data lifecycle declares. */
export const lifecyclePolicy = { backup: backupPolicy.optional(), retention: retentionPolicy.optional() };
