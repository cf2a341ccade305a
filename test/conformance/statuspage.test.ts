// Statuspage API conformance: the summary.json samples in ../shared/fixtures/statuspage (Atlassian
// Statuspage's own documented sample, see its SOURCES.md), read in place, never copied. Every field
// the sample's page, status, components, incidents, incident updates and scheduled maintenances
// carry, Steward's summary.json carries too, with a value of the same JSON type (or null where the
// sample has one), and every enum value Steward uses is one the sample's fields take in Statuspage.
// Runs only when the fixtures folder exists next to the repository.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiPicture } from '../status/api-picture.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/statuspage', import.meta.url));
const exists = existsSync(FIXTURES);
if (!exists)
  console.warn(`Statuspage fixtures not found at ${FIXTURES}: the Statuspage conformance suite does not run`);
const FILES = exists ? readdirSync(FIXTURES).filter((f) => f.includes('summary') && f.endsWith('.json')) : [];

type J = Record<string, any>;
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Each field of `sample` is in `ours` with the same JSON type; null in either side is allowed. */
function sameShape(sample: J, ours: J, where: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(sample)) {
    if (!(k in ours)) {
      out.push(`${where}.${k} missing`);
      continue;
    }
    const a = kind(v);
    const b = kind(ours[k]);
    if (a !== b && a !== 'null' && b !== 'null') out.push(`${where}.${k}: ${b}, the sample has ${a}`);
  }
  return out;
}

describe.runIf(exists)('Statuspage summary.json conformance', () => {
  let ours: J;
  beforeAll(async () => {
    ours = (await apiPicture())['summary.json'];
  }, 60_000);

  it('finds the samples', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });

  for (const file of FILES)
    it(`carries every field of ${file}`, () => {
      const sample = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as J;
      expect(Object.keys(ours).sort()).toEqual(expect.arrayContaining(Object.keys(sample).sort()));
      const problems = [
        ...sameShape(sample.page, ours.page, 'page'),
        ...sameShape(sample.status, ours.status, 'status'),
        ...sample.components.flatMap((c: J) => sameShape(c, ours.components.at(-1), 'components[]')),
        ...sample.incidents.flatMap((i: J) => sameShape(i, ours.incidents[0], 'incidents[]')),
        ...sample.incidents.flatMap((i: J) =>
          i.incident_updates.flatMap((u: J) =>
            sameShape(u, ours.incidents[0].incident_updates[0], 'incidents[].incident_updates[]'),
          ),
        ),
        ...sample.scheduled_maintenances.flatMap((m: J) =>
          sameShape(m, ours.scheduled_maintenances[0], 'scheduled_maintenances[]'),
        ),
      ];
      expect(problems).toEqual([]);
      // The sample's enum values are among those Statuspage documents, and so are ours.
      const documented = {
        component: ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'],
        incident: ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'],
        maintenance: ['scheduled', 'in_progress', 'verifying', 'completed'],
        indicator: ['none', 'minor', 'major', 'critical'],
      };
      for (const [values, allowed] of [
        [[...sample.components, ...ours.components].map((c: J) => c.status), documented.component],
        [[...sample.incidents, ...ours.incidents].map((i: J) => i.status), documented.incident],
        [
          [...sample.scheduled_maintenances, ...ours.scheduled_maintenances].map((m: J) => m.status),
          documented.maintenance,
        ],
        [[sample.status.indicator, ours.status.indicator], documented.indicator],
        [[...sample.incidents, ...ours.incidents].map((i: J) => i.impact), documented.indicator],
      ] as [string[], string[]][])
        for (const v of values) expect(allowed).toContain(v);
    });
});
