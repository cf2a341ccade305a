// Trivy JSON parsing, on reports written for these tests.
import { describe, expect, it } from 'vitest';
import { byId, parsed, refused } from './support.js';

const vuln = (over: Record<string, unknown> = {}) => ({
  VulnerabilityID: 'CVE-2023-0001',
  PkgID: 'openssl@3.0.7-r0',
  PkgName: 'openssl',
  PkgIdentifier: { PURL: 'pkg:apk/alpine/openssl@3.0.7-r0?arch=x86_64&distro=3.17.1' },
  InstalledVersion: '3.0.7-r0',
  FixedVersion: '3.0.8-r0',
  Status: 'fixed',
  Severity: 'HIGH',
  SeveritySource: 'nvd',
  Title: 'openssl: a title',
  Description: '  A description with spaces around it.  ',
  PrimaryURL: 'https://avd.aquasec.com/nvd/cve-2023-0001',
  CVSS: { nvd: { V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', V3Score: 7.5 } },
  ...over,
});

const trivyImage = (vulns: unknown[], lang: unknown[] = []) => ({
  SchemaVersion: 2,
  Trivy: { Version: '0.58.1' },
  ArtifactName: 'registry.example.com/payments/api:1.4.2',
  ArtifactType: 'container_image',
  Results: [
    {
      Target: 'registry.example.com/payments/api:1.4.2 (alpine 3.17.1)',
      Class: 'os-pkgs',
      Type: 'alpine',
      Vulnerabilities: vulns,
    },
    ...(lang.length
      ? [{ Target: 'app/package-lock.json', Class: 'lang-pkgs', Type: 'npm', Vulnerabilities: lang }]
      : []),
  ],
});

describe('Trivy JSON', () => {
  it('reads an image report: package from the purl, fix, CVSS, location, scanner', () => {
    const r = parsed(trivyImage([vuln()]));
    expect(r.format).toBe('trivy');
    expect(r.scanner).toEqual({ name: 'Trivy', version: '0.58.1' });
    expect(r.suppressed).toBe(0);
    expect(r.findings).toEqual([
      {
        key: 'CVE-2023-0001|apk/openssl|3.0.7-r0|image:registry.example.com/payments/api',
        vulnId: 'CVE-2023-0001',
        aliases: [],
        package: {
          name: 'openssl',
          ecosystem: 'apk',
          purl: 'pkg:apk/alpine/openssl@3.0.7-r0?arch=x86_64&distro=3.17.1',
        },
        installedVersion: '3.0.7-r0',
        fixedVersions: ['3.0.8-r0'],
        severity: 'high',
        cvss: { score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', version: '3.1' },
        location: {
          image: 'registry.example.com/payments/api:1.4.2',
          target: 'registry.example.com/payments/api:1.4.2 (alpine 3.17.1)',
        },
        title: 'openssl: a title',
        description: 'A description with spaces around it.',
        url: 'https://avd.aquasec.com/nvd/cve-2023-0001',
        scanner: { name: 'Trivy', version: '0.58.1' },
      },
    ]);
  });

  it('maps every severity word, and takes the CVSS score when the word is UNKNOWN', () => {
    const words = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].map((s, i) =>
      vuln({ VulnerabilityID: `CVE-2023-000${i}`, Severity: s, CVSS: undefined }),
    );
    const scoreOnly = [9.8, 7.0, 4.0, 0.1, 0].map((score, i) =>
      vuln({ VulnerabilityID: `CVE-2023-100${i}`, Severity: 'UNKNOWN', CVSS: { nvd: { V3Score: score } } }),
    );
    const none = vuln({ VulnerabilityID: 'CVE-2023-2000', Severity: 'UNKNOWN', CVSS: undefined });
    const r = parsed(trivyImage([...words, ...scoreOnly, none]));
    expect(r.findings.map((f) => f.severity)).toEqual([
      'critical',
      'high',
      'medium',
      'low',
      'critical',
      'high',
      'medium',
      'low',
      'none',
      'unknown',
    ]);
    expect(byId(r, 'CVE-2023-1000').cvss).toEqual({ score: 9.8, version: '3.1' });
  });

  it('splits several fixed versions; will_not_fix and affected have no fix', () => {
    const r = parsed(
      trivyImage([
        vuln({ VulnerabilityID: 'CVE-2023-0001', FixedVersion: '3.1.0, 2.6.9' }),
        vuln({ VulnerabilityID: 'CVE-2023-0002', FixedVersion: '', Status: 'affected' }),
        vuln({ VulnerabilityID: 'CVE-2023-0003', FixedVersion: undefined, Status: 'will_not_fix' }),
      ]),
    );
    expect(r.findings.map((f) => f.fixedVersions)).toEqual([['3.1.0', '2.6.9'], [], []]);
  });

  it('language packages carry the lockfile and its line; npm scoped names come from the purl', () => {
    const report = trivyImage(
      [],
      [
        vuln({
          VulnerabilityID: 'GHSA-jchw-25xp-jwwc',
          PkgID: '@babel/traverse@7.22.0',
          PkgName: '@babel/traverse',
          PkgIdentifier: { PURL: 'pkg:npm/%40babel/traverse@7.22.0' },
          InstalledVersion: '7.22.0',
        }),
      ],
    );
    (report.Results[1] as Record<string, unknown>).Packages = [
      { ID: '@babel/traverse@7.22.0', Locations: [{ StartLine: 120, EndLine: 131 }] },
    ];
    const f = parsed(report).findings[0]!;
    expect(f.package).toEqual({ name: '@babel/traverse', ecosystem: 'npm', purl: 'pkg:npm/%40babel/traverse@7.22.0' });
    expect(f.location).toEqual({
      image: 'registry.example.com/payments/api:1.4.2',
      target: 'app/package-lock.json',
      file: 'app/package-lock.json',
      line: 120,
    });
    expect(f.vulnId).toBe('GHSA-jchw-25xp-jwwc');
  });

  it('VEX-suppressed findings (--show-suppressed) are findings with their statement, and counted', () => {
    const report = trivyImage([vuln()]);
    (report.Results[0] as Record<string, unknown>).ExperimentalModifiedFindings = [
      {
        Type: 'vulnerability',
        Status: 'not_affected',
        Statement: 'vulnerable_code_not_in_execute_path',
        Source: 'openvex.json',
        Finding: vuln({ VulnerabilityID: 'CVE-2023-0009' }),
      },
    ];
    const r = parsed(report);
    expect(r.suppressed).toBe(1);
    expect(byId(r, 'CVE-2023-0009').suppression).toEqual({
      state: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
      detail: 'from openvex.json',
    });
    expect(byId(r, 'CVE-2023-0001').suppression).toBeUndefined();
  });

  it('the same CVE and package twice in one report is one finding', () => {
    const r = parsed(
      trivyImage([vuln({ Severity: 'MEDIUM' }), vuln({ Severity: 'CRITICAL', FixedVersion: '3.0.9-r0' })]),
    );
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.severity).toBe('critical');
    expect(r.findings[0]!.fixedVersions).toEqual(['3.0.8-r0', '3.0.9-r0']);
  });

  it('a report without Results is valid and empty: Trivy omits Results when nothing was scanned', () => {
    const r = parsed({
      SchemaVersion: 2,
      ArtifactName: 'scratch-image:latest',
      ArtifactType: 'container_image',
      Metadata: {},
    });
    expect(r.findings).toEqual([]);
    expect(
      parsed({ ...trivyImage([]), Results: [{ Target: 'x', Class: 'os-pkgs', Type: 'alpine' }] }).findings,
    ).toEqual([]);
  });

  it('refuses a wrongly typed required field, naming its path', () => {
    const report = trivyImage([vuln()], [vuln(), vuln({ PkgName: 42 })]);
    expect(refused(report)).toBe(
      'not a valid Trivy JSON report: Results[1].Vulnerabilities[1].PkgName: expected a string, got a number',
    );
    expect(refused(trivyImage([vuln({ VulnerabilityID: undefined })]))).toBe(
      'not a valid Trivy JSON report: Results[0].Vulnerabilities[0].VulnerabilityID: required a string is missing',
    );
  });

  it('refuses SchemaVersion 1 and the pre-0.20 bare list', () => {
    expect(refused({ ...trivyImage([]), SchemaVersion: 1 })).toBe(
      'Trivy JSON SchemaVersion 1 is not supported: SchemaVersion 2 (Trivy 0.20 or later) is read',
    );
    expect(refused([{ Target: 'alpine:3.10 (alpine 3.10.2)', Type: 'alpine', Vulnerabilities: [] }])).toBe(
      'Trivy JSON without SchemaVersion (a bare list of results, Trivy before 0.20) is not supported: use Trivy 0.20 or later, `trivy … -f json`',
    );
  });
});
