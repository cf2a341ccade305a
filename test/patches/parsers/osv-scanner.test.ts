// OSV-Scanner JSON parsing: one finding per alias group, severities from the group or the records.
import { describe, expect, it } from 'vitest';
import { byId, parsed, refused } from './support.js';

const record = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  aliases: [],
  summary: `summary of ${id}`,
  details: `details of ${id}`,
  affected: [
    {
      package: { ecosystem: 'PyPI', name: 'jinja2' },
      ranges: [
        { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.1.3' }] },
        { type: 'GIT', events: [{ introduced: '0' }, { fixed: 'abc123' }] },
      ],
    },
  ],
  references: [{ type: 'ADVISORY', url: `https://example.org/advisories/${id}` }],
  ...over,
});

const osv = (packages: unknown[]) => ({
  results: [{ source: { path: '/src/app/requirements.txt', type: 'lockfile' }, packages }],
});

describe('OSV-Scanner JSON', () => {
  it('a group of aliases is one finding keyed on its CVE; fixed versions from the ranges', () => {
    const r = parsed(
      osv([
        {
          package: { name: 'Jinja2', version: '3.1.2', ecosystem: 'PyPI' },
          vulnerabilities: [
            record('GHSA-h5c8-rqwp-cp95', { aliases: ['CVE-2024-22195'], database_specific: { severity: 'MODERATE' } }),
            record('PYSEC-2024-1', { aliases: ['CVE-2024-22195'] }),
          ],
          groups: [
            {
              ids: ['GHSA-h5c8-rqwp-cp95', 'PYSEC-2024-1'],
              aliases: ['CVE-2024-22195', 'GHSA-h5c8-rqwp-cp95', 'PYSEC-2024-1'],
              max_severity: '5.4',
            },
          ],
        },
      ]),
    );
    expect(r.format).toBe('osv-scanner');
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f).toMatchObject({
      vulnId: 'CVE-2024-22195',
      aliases: ['GHSA-h5c8-rqwp-cp95', 'PYSEC-2024-1'],
      package: { name: 'Jinja2', ecosystem: 'pypi' },
      installedVersion: '3.1.2',
      fixedVersions: ['3.1.3'],
      severity: 'medium',
      location: { target: '/src/app/requirements.txt', file: '/src/app/requirements.txt' },
      url: 'https://example.org/advisories/GHSA-h5c8-rqwp-cp95',
    });
    expect(f.key).toBe('CVE-2024-22195|pypi/jinja2|3.1.2|target:src/app/requirements.txt');
  });

  it('severity: max_severity score, else database severity, else the CVSS vector, else unknown', () => {
    const pkg = (vulns: unknown[], groups?: unknown[]) => ({
      package: { name: 'jinja2', version: '3.1.2', ecosystem: 'PyPI' },
      vulnerabilities: vulns,
      ...(groups ? { groups } : {}),
    });
    const r = parsed(
      osv([
        pkg([record('OSV-1')], [{ ids: ['OSV-1'], max_severity: '9.1' }]),
        pkg([record('OSV-2', { database_specific: { severity: 'HIGH' } })]),
        pkg([
          record('OSV-3', { severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' }] }),
        ]),
        pkg([
          record('OSV-4', {
            severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }],
          }),
        ]),
        pkg([record('OSV-5')]),
      ]),
    );
    expect(r.findings.map((f) => f.severity)).toEqual(['critical', 'high', 'medium', 'critical', 'unknown']);
    expect(byId(r, 'OSV-3').cvss).toEqual({
      score: 5.3,
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N',
      version: '3.1',
    });
    expect(byId(r, 'OSV-4').cvss).toMatchObject({ score: 9.3, version: '4.0' });
  });

  it('Go modules and crates map to go and cargo; a record without a fixed event has no fix', () => {
    const r = parsed({
      results: [
        {
          source: { path: 'go.mod', type: 'lockfile' },
          packages: [
            {
              package: { name: 'golang.org/x/net', version: '0.17.0', ecosystem: 'Go' },
              vulnerabilities: [
                record('GO-2024-2687', {
                  aliases: ['CVE-2023-45288'],
                  affected: [
                    {
                      package: { name: 'golang.org/x/net', ecosystem: 'Go' },
                      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.23.0' }] }],
                    },
                  ],
                }),
              ],
            },
          ],
        },
        {
          source: { path: 'Cargo.lock', type: 'lockfile' },
          packages: [
            {
              package: { name: 'atty', version: '0.2.14', ecosystem: 'crates.io' },
              vulnerabilities: [
                record('RUSTSEC-2021-0145', {
                  affected: [
                    {
                      package: { name: 'atty', ecosystem: 'crates.io' },
                      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }],
                    },
                  ],
                }),
              ],
            },
          ],
        },
      ],
    });
    expect(byId(r, 'CVE-2023-45288')).toMatchObject({
      package: { name: 'golang.org/x/net', ecosystem: 'go' },
      fixedVersions: ['0.23.0'],
      aliases: ['GO-2024-2687'],
    });
    expect(byId(r, 'RUSTSEC-2021-0145')).toMatchObject({ package: { ecosystem: 'cargo' }, fixedVersions: [] });
  });

  it('no results is a valid, empty report', () => {
    expect(parsed({ results: [] }).findings).toEqual([]);
  });

  it('refuses a package without a name, with the path', () => {
    expect(refused(osv([{ package: { version: '1.0.0', ecosystem: 'npm' }, vulnerabilities: [] }]))).toBe(
      'not a valid OSV-Scanner JSON report: results[0].packages[0].package.name: required a string is missing',
    );
  });
});
