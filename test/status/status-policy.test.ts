// The statusPage part of the policy: what it defaults to, and what it refuses when it loads, each
// problem with its path (unknown services, severities and publishers, duplicate components, a bad
// address or status).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyError, parsePolicy } from '../../src/config/policy.js';
import { STATUS_POLICY } from './support.js';

const text = readFileSync(STATUS_POLICY, 'utf8');
const head = text.slice(0, text.indexOf('statusPage:'));

function problems(policy: string): string[] {
  try {
    parsePolicy(policy, 'org.yaml');
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  throw new Error('expected the policy to be refused');
}

describe('statusPage policy', () => {
  it('loads with its defaults: two days of notice, the default publishers, the policy time zone', () => {
    const sp = parsePolicy(
      `${head}statusPage:\n  title: Acme\n  url: https://status.acme.example/\n  components: [{ id: payments, name: Payments }]\n`,
      'org.yaml',
    ).policy.statusPage!;
    expect(sp).toMatchObject({
      url: 'https://status.acme.example',
      maintenance: { notice: '2d' },
      publishers: ['commander', 'communications', 'declarer', 'requester', 'team', 'owners'],
    });
    expect(sp.timezone).toBeUndefined();
    expect(sp.components[0]!.services).toEqual([]);
    // Without the section there is no status page.
    expect(parsePolicy(head, 'org.yaml').policy.statusPage).toBeUndefined();
  });

  it('refuses unknown services, severities, groups and statuses, duplicate components, and a bad address', () => {
    const bad = `${head}statusPage:
  title: Acme Status
  url: status.acme.example
  components:
    - { id: payments, name: Payments, services: [payments-apy] }
    - { id: payments, name: Payments again }
  impact: { SEV9: major_outage, SEV1: down }
  maintenance: { fromChanges: { kinds: [normal], services: [legder] }, notice: 2days }
  publishers: [commander, cabb]
`;
    expect(problems(bad)).toEqual([
      'statusPage.url: must be an http(s) address such as https://status.acme.example (got "status.acme.example")',
      'statusPage.impact.SEV1: Invalid option: expected one of "operational"|"degraded_performance"|"partial_outage"|"major_outage" (got "down")',
      'statusPage.maintenance.notice: must be a duration such as 30s, 5m, 2h, 1d or 1w (got "2days")',
    ]);
    const refs = `${head}statusPage:
  title: Acme Status
  url: https://status.acme.example
  components:
    - { id: payments, name: Payments, services: [payments-apy] }
    - { id: payments, name: Payments again }
  impact: { SEV9: major_outage }
  maintenance: { fromChanges: { kinds: [normal], services: [legder] } }
  publishers: [commander, cabb]
`;
    expect(problems(refs)).toEqual([
      'statusPage.components[1].id: duplicate status page component id "payments"',
      'statusPage.components[0].services[0]: unknown service "payments-apy" (known: payments-api, ledger, edge-gateway, reports)',
      'statusPage.impact.SEV9: unknown severity "SEV9" (severities: SEV1, SEV2, SEV3, SEV4)',
      'statusPage.maintenance.fromChanges.services[0]: unknown service "legder" (known: payments-api, ledger, edge-gateway, reports)',
      'statusPage.publishers[1]: "cabb" is neither an incident role (commander, communications, scribe), a group nor one of declarer, requester, team, owners, anyone',
    ]);
  });
});
