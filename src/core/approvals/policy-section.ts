// Approvals' part of the policy (kernel, shared by change rules and risk exceptions): groups and approve entries.
import { z } from 'zod';
import { slug } from '../policy-kit.js';

export const group = z
  .object({
    id: slug,
    name: z.string().min(1).max(80),
    members: z.array(slug).min(1).describe('Person ids (a group never contains a group)'),
  })
  .strict()
  .describe('A named set of people, e.g. a change advisory board');

const approvers = z.number().int().min(1).max(20);
export const approveEntry = z
  .union([
    z
      .object({ group: slug, count: approvers.default(1) })
      .strict()
      .describe('count different members of the group'),
    z.object({ person: slug }).strict().describe('this person'),
    z.object({ owners: approvers }).strict().describe('this many owners of the service'),
    z.object({ team: approvers }).strict().describe("this many members of the service's team"),
  ])
  .describe('One sign-off; the requester never counts and one approval counts for one entry');
export const approveList = z.array(approveEntry).max(10).describe('Every entry must be met; [] is pre-approved');

export const groupsPolicy = { groups: z.array(group).default([]) };
