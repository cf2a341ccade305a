// Caches fed by what people type stay bounded: 200,000 unknown service ids leave the catalog's cache as it was.
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy.js';
import { Catalog } from '../../src/core/catalog/catalog.js';
import type { Ctx } from '../../src/core/context.js';
import { Directory } from '../../src/core/directory.js';

const { policy } = loadPolicyFile('manifests/policy.example.yaml');
const directory = new Directory(policy, 'v1');
const ctx = { now: new Date('2026-06-01T10:00:00Z') } as Ctx;

describe('catalog cache', () => {
  it('keeps answers about known ids only, whatever ids are asked for', () => {
    const catalog = new Catalog(() => directory);
    const known = directory.allServices().map((s) => s.id);
    for (const id of known) {
      expect(catalog.show(ctx, { id }).ok).toBe(true);
      catalog.escalation(ctx, { id });
    }
    catalog.list(ctx, {});
    const bound = catalog.cachedAnswers;
    expect(bound).toBe(known.length * 2 + 1);

    for (let i = 0; i < 200_000; i++) {
      const unknown = catalog.show(ctx, { id: `nope-${i}` });
      expect(unknown.ok).toBe(false);
      if (i % 10 === 0) catalog.escalation(ctx, { id: `nope-${i}` });
      if (i % 100 === 0) catalog.list(ctx, { team: `team-${i}` });
    }
    expect(catalog.cachedAnswers).toBe(bound);
    // Known ids are still answered from the cache (same object), unknown ones built each time.
    const first = known[0]!;
    expect(catalog.show(ctx, { id: first })).toBe(catalog.show(ctx, { id: first }));
    expect(catalog.show(ctx, { id: 'nope-1' })).not.toBe(catalog.show(ctx, { id: 'nope-1' }));
  });
});
