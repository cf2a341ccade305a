// Trivy JSON (SchemaVersion 2): Results[].Vulnerabilities[] are findings; with --show-suppressed,
// Results[].ExperimentalModifiedFindings[] (VEX, .trivyignore) are findings that are suppressed.
// Misconfigurations, secrets and licences are not package vulnerabilities and are left out.
// A report without Results is valid and empty: Trivy omits Results when nothing was scanned
// (an image with no OS or language packages it knows), which is "nothing found", not an error.
import { z } from 'zod';
import {
  bounded,
  cvssVersion,
  ecosystemOf,
  packageFromPurl,
  pickIds,
  pickSeverity,
  severityWord,
  splitVersions,
  text,
} from './common.js';
import { withKey } from './key.js';
import type { Cvss, FormatResult, NormalizedFinding, Scanner, Suppression } from './types.js';
import { check } from './validate.js';

const str = bounded().nullish();
const num = z.number().nullish();
const Vuln = z.looseObject({
  VulnerabilityID: bounded(),
  PkgName: bounded(),
  PkgID: str,
  PkgPath: str,
  PkgIdentifier: z.looseObject({ PURL: str }).nullish(),
  InstalledVersion: str,
  FixedVersion: bounded(4096).nullish(),
  Status: str,
  Severity: severityWord.nullish(),
  SeveritySource: str,
  VendorIDs: z.array(bounded()).nullish(),
  Title: str,
  Description: str,
  PrimaryURL: str,
  CVSS: z
    .record(
      bounded(),
      z.looseObject({ V2Score: num, V2Vector: str, V3Score: num, V3Vector: str, V40Score: num, V40Vector: str }),
    )
    .nullish(),
});
type Vuln = z.output<typeof Vuln>;

const Report = z.looseObject({
  SchemaVersion: z.number(),
  ArtifactName: str,
  ArtifactType: str,
  Trivy: z.looseObject({ Version: str }).nullish(),
  Results: z
    .array(
      z.looseObject({
        Target: bounded(),
        Class: str,
        Type: str,
        Packages: z
          .array(z.looseObject({ ID: str, Locations: z.array(z.looseObject({ StartLine: num })).nullish() }))
          .nullish(),
        Vulnerabilities: z.array(Vuln).nullish(),
        ExperimentalModifiedFindings: z
          .array(
            z.looseObject({
              Type: str,
              Status: bounded(),
              Statement: str,
              Source: str,
              Finding: z.unknown().optional(),
            }),
          )
          .nullish(),
      }),
    )
    .nullish(),
});

export function parseTrivy(value: unknown): FormatResult {
  const r = check(Report, value, 'Trivy JSON');
  if (!r.ok) return r;
  const report = r.data;
  if (report.SchemaVersion !== 2)
    return {
      ok: false,
      reason: `Trivy JSON SchemaVersion ${report.SchemaVersion} is not supported: SchemaVersion 2 (Trivy 0.20 or later) is read`,
    };
  const scanner: Scanner = { name: 'Trivy', ...(report.Trivy?.Version ? { version: report.Trivy.Version } : {}) };
  const image = report.ArtifactType === 'container_image' && report.ArtifactName ? report.ArtifactName : undefined;
  const findings: NormalizedFinding[] = [];
  for (const [ri, result] of (report.Results ?? []).entries()) {
    const lines = new Map<string, number>();
    for (const p of result.Packages ?? []) {
      const line = p.Locations?.[0]?.StartLine;
      if (p.ID && line) lines.set(p.ID, line);
    }
    const lang = result.Class === 'lang-pkgs';
    const make = (v: Vuln, suppression?: Suppression) =>
      toFinding(v, { image, target: result.Target, type: result.Type, lang, lines, scanner }, suppression);
    for (const v of result.Vulnerabilities ?? []) findings.push(make(v));
    for (const [mi, m] of (result.ExperimentalModifiedFindings ?? []).entries()) {
      if (m.Type && m.Type !== 'vulnerability') continue;
      const v = check(Vuln, m.Finding, 'Trivy JSON');
      if (!v.ok)
        return {
          ok: false,
          reason: v.reason
            .replace('report: ', `report: Results[${ri}].ExperimentalModifiedFindings[${mi}].Finding.`)
            .replace(/\.: /, ': '),
        };
      findings.push(
        make(v.data, {
          state: m.Status,
          ...(m.Statement ? { justification: m.Statement } : {}),
          ...(m.Source ? { detail: `from ${m.Source}` } : {}),
        }),
      );
    }
  }
  return { ok: true, scanner, findings };
}

interface Context {
  image?: string;
  target: string;
  type?: string | null;
  lang: boolean;
  lines: Map<string, number>;
  scanner: Scanner;
}

function toFinding(v: Vuln, c: Context, suppression?: Suppression): NormalizedFinding {
  const purl = packageFromPurl(v.PkgIdentifier?.PURL);
  const cvss = pickCvss(v);
  const ids = pickIds([v.VulnerabilityID, ...(v.VendorIDs ?? [])]);
  const fixed =
    v.Status === 'will_not_fix' || v.Status === 'affected' || v.Status === 'fix_deferred' || v.Status === 'end_of_life'
      ? []
      : splitVersions(v.FixedVersion);
  const line = v.PkgID ? c.lines.get(v.PkgID) : undefined;
  // Plain assignments rather than spreads: this runs once per finding, 100,000 times for a big image.
  const location: NormalizedFinding['location'] = { target: c.target };
  if (c.image) location.image = c.image;
  if (c.lang || v.PkgPath) location.file = v.PkgPath ?? c.target;
  if (line) location.line = line;
  const f: Omit<NormalizedFinding, 'key'> = {
    vulnId: ids.vulnId,
    aliases: ids.aliases,
    package: purl
      ? { name: purl.name, ecosystem: purl.ecosystem, purl: purl.purl }
      : { name: v.PkgName, ecosystem: ecosystemFor(c.type) },
    installedVersion: v.InstalledVersion ?? '',
    fixedVersions: fixed,
    severity: pickSeverity(v.Severity, cvss),
    location,
    scanner: c.scanner,
  };
  if (cvss) f.cvss = cvss;
  const title = text(v.Title, 300);
  if (title) f.title = title;
  const description = text(v.Description);
  if (description) f.description = description;
  if (v.PrimaryURL) f.url = v.PrimaryURL;
  if (suppression) f.suppression = suppression;
  return withKey(f);
}

const OS = new Map([
  ['alpine', 'apk'],
  ['wolfi', 'apk'],
  ['chainguard', 'apk'],
  ['debian', 'deb'],
  ['ubuntu', 'deb'],
]);

function ecosystemFor(type: string | null | undefined): string {
  const t = (type ?? '').toLowerCase();
  const os = OS.get(t);
  if (os) return os;
  if (/^(redhat|centos|rocky|alma|amazon|oracle|fedora|photon|suse|opensuse|sles|cbl-mariner|azurelinux)/.test(t))
    return 'rpm';
  return ecosystemOf(t);
}

/** The CVSS of the severity's source, else NVD's, else the first; v4 before v3 before v2. */
function pickCvss(v: Vuln): Cvss | undefined {
  const all = v.CVSS ?? {};
  const order = [v.SeveritySource, 'nvd', ...Object.keys(all)].filter(
    (x): x is string => !!x && Object.hasOwn(all, x) && !!all[x],
  );
  for (const source of order) {
    const c = all[source];
    if (!c) continue;
    if (c.V40Score != null) return { score: c.V40Score, ...vec(c.V40Vector, '4.0') };
    if (c.V3Score != null) return { score: c.V3Score, ...vec(c.V3Vector, '3.1') };
    if (c.V2Score != null) return { score: c.V2Score, ...vec(c.V2Vector, '2.0') };
  }
  return undefined;
}

const vec = (vector: string | null | undefined, fallback: string) =>
  vector ? { vector, version: cvssVersion(vector) ?? fallback } : { version: fallback };
