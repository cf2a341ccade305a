// OSV-Scanner JSON (`osv-scanner --format json`): results[].packages[]. OSV-Scanner groups the
// records that are aliases of each other (GO-…, GHSA-…, CVE-…) in `groups`: each group is one
// finding, keyed on its CVE when it has one; without `groups`, each vulnerability is one.
// Severity: the group's max_severity (a CVSS score), else the records' own database severity,
// else the score computed from their CVSS vectors.
import { z } from 'zod';
import {
  bounded,
  cvssFromVector,
  isSeverityWord,
  ecosystemOf,
  finiteNumber,
  maxSeverity,
  opt,
  packageFromPurl,
  pickIds,
  severityFromScore,
  severityFromWord,
  text,
  uniq,
} from './common.js';
import { withKey } from './key.js';
import type { Cvss, FormatResult, NormalizedFinding, Scanner, Severity } from './types.js';
import { check } from './validate.js';

const str = bounded().nullish();
const Record_ = z.looseObject({
  id: bounded(),
  aliases: z.array(bounded()).nullish(),
  summary: str,
  details: str,
  severity: z.array(z.looseObject({ type: str, score: z.union([bounded(), z.number()]) })).nullish(),
  affected: z
    .array(
      z.looseObject({
        package: z.looseObject({ name: str, ecosystem: str }).nullish(),
        ranges: z
          .array(z.looseObject({ type: str, events: z.array(z.record(bounded(), z.unknown())).nullish() }))
          .nullish(),
      }),
    )
    .nullish(),
  references: z.array(z.looseObject({ type: str, url: str })).nullish(),
  database_specific: z
    .looseObject({ severity: z.unknown().optional() })
    .refine((d) => typeof d.severity !== 'string' || isSeverityWord(d.severity), {
      error: (i) =>
        `severity ${JSON.stringify(String((i.input as { severity?: unknown }).severity).slice(0, 40))} is not a severity: one of critical, high, important, medium, moderate, low, negligible, info, informational, none or unknown`,
      path: ['severity'],
    })
    .nullish(),
});
type OsvRecord = z.output<typeof Record_>;
const Package = z.looseObject({
  package: z.looseObject({ name: bounded(), version: str, ecosystem: str, purl: str }),
  vulnerabilities: z.array(Record_).nullish(),
  groups: z
    .array(
      z.looseObject({
        ids: z.array(bounded()),
        aliases: z.array(bounded()).nullish(),
        max_severity: z.union([bounded(), z.number()]).nullish(),
      }),
    )
    .nullish(),
});
const Report = z.looseObject({
  results: z.array(
    z.looseObject({ source: z.looseObject({ path: str, type: str }).nullish(), packages: z.array(Package).nullish() }),
  ),
});

const SCANNER: Scanner = { name: 'osv-scanner' };

export function parseOsv(value: unknown): FormatResult {
  const r = check(Report, value, 'OSV-Scanner JSON');
  if (!r.ok) return r;
  const findings: NormalizedFinding[] = [];
  for (const result of r.data.results) {
    const target = result.source?.path ?? undefined;
    for (const p of result.packages ?? []) {
      const records = p.vulnerabilities ?? [];
      const byId = new Map(records.map((v) => [v.id, v]));
      const groups = p.groups?.length
        ? p.groups
        : records.map((v) => ({ ids: [v.id], aliases: null, max_severity: null }));
      for (const g of groups) {
        const members = g.ids.map((id) => byId.get(id)).filter((v): v is OsvRecord => !!v);
        findings.push(toFinding(p, members, g, target));
      }
    }
  }
  return { ok: true, scanner: SCANNER, findings };
}

type Pkg = z.output<typeof Package>;
type Group = { ids: string[]; aliases?: string[] | null; max_severity?: string | number | null };

function toFinding(p: Pkg, members: OsvRecord[], g: Group, target: string | undefined): NormalizedFinding {
  const purl = packageFromPurl(p.package.purl);
  const ecosystem = purl?.ecosystem ?? ecosystemOf(p.package.ecosystem);
  const cvss = members
    .map(recordCvss)
    .filter((c): c is Cvss => !!c)
    .sort((a, b) => b.score - a.score)[0];
  const main = members[0];
  const f: Omit<NormalizedFinding, 'key'> = {
    ...pickIds([...g.ids, ...(g.aliases ?? []), ...members.flatMap((v) => [v.id, ...(v.aliases ?? [])])]),
    package: { name: p.package.name, ecosystem, ...opt('purl', purl?.purl) },
    installedVersion: p.package.version ?? '',
    fixedVersions: uniq(members.flatMap((v) => fixedIn(v, p.package.name))),
    severity: severity(g, members, cvss),
    ...opt('cvss', cvss),
    location: { ...opt('target', target), ...opt('file', target) },
    ...opt('title', text(main?.summary, 300)),
    ...opt('description', text(main?.details)),
    ...opt(
      'url',
      main
        ? (main.references?.find((x) => x.type === 'ADVISORY')?.url ?? `https://osv.dev/vulnerability/${main.id}`)
        : undefined,
    ),
    scanner: SCANNER,
  };
  return withKey(f);
}

function severity(g: Group, members: OsvRecord[], cvss: Cvss | undefined): Severity {
  const max = finiteNumber(g.max_severity);
  if (max !== undefined && g.max_severity !== '') return severityFromScore(max);
  const words = members
    .map((v) =>
      severityFromWord(typeof v.database_specific?.severity === 'string' ? v.database_specific.severity : undefined),
    )
    .filter((s): s is Severity => !!s);
  if (words.length) return words.reduce(maxSeverity);
  if (cvss) return severityFromScore(cvss.score);
  const plain = members
    .flatMap((v) => (v.severity ?? []).map((s) => finiteNumber(s.score)))
    .filter((n): n is number => n !== undefined);
  return plain.length ? severityFromScore(Math.max(...plain)) : 'unknown';
}

/** The highest-scoring CVSS vector of a record (CVSS_V4, CVSS_V3, CVSS_V2). */
function recordCvss(v: OsvRecord): Cvss | undefined {
  return (v.severity ?? [])
    .filter((s) => typeof s.score === 'string' && /^CVSS/.test(s.type ?? ''))
    .map((s) => cvssFromVector(String(s.score)))
    .filter((c): c is Cvss => !!c)
    .sort((a, b) => b.score - a.score)[0];
}

const sameName = (a: string, b: string) =>
  a === b || a.toLowerCase().replace(/[-_.]+/g, '-') === b.toLowerCase().replace(/[-_.]+/g, '-');

/** `fixed` events of the ranges that concern this package (git commit ranges excepted); names
 *  compare as PyPI and NuGet do, ignoring case ("Jinja2" is "jinja2"). */
function fixedIn(v: OsvRecord, name: string): string[] {
  return (v.affected ?? [])
    .filter((a) => !a.package?.name || sameName(a.package.name, name))
    .flatMap((a) => (a.ranges ?? []).filter((r) => r.type !== 'GIT'))
    .flatMap((r) => (r.events ?? []).map((e) => (typeof e.fixed === 'string' ? e.fixed : undefined)))
    .filter((x): x is string => !!x);
}
