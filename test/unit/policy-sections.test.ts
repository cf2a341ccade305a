// Each domain declares its part of the policy file in its module; the policy schema is exactly the
// kernel's keys plus what the standard modules declare, each key owned once.
import { describe, expect, it } from 'vitest';
import { policySchema } from '../../src/core/policy/schema.js';
import { STANDARD_MODULES } from '../../src/modules.js';

/** Keys every domain shares: the directory of people, teams and services, access, groups, API tokens. */
const KERNEL = ['timezone', 'people', 'teams', 'services', 'access', 'api', 'groups'];

describe('policy sections', () => {
  const shape = policySchema.shape as Record<string, unknown>;

  it('every key a module declares is in the policy schema with the module’s own schema', () => {
    const declared = STANDARD_MODULES.flatMap((m) =>
      Object.entries(m.policy ?? {}).map(([key, schema]) => ({ module: m.id, key, schema })),
    );
    expect(declared.map((d) => `${d.module}:${d.key}`)).toEqual([
      'incidents:incidents',
      'paging:escalationPolicies',
      'paging:paging',
      'oncall:schedules',
      'changes:changes',
      'patches:patches',
      'alerts:alerts',
      'status:statusPage',
      'lifecycle:backup',
      'lifecycle:retention',
    ]);
    for (const d of declared) expect(shape[d.key], `${d.module} declares ${d.key}`).toBe(d.schema);
  });

  it('every key of the policy schema is the kernel’s or declared by exactly one module', () => {
    const owners = new Map<string, string[]>();
    for (const m of STANDARD_MODULES)
      for (const key of Object.keys(m.policy ?? {})) owners.set(key, [...(owners.get(key) ?? []), m.id]);
    for (const key of Object.keys(shape)) {
      if (KERNEL.includes(key)) expect(owners.get(key), `${key} is the kernel's`).toBeUndefined();
      else expect(owners.get(key), `${key} has one owner`).toHaveLength(1);
    }
  });
});
