// Grype JSON (`grype -o json`): matches[] are findings, ignoredMatches[] (from ignore rules or
// VEX) are findings that are suppressed. A GHSA match whose relatedVulnerabilities name a CVE is
// keyed on the CVE, so it meets Trivy's report of the same CVE.
import { z } from 'zod';
import {
  bounded,
  cvssVersion,
  ecosystemOf,
  finiteNumber,
  opt,
  packageFromPurl,
  pickIds,
  pickSeverity,
  severityWord,
  text,
  uniq,
} from './common.js';
import { normalizePath, withKey } from './key.js';
import type { Cvss, FormatResult, NormalizedFinding, Scanner, Suppression } from './types.js';
import { check } from './validate.js';

const str = bounded().nullish();
const CvssEntry = z.looseObject({
  version: str,
  vector: str,
  metrics: z.looseObject({ baseScore: z.number().nullish() }).nullish(),
});
const Vulnerability = z.looseObject({
  id: bounded(),
  severity: severityWord.nullish(),
  description: str,
  dataSource: str,
  urls: z.array(bounded()).nullish(),
  cvss: z.array(CvssEntry).nullish(),
  fix: z.looseObject({ versions: z.array(bounded()).nullish(), state: str }).nullish(),
  knownExploited: z.array(z.unknown()).nullish(),
  epss: z.array(z.looseObject({ epss: z.unknown().optional() })).nullish(),
});
const Match = z.looseObject({
  vulnerability: Vulnerability,
  relatedVulnerabilities: z
    .array(z.looseObject({ id: bounded(), description: str, cvss: z.array(CvssEntry).nullish() }))
    .nullish(),
  artifact: z.looseObject({
    name: bounded(),
    version: bounded(),
    type: str,
    purl: str,
    locations: z.array(z.looseObject({ path: str })).nullish(),
  }),
  appliedIgnoreRules: z
    .array(z.looseObject({ reason: str, namespace: str, 'vex-status': str, 'vex-justification': str }))
    .nullish(),
});
type Match = z.output<typeof Match>;
const Report = z.looseObject({
  matches: z.array(Match),
  ignoredMatches: z.array(Match).nullish(),
  source: z.looseObject({ type: str, target: z.unknown().optional() }).nullish(),
  descriptor: z.looseObject({ name: str, version: str }).nullish(),
});

export function parseGrype(value: unknown): FormatResult {
  const r = check(Report, value, 'Grype JSON');
  if (!r.ok) return r;
  const report = r.data;
  const d = report.descriptor;
  const scanner: Scanner = {
    name: d?.name || 'grype',
    ...opt('version', d?.version && d.version !== '[not provided]' ? d.version : undefined),
  };
  const t = report.source?.target;
  const userInput =
    typeof t === 'string' ? t : t && typeof t === 'object' ? (t as { userInput?: unknown }).userInput : undefined;
  const image = report.source?.type === 'image' && typeof userInput === 'string' ? userInput : undefined;
  const findings = report.matches.map((m) => toFinding(m, image, scanner));
  for (const m of report.ignoredMatches ?? []) {
    const rule = m.appliedIgnoreRules?.[0];
    const suppression: Suppression = {
      state: rule?.['vex-status'] || 'ignored',
      ...opt('justification', rule?.['vex-justification'] || rule?.reason || undefined),
      ...opt('detail', rule?.namespace ? `ignore rule from ${rule.namespace}` : undefined),
    };
    findings.push(toFinding(m, image, scanner, suppression));
  }
  return { ok: true, scanner, findings };
}

function toFinding(
  m: Match,
  image: string | undefined,
  scanner: Scanner,
  suppression?: Suppression,
): NormalizedFinding {
  const v = m.vulnerability;
  const a = m.artifact;
  const purl = packageFromPurl(a.purl);
  const related = m.relatedVulnerabilities ?? [];
  const cvss = pickCvss(v.cvss) ?? pickCvss(related.flatMap((x) => x.cvss ?? []));
  const path = a.locations?.[0]?.path ?? undefined;
  const fixed = v.fix?.state === 'fixed' || !v.fix?.state ? uniq(v.fix?.versions ?? []) : [];
  const f: Omit<NormalizedFinding, 'key'> = {
    ...pickIds([v.id, ...related.map((x) => x.id)]),
    package: purl
      ? { name: purl.name, ecosystem: purl.ecosystem, purl: purl.purl }
      : { name: a.name, ecosystem: ecosystemOf(a.type) },
    installedVersion: a.version,
    fixedVersions: fixed,
    severity: pickSeverity(v.severity, cvss),
    ...opt('cvss', cvss),
    ...(v.knownExploited?.length ? { knownExploited: true } : {}),
    ...opt('epss', finiteNumber(v.epss?.[0]?.epss)),
    location: image
      ? { image, ...opt('file', path) }
      : { ...opt('target', path ? normalizePath(path) : undefined), ...opt('file', path) },
    ...opt('description', text(v.description ?? related.find((x) => x.description)?.description)),
    ...opt('url', v.dataSource || v.urls?.[0] || undefined),
    scanner,
    ...opt('suppression', suppression),
  };
  return withKey(f);
}

/** The newest CVSS version with a base score. */
function pickCvss(list: z.output<typeof CvssEntry>[] | null | undefined): Cvss | undefined {
  const scored = (list ?? []).filter((c) => c.metrics?.baseScore != null);
  scored.sort(
    (x, y) =>
      Number(cvssVersion(y.vector ?? undefined) ?? y.version ?? 0) -
      Number(cvssVersion(x.vector ?? undefined) ?? x.version ?? 0),
  );
  const c = scored[0];
  if (!c) return undefined;
  return {
    score: c.metrics!.baseScore!,
    ...opt('vector', c.vector || undefined),
    ...opt('version', cvssVersion(c.vector ?? undefined) ?? c.version ?? undefined),
  };
}
