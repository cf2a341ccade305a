// Grype JSON parsing, and the key that Trivy and Grype agree on for the same CVE.
import { describe, expect, it } from 'vitest';
import { byId, parsed, refused } from './support.js';

const match = (
  over: { vulnerability?: Record<string, unknown>; artifact?: Record<string, unknown>; related?: unknown[] } = {},
) => ({
  vulnerability: {
    id: 'GHSA-p6mc-m468-83gw',
    dataSource: 'https://github.com/advisories/GHSA-p6mc-m468-83gw',
    namespace: 'github:language:javascript',
    severity: 'High',
    urls: [],
    description: 'Prototype pollution in lodash',
    cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:H', metrics: { baseScore: 7.4 } }],
    fix: { versions: ['4.17.19'], state: 'fixed' },
    ...over.vulnerability,
  },
  relatedVulnerabilities: over.related ?? [
    { id: 'CVE-2020-8203', namespace: 'nvd:cpe', cvss: [{ version: '3.1', metrics: { baseScore: 7.4 } }] },
  ],
  matchDetails: [],
  artifact: {
    id: 'a1',
    name: 'lodash',
    version: '4.17.15',
    type: 'npm',
    purl: 'pkg:npm/lodash@4.17.15',
    locations: [{ path: '/app/package-lock.json' }],
    ...over.artifact,
  },
});

const grype = (
  matches: unknown[],
  source: unknown = {
    type: 'image',
    target: { userInput: 'registry.example.com/payments/api@sha256:4d2c0a7f', imageID: 'sha256:1' },
  },
) => ({
  matches,
  source,
  distro: { name: 'alpine', version: '3.17.1' },
  descriptor: { name: 'grype', version: '0.84.0' },
});

describe('Grype JSON', () => {
  it('keys a GHSA match on the CVE it names; the GHSA becomes an alias', () => {
    const r = parsed(grype([match()]));
    expect(r.format).toBe('grype');
    expect(r.scanner).toEqual({ name: 'grype', version: '0.84.0' });
    const f = r.findings[0]!;
    expect(f.vulnId).toBe('CVE-2020-8203');
    expect(f.aliases).toEqual(['GHSA-p6mc-m468-83gw']);
    expect(f.key).toBe('CVE-2020-8203|npm/lodash|4.17.15|image:registry.example.com/payments/api');
    expect(f).toMatchObject({
      installedVersion: '4.17.15',
      fixedVersions: ['4.17.19'],
      severity: 'high',
      cvss: { score: 7.4, version: '3.1' },
    });
    expect(f.location).toEqual({
      image: 'registry.example.com/payments/api@sha256:4d2c0a7f',
      file: '/app/package-lock.json',
    });
  });

  it('gives the same key as Trivy for the same CVE, package and version in the same image', () => {
    const trivy = parsed({
      SchemaVersion: 2,
      ArtifactName: 'registry.example.com/payments/api:1.4.2',
      ArtifactType: 'container_image',
      Results: [
        {
          Target: 'app/package-lock.json',
          Class: 'lang-pkgs',
          Type: 'npm',
          Vulnerabilities: [
            {
              VulnerabilityID: 'CVE-2020-8203',
              PkgName: 'lodash',
              PkgIdentifier: { PURL: 'pkg:npm/lodash@4.17.15' },
              InstalledVersion: '4.17.15',
              FixedVersion: '4.17.19',
              Severity: 'HIGH',
            },
          ],
        },
      ],
    });
    const g = parsed(grype([match()]));
    expect(trivy.findings[0]!.key).toBe(g.findings[0]!.key);
    // Directory scans agree on the lockfile path ("/app/…" in Grype, "app/…" in Trivy).
    const dir = parsed(grype([match()], { type: 'directory', target: '.' }));
    const fs = parsed({
      SchemaVersion: 2,
      ArtifactName: '.',
      ArtifactType: 'filesystem',
      Results: [
        {
          Target: 'app/package-lock.json',
          Class: 'lang-pkgs',
          Type: 'npm',
          Vulnerabilities: [
            { VulnerabilityID: 'CVE-2020-8203', PkgName: 'lodash', InstalledVersion: '4.17.15', Severity: 'HIGH' },
          ],
        },
      ],
    });
    expect(dir.findings[0]!.key).toBe('CVE-2020-8203|npm/lodash|4.17.15|target:app/package-lock.json');
    expect(fs.findings[0]!.key).toBe(dir.findings[0]!.key);
  });

  it('severities, Negligible as none, CVSS-only severity, no fix, KEV and EPSS', () => {
    const r = parsed(
      grype([
        match({ vulnerability: { id: 'CVE-2024-0001', severity: 'Critical' }, related: [] }),
        match({ vulnerability: { id: 'CVE-2024-0002', severity: 'Medium' }, related: [] }),
        match({ vulnerability: { id: 'CVE-2024-0003', severity: 'Low' }, related: [] }),
        match({ vulnerability: { id: 'CVE-2024-0004', severity: 'Negligible' }, related: [] }),
        match({
          vulnerability: {
            id: 'CVE-2024-0005',
            severity: 'Unknown',
            cvss: [{ version: '3.1', metrics: { baseScore: 9.1 } }],
          },
          related: [],
        }),
        match({ vulnerability: { id: 'CVE-2024-0006', severity: 'Unknown', cvss: [] }, related: [] }),
        match({
          vulnerability: {
            id: 'CVE-2024-0007',
            fix: { versions: [], state: 'not-fixed' },
            knownExploited: [{ cve: 'CVE-2024-0007' }],
            epss: [{ cve: 'CVE-2024-0007', epss: 0.94, percentile: 0.99 }],
          },
          related: [],
        }),
      ]),
    );
    expect(r.findings.map((f) => f.severity)).toEqual([
      'critical',
      'medium',
      'low',
      'none',
      'critical',
      'unknown',
      'high',
    ]);
    expect(byId(r, 'CVE-2024-0007')).toMatchObject({ fixedVersions: [], knownExploited: true, epss: 0.94 });
    expect(byId(r, 'CVE-2024-0001').knownExploited).toBeUndefined();
  });

  it('OS packages without a purl take the ecosystem from the artifact type', () => {
    const f = parsed(
      grype([
        match({
          vulnerability: { id: 'CVE-2023-4911' },
          related: [],
          artifact: { name: 'glibc', version: '2.34-60.el9', type: 'rpm', purl: '' },
        }),
      ]),
    ).findings[0]!;
    expect(f.package).toEqual({ name: 'glibc', ecosystem: 'rpm' });
  });

  it('ignored matches are suppressed findings with the rule reason', () => {
    const report = {
      ...grype([match()]),
      ignoredMatches: [
        {
          ...match({ vulnerability: { id: 'CVE-2024-9999' }, related: [] }),
          appliedIgnoreRules: [{ vulnerability: 'CVE-2024-9999', reason: 'not reachable from our code' }],
        },
      ],
    };
    const r = parsed(report);
    expect(r.suppressed).toBe(1);
    expect(byId(r, 'CVE-2024-9999').suppression).toEqual({
      state: 'ignored',
      justification: 'not reachable from our code',
    });
  });

  it('an empty matches list is a valid, empty report', () => {
    expect(parsed(grype([])).findings).toEqual([]);
  });

  it('refuses a wrongly typed field with its path', () => {
    expect(refused(grype([match(), match({ artifact: { version: 4 } })]))).toBe(
      'not a valid Grype JSON report: matches[1].artifact.version: expected a string, got a number',
    );
  });
});
