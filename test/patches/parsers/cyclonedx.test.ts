// CycloneDX vulnerabilities and VEX parsing: refs to components, ratings, analysis states.
import { describe, expect, it } from 'vitest';
import { byId, parsed, refused } from './support.js';

const bom = (vulnerabilities: unknown[], specVersion = '1.6') => ({
  bomFormat: 'CycloneDX',
  specVersion,
  serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
  version: 1,
  metadata: {
    tools: { components: [{ type: 'application', name: 'trivy', version: '0.58.1' }] },
    component: { 'bom-ref': 'app', type: 'container', name: 'registry.example.com/payments/api:1.4.2' },
  },
  components: [
    {
      'bom-ref': 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      type: 'library',
      group: 'org.apache.logging.log4j',
      name: 'log4j-core',
      version: '2.14.1',
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
    },
    {
      'bom-ref': 'c2',
      type: 'library',
      name: 'busybox',
      version: '1.36.1-r2',
      purl: 'pkg:apk/alpine/busybox@1.36.1-r2',
      components: [{ 'bom-ref': 'c3', type: 'library', name: 'ssl_client', version: '1.36.1-r2' }],
    },
  ],
  vulnerabilities,
});

const log4shell = (over: Record<string, unknown> = {}) => ({
  id: 'CVE-2021-44228',
  source: { name: 'NVD', url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228' },
  references: [{ id: 'GHSA-jfh8-c2jp-5v3q', source: { name: 'GitHub' } }],
  ratings: [
    {
      source: { name: 'NVD' },
      score: 10.0,
      severity: 'critical',
      method: 'CVSSv31',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
    },
    { source: { name: 'FIRST', url: 'https://www.first.org/epss/' }, score: 0.97, method: 'other' },
    { source: { name: 'CISA KEV Catalog' }, score: 1, method: 'other' },
  ],
  description: 'Log4Shell',
  recommendation: 'Upgrade log4j-core to 2.17.1',
  affects: [{ ref: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' }],
  ...over,
});

describe('CycloneDX with vulnerabilities', () => {
  it('resolves the affected component; severity, CVSS, EPSS and KEV from the ratings', () => {
    const r = parsed(bom([log4shell()]));
    expect(r.format).toBe('cyclonedx');
    expect(r.scanner).toEqual({ name: 'trivy', version: '0.58.1' });
    expect(r.findings[0]).toEqual({
      key: 'CVE-2021-44228|maven/org.apache.logging.log4j:log4j-core|2.14.1|image:registry.example.com/payments/api',
      vulnId: 'CVE-2021-44228',
      aliases: ['GHSA-jfh8-c2jp-5v3q'],
      package: {
        name: 'org.apache.logging.log4j:log4j-core',
        ecosystem: 'maven',
        purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      },
      installedVersion: '2.14.1',
      fixedVersions: [],
      severity: 'critical',
      cvss: { score: 10, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', version: '3.1' },
      knownExploited: true,
      epss: 0.97,
      location: { image: 'registry.example.com/payments/api:1.4.2' },
      description: 'Log4Shell',
      url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228',
      remediation: 'Upgrade log4j-core to 2.17.1',
      scanner: { name: 'trivy', version: '0.58.1' },
    });
  });

  it('VEX: not_affected and false_positive are suppressed with their justification, in_triage stays open, resolved is gone', () => {
    const r = parsed(
      bom([
        log4shell({
          id: 'CVE-2024-0001',
          analysis: { state: 'not_affected', justification: 'code_not_reachable', detail: 'JNDI lookups are disabled' },
        }),
        log4shell({ id: 'CVE-2024-0002', analysis: { state: 'false_positive' } }),
        log4shell({ id: 'CVE-2024-0003', analysis: { state: 'in_triage' } }),
        log4shell({ id: 'CVE-2024-0004', analysis: { state: 'resolved' } }),
        log4shell({ id: 'CVE-2024-0005', analysis: { state: 'exploitable' } }),
      ]),
    );
    expect(r.findings.map((f) => f.vulnId)).toEqual([
      'CVE-2024-0001',
      'CVE-2024-0002',
      'CVE-2024-0003',
      'CVE-2024-0005',
    ]);
    expect(r.suppressed).toBe(2);
    expect(byId(r, 'CVE-2024-0001').suppression).toEqual({
      state: 'not_affected',
      justification: 'code_not_reachable',
      detail: 'JNDI lookups are disabled',
    });
    expect(byId(r, 'CVE-2024-0002').suppression).toEqual({ state: 'false_positive' });
    expect(byId(r, 'CVE-2024-0003').suppression).toBeUndefined();
  });

  it('refs by bom-ref (nested too) and bom-link; severity from the score when only a score is given', () => {
    const r = parsed(
      bom([
        {
          id: 'CVE-2024-1001',
          ratings: [{ score: 6.5, method: 'CVSSv31' }],
          affects: [{ ref: 'c2' }, { ref: 'urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#c3' }],
        },
        {
          id: 'CVE-2024-1002',
          ratings: [{ score: 4.3, method: 'CVSSv2', vector: 'AV:N/AC:M/Au:N/C:N/I:P/A:N' }],
          affects: [{ ref: 'c2' }],
        },
        { id: 'CVE-2024-1003', affects: [{ ref: 'c2' }] },
      ]),
    );
    expect(
      r.findings.map((f) => [f.vulnId, f.package.name, f.package.ecosystem, f.installedVersion, f.severity]),
    ).toEqual([
      ['CVE-2024-1001', 'busybox', 'apk', '1.36.1-r2', 'medium'],
      ['CVE-2024-1001', 'ssl_client', 'generic', '1.36.1-r2', 'medium'],
      ['CVE-2024-1002', 'busybox', 'apk', '1.36.1-r2', 'medium'],
      ['CVE-2024-1003', 'busybox', 'apk', '1.36.1-r2', 'unknown'],
    ]);
    expect(r.findings[2]!.cvss).toEqual({ score: 4.3, vector: 'AV:N/AC:M/Au:N/C:N/I:P/A:N', version: '2.0' });
  });

  it('a product VEX without component versions gives one finding per affected version', () => {
    const vex = {
      bomFormat: 'CycloneDX',
      specVersion: '1.4',
      version: 1,
      vulnerabilities: [
        {
          id: 'CVE-2021-44228',
          analysis: { state: 'exploitable' },
          affects: [
            {
              ref: 'urn:cdx:0b2f/1#product-abc',
              versions: [
                { version: '2.4', status: 'affected' },
                { range: 'vers:generic/>=2.9|<=4.1', status: 'affected' },
              ],
            },
          ],
        },
      ],
    };
    const r = parsed(vex);
    expect(r.findings.map((f) => [f.package.name, f.installedVersion])).toEqual([
      ['product-abc', '2.4'],
      ['product-abc', 'vers:generic/>=2.9|<=4.1'],
    ]);
  });

  it('an empty vulnerabilities list is valid and empty; a BOM without one, or of 1.3, is refused', () => {
    expect(parsed(bom([])).findings).toEqual([]);
    const { vulnerabilities: _, ...sbom } = bom([]);
    expect(refused(sbom)).toBe(
      "this CycloneDX BOM has no `vulnerabilities`: it lists components only; scan it (e.g. `trivy sbom` or `grype sbom:FILE`) and import the scanner's report",
    );
    expect(refused(bom([], '1.3'))).toBe('CycloneDX specVersion 1.3 is not supported: 1.4 to 1.7 are read');
    expect(refused(bom([{ id: 'CVE-1', affects: [{ ref: 5 }] }]))).toBe(
      'not a valid CycloneDX report: vulnerabilities[0].affects[0].ref: expected a string, got a number',
    );
  });
});
