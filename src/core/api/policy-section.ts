// The HTTP API's part of the policy (kernel): bearer tokens, hashed, scoped by verb and service.
import { z } from 'zod';
import { slug } from '../policy-kit.js';

/** What an HTTP API token may do (PRODUCT.md "HTTP API and tokens"). */
export const apiScope = z.enum([
  'findings:write',
  'changes:write',
  'changes:read',
  'policy:reload',
  'alerts:write',
  'heartbeats:write',
]);

export const apiToken = z
  .object({
    id: slug,
    sha256: z
      .string()
      .regex(
        /^[0-9a-fA-F]{64}$/,
        'must be the SHA-256 of the token as 64 hex characters (npm run steward -- token new <id> prints it)',
      )
      .describe('SHA-256 (hex) of the token; the token itself is never stored'),
    scopes: z.array(apiScope).min(1),
    services: z.array(slug).min(1).optional().describe('Services the token may act on; every service when absent'),
    people: z
      .array(slug)
      .min(1)
      .optional()
      .describe(
        "Person ids this token may name as the requester of a change it opens (the body's `requester`): that person then counts as the requester and cannot approve it. When absent the token may name nobody",
      ),
  })
  .strict();

export const api = z
  .object({
    tokens: z.array(apiToken).default([]).describe('Bearer tokens of the HTTP API (CI pipelines, scanners, operators)'),
  })
  .strict();

export const apiPolicy = { api: api.default({ tokens: [] }) };
