// GitHub Dependabot alerts (REST `GET /repos/{o}/{r}/dependabot/alerts` or the org/enterprise
// list): a JSON array of alerts. Open alerts are findings; dismissed and auto_dismissed ones are
// suppressed findings (the reason and comment as justification); fixed ones are not findings.
// The API does not give the installed version: installedVersion is ''. The location target is
// the manifest path, prefixed with the repository in organisation lists.
import { z } from 'zod';
import {
  bounded,
  cvssVersion,
  ecosystemOf,
  finiteNumber,
  opt,
  pickIds,
  pickSeverity,
  severityWord,
  text,
} from './common.js';
import { withKey } from './key.js';
import type { Cvss, FormatResult, NormalizedFinding, Scanner, Suppression } from './types.js';
import { check } from './validate.js';

const str = bounded().nullish();
const PackageRef = z.looseObject({ ecosystem: bounded(), name: bounded() });
const CvssRef = z.looseObject({ score: z.number().nullish(), vector_string: str }).nullish();
const Alert = z.looseObject({
  number: z.number().nullish(),
  state: bounded(),
  dependency: z.looseObject({ package: PackageRef.nullish(), manifest_path: str }).nullish(),
  security_advisory: z.looseObject({
    ghsa_id: bounded(),
    cve_id: str,
    summary: str,
    description: str,
    severity: severityWord.nullish(),
    identifiers: z.array(z.looseObject({ type: str, value: bounded() })).nullish(),
    cvss: CvssRef,
    cvss_severities: z.looseObject({ cvss_v3: CvssRef, cvss_v4: CvssRef }).nullish(),
    epss: z.unknown().optional(),
  }),
  security_vulnerability: z.looseObject({
    package: PackageRef,
    severity: severityWord.nullish(),
    first_patched_version: z.looseObject({ identifier: bounded() }).nullish(),
  }),
  html_url: str,
  dismissed_reason: str,
  dismissed_comment: str,
  repository: z.looseObject({ full_name: str }).nullish(),
});
type Alert = z.output<typeof Alert>;
const Report = z.array(Alert);

const SCANNER: Scanner = { name: 'Dependabot' };

export function parseDependabot(value: unknown): FormatResult {
  const r = check(Report, value, 'GitHub Dependabot alerts');
  if (!r.ok) return r;
  const findings = r.data.filter((a) => a.state !== 'fixed').map(toFinding);
  return { ok: true, scanner: SCANNER, findings };
}

function toFinding(a: Alert): NormalizedFinding {
  const adv = a.security_advisory;
  const vuln = a.security_vulnerability;
  const cvss = pickCvss(adv.cvss_severities?.cvss_v4) ?? pickCvss(adv.cvss_severities?.cvss_v3) ?? pickCvss(adv.cvss);
  const manifest = a.dependency?.manifest_path ?? undefined;
  const repo = a.repository?.full_name ?? undefined;
  const fixed = vuln.first_patched_version?.identifier;
  const f: Omit<NormalizedFinding, 'key'> = {
    ...pickIds([adv.cve_id, adv.ghsa_id, ...(adv.identifiers ?? []).map((i) => i.value)]),
    package: { name: vuln.package.name, ecosystem: ecosystemOf(vuln.package.ecosystem) },
    installedVersion: '',
    fixedVersions: fixed ? [fixed] : [],
    severity: pickSeverity(vuln.severity ?? adv.severity, cvss),
    ...opt('cvss', cvss),
    ...opt('epss', epss(adv.epss)),
    location: {
      ...opt('target', repo && manifest ? `${repo}/${manifest}` : (manifest ?? repo)),
      ...opt('file', manifest),
    },
    ...opt('title', text(adv.summary, 300)),
    ...opt('description', text(adv.description)),
    ...opt('url', a.html_url),
    scanner: SCANNER,
    ...opt('suppression', suppression(a)),
  };
  return withKey(f);
}

function suppression(a: Alert): Suppression | undefined {
  if (a.state !== 'dismissed' && a.state !== 'auto_dismissed') return undefined;
  return {
    state: a.state,
    ...opt('justification', a.dismissed_reason),
    ...opt('detail', a.dismissed_comment || undefined),
  };
}

/** A score of 0 without a vector is GitHub's "not scored". */
function pickCvss(c: z.output<typeof CvssRef>): Cvss | undefined {
  if (!c || c.score == null || (c.score === 0 && !c.vector_string)) return undefined;
  return {
    score: c.score,
    ...opt('vector', c.vector_string),
    ...opt('version', cvssVersion(c.vector_string ?? undefined)),
  };
}

/** `epss` is an object or (in some API versions) an array of one: { percentage, percentile }. */
function epss(e: unknown): number | undefined {
  const o: unknown = Array.isArray(e) ? e[0] : e;
  return o && typeof o === 'object' ? finiteNumber((o as { percentage?: unknown }).percentage) : undefined;
}
