// Scanner reports written for Steward's own tests and benchmarks: a generated Trivy JSON report
// of any size, a Grype report naming the same vulnerabilities, and a small KEV catalog.

export interface TrivyVuln {
  id: string;
  pkg: string;
  version: string;
  fixed?: string;
  severity?: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';
  title?: string;
  aliases?: string[];
  /** The lockfile it is found in (default app<k>/package-lock.json by position in the report). */
  target?: string;
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;

/** `n` distinct findings: 100 per target (a lockfile), every 7th without a fix. */
export function generatedVulns(n: number, seed = 0): TrivyVuln[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `CVE-${2020 + (i % 6)}-${String(10000 + i + seed).padStart(5, '0')}`,
    pkg: `pkg-${Math.floor(i / 3)}`,
    version: `1.${i % 3}.0`,
    fixed: i % 7 === 0 ? undefined : `1.${i % 3}.1`,
    severity: SEVERITIES[i % 4],
    title: `Generated vulnerability ${i} in pkg-${Math.floor(i / 3)}`,
    target: `app${Math.floor(i / 100)}/package-lock.json`,
  }));
}

const targetOf = (v: TrivyVuln, i: number) => v.target ?? `app${Math.floor(i / 100)}/package-lock.json`;

/** A Trivy JSON report (SchemaVersion 2) of these vulnerabilities in npm lockfiles, one result per target. */
export function trivyReport(vulns: readonly TrivyVuln[], opts: { suppressed?: readonly TrivyVuln[] } = {}): string {
  const byTarget = new Map<string, TrivyVuln[]>();
  vulns.forEach((v, i) => byTarget.set(targetOf(v, i), [...(byTarget.get(targetOf(v, i)) ?? []), v]));
  if (byTarget.size === 0) byTarget.set('app0/package-lock.json', []);
  const results: unknown[] = [];
  for (const [target, part] of byTarget) {
    const t = results.length;
    results.push({
      Target: target,
      Class: 'lang-pkgs',
      Type: 'npm',
      Vulnerabilities: part.map((v) => ({
        VulnerabilityID: v.id,
        VendorIDs: v.aliases,
        PkgName: v.pkg,
        PkgIdentifier: { PURL: `pkg:npm/${v.pkg}@${v.version}` },
        InstalledVersion: v.version,
        FixedVersion: v.fixed ?? '',
        Status: v.fixed ? 'fixed' : 'affected',
        Severity: v.severity ?? 'HIGH',
        Title: v.title ?? `${v.id} in ${v.pkg}`,
        PrimaryURL: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`,
        CVSS: { nvd: { V3Score: 7.5, V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' } },
      })),
      ...(t === 0 && opts.suppressed?.length
        ? {
            ExperimentalModifiedFindings: opts.suppressed.map((v) => ({
              Type: 'vulnerability',
              Status: 'not_affected',
              Statement: 'vulnerable code not in execute path',
              Source: 'openvex.json',
              Finding: {
                VulnerabilityID: v.id,
                PkgName: v.pkg,
                PkgIdentifier: { PURL: `pkg:npm/${v.pkg}@${v.version}` },
                InstalledVersion: v.version,
                FixedVersion: v.fixed ?? '',
                Severity: v.severity ?? 'HIGH',
              },
            })),
          }
        : {}),
    });
  }
  return JSON.stringify({
    SchemaVersion: 2,
    ArtifactName: '.',
    ArtifactType: 'filesystem',
    Trivy: { Version: '0.58.1' },
    Results: results,
  });
}

/** A Grype JSON report of the same vulnerabilities (same targets: one finding per key with Trivy's). */
export function grypeReport(vulns: readonly TrivyVuln[]): string {
  return JSON.stringify({
    descriptor: { name: 'grype', version: '0.86.1' },
    source: { type: 'directory', target: '.' },
    matches: vulns.map((v, i) => ({
      vulnerability: {
        id: v.id,
        severity: (v.severity ?? 'HIGH').toLowerCase().replace(/^./, (c) => c.toUpperCase()),
        fix: { versions: v.fixed ? [v.fixed] : [], state: v.fixed ? 'fixed' : 'not-fixed' },
        dataSource: `https://nvd.nist.gov/vuln/detail/${v.id}`,
      },
      relatedVulnerabilities: [],
      artifact: {
        name: v.pkg,
        version: v.version,
        type: 'npm',
        purl: `pkg:npm/${v.pkg}@${v.version}`,
        locations: [{ path: `/${targetOf(v, i)}` }],
      },
    })),
  });
}

/** A KEV catalog with these CVEs (CISA's JSON shape). */
export function kevCatalog(
  entries: { cve: string; dueDate: string; dateAdded?: string; ransomware?: boolean }[],
): string {
  return JSON.stringify({
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: '2026.12.01',
    count: entries.length,
    vulnerabilities: entries.map((e) => ({
      cveID: e.cve,
      vendorProject: 'Example',
      product: 'Example product',
      vulnerabilityName: `Example ${e.cve}`,
      dateAdded: e.dateAdded ?? '2026-11-20',
      dueDate: e.dueDate,
      knownRansomwareCampaignUse: e.ransomware ? 'Known' : 'Unknown',
    })),
  });
}

/** A Trivy finding of `pkg` 1.0.0, fixed in 1.0.1, in the payments lockfile. */
export const lockfileVuln = (id: string, pkg: string, severity: TrivyVuln['severity']): TrivyVuln => ({
  id,
  pkg,
  version: '1.0.0',
  fixed: '1.0.1',
  severity,
  title: `${id} in ${pkg}`,
  target: 'app/package-lock.json',
});

/** The findings of a service's scan history (see `scanHistory`). */
export const HISTORY_VULNS = {
  oldHigh: lockfileVuln('CVE-2026-1001', 'left-pad', 'HIGH'),
  medium: lockfileVuln('CVE-2026-1002', 'qs', 'MEDIUM'),
  low: lockfileVuln('CVE-2026-1003', 'ms', 'LOW'),
  soonHigh: lockfileVuln('CVE-2026-1004', 'lodash', 'HIGH'),
  critical: lockfileVuln('CVE-2026-1005', 'openssl-wrap', 'CRITICAL'),
  soonCritical: lockfileVuln('CVE-2026-1006', 'tar', 'CRITICAL'),
};

/**
 * Four scans before `t0` (40, 25, 10 and 2 days), each the whole truth for the scanner (cumulative,
 * first-seen instants kept): on 2026-12-01 at 15:05Z two findings are overdue (a critical by 3
 * days, a high by 10) and two due within days.
 */
export function scanHistory(t0: number): [number, TrivyVuln[]][] {
  const DAY = 86_400_000;
  const V = HISTORY_VULNS;
  return [
    [t0 - 40 * DAY, [V.oldHigh, V.medium, V.low]],
    [t0 - 25 * DAY, [V.oldHigh, V.medium, V.low, V.soonHigh]],
    [t0 - 10 * DAY, [V.oldHigh, V.medium, V.low, V.soonHigh, V.critical]],
    [t0 - 2 * DAY, [V.oldHigh, V.medium, V.low, V.soonHigh, V.critical, V.soonCritical]],
  ];
}
