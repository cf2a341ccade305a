// Building blocks of the policy schema every part shares: ids, durations, time zones, platform ids, channels.
import { z } from 'zod';
import { IANAZone } from 'luxon';

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
export const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as U0ALICE');
export const slackChannelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0PAYMENTS');
export const snowflake = z.string().regex(/^\d{15,21}$/, 'must be a Discord id (a number of 15-21 digits, quoted)');

export const channels = z
  .object({ slack: slackChannelId.optional(), discord: snowflake.optional() })
  .strict()
  .describe('Channel per platform');
