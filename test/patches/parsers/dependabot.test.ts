// GitHub Dependabot alerts parsing: open, dismissed (suppressed) and fixed (gone) alerts.
import { describe, expect, it } from 'vitest';
import { byId, parsed, refused } from './support.js';

const alert = (n: number, over: Record<string, unknown> = {}, adv: Record<string, unknown> = {}) => ({
  number: n,
  state: 'open',
  dependency: {
    package: { ecosystem: 'pip', name: 'Django' },
    manifest_path: 'requirements/base.txt',
    scope: 'runtime',
  },
  security_advisory: {
    ghsa_id: `GHSA-2222-3333-44${n}${n}`.slice(0, 19),
    cve_id: `CVE-2024-1000${n}`,
    summary: `Django issue ${n}`,
    description: `A longer description of issue ${n}.`,
    severity: 'high',
    identifiers: [
      { type: 'GHSA', value: `GHSA-2222-3333-44${n}${n}`.slice(0, 19) },
      { type: 'CVE', value: `CVE-2024-1000${n}` },
    ],
    cvss: { vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', score: 7.5 },
    epss: { percentage: 0.0042, percentile: '0.71' },
    ...adv,
  },
  security_vulnerability: {
    package: { ecosystem: 'pip', name: 'Django' },
    severity: 'high',
    vulnerable_version_range: '< 4.2.11',
    first_patched_version: { identifier: '4.2.11' },
  },
  html_url: `https://github.com/acme/payments/security/dependabot/${n}`,
  dismissed_reason: null,
  dismissed_comment: null,
  ...over,
});

describe('GitHub Dependabot alerts', () => {
  it('an open alert: CVE first, GHSA alias, first patched version, EPSS, manifest', () => {
    const r = parsed([alert(1)]);
    expect(r.format).toBe('dependabot');
    expect(r.scanner).toEqual({ name: 'Dependabot' });
    expect(r.findings[0]).toEqual({
      key: 'CVE-2024-10001|pypi/django||target:requirements/base.txt',
      vulnId: 'CVE-2024-10001',
      aliases: ['GHSA-2222-3333-4411'],
      package: { name: 'Django', ecosystem: 'pypi' },
      installedVersion: '',
      fixedVersions: ['4.2.11'],
      severity: 'high',
      cvss: { score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', version: '3.1' },
      epss: 0.0042,
      location: { target: 'requirements/base.txt', file: 'requirements/base.txt' },
      title: 'Django issue 1',
      description: 'A longer description of issue 1.',
      url: 'https://github.com/acme/payments/security/dependabot/1',
      scanner: { name: 'Dependabot' },
    });
  });

  it('dismissed and auto-dismissed alerts are suppressed; fixed ones are not findings', () => {
    const r = parsed([
      alert(1, { state: 'dismissed', dismissed_reason: 'tolerable_risk', dismissed_comment: 'behind the VPN' }),
      alert(2, { state: 'auto_dismissed' }),
      alert(3, { state: 'fixed' }),
      alert(4),
    ]);
    expect(r.findings.map((f) => f.vulnId)).toEqual(['CVE-2024-10001', 'CVE-2024-10002', 'CVE-2024-10004']);
    expect(r.suppressed).toBe(2);
    expect(byId(r, 'CVE-2024-10001').suppression).toEqual({
      state: 'dismissed',
      justification: 'tolerable_risk',
      detail: 'behind the VPN',
    });
    expect(byId(r, 'CVE-2024-10002').suppression).toEqual({ state: 'auto_dismissed' });
  });

  it('severity medium, CVSS v4 over v3, an unscored 0 is no CVSS, no patch is no fix, org lists name the repository', () => {
    const r = parsed([
      alert(
        1,
        {
          security_vulnerability: {
            package: { ecosystem: 'npm', name: 'ip' },
            severity: 'medium',
            first_patched_version: null,
          },
          repository: { full_name: 'acme/web' },
        },
        {
          cvss: { vector_string: null, score: 0 },
          cvss_severities: {
            cvss_v3: { vector_string: null, score: 0 },
            cvss_v4: { vector_string: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', score: 6.9 },
          },
          epss: [{ percentage: 0.1, percentile: '0.16001e0' }],
        },
      ),
      alert(2, {}, { cvss: { vector_string: null, score: 0 }, cve_id: null, identifiers: [] }),
    ]);
    const ip = byId(r, 'CVE-2024-10001');
    expect(ip).toMatchObject({
      severity: 'medium',
      fixedVersions: [],
      epss: 0.1,
      package: { name: 'ip', ecosystem: 'npm' },
      location: { target: 'acme/web/requirements/base.txt' },
    });
    expect(ip.cvss).toMatchObject({ score: 6.9, version: '4.0' });
    const noCve = r.findings[1]!;
    expect(noCve.vulnId).toBe('GHSA-2222-3333-4422');
    expect(noCve.cvss).toBeUndefined();
  });

  it('an empty list is a valid, empty report', () => {
    expect(parsed([]).findings).toEqual([]);
  });

  it('refuses an alert whose advisory has no GHSA id', () => {
    expect(refused([alert(1), alert(2, {}, { ghsa_id: 12 })])).toBe(
      'not a valid GitHub Dependabot alerts report: [1].security_advisory.ghsa_id: expected a string, got a number',
    );
  });
});
