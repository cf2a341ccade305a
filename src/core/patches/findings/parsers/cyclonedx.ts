// CycloneDX 1.4–1.7 JSON with `vulnerabilities` (scanner output or VEX). Each vulnerability ×
// each `affects[].ref` is a finding; the ref names a component by bom-ref (a bom-link keeps its
// fragment) or purl. VEX analysis: not_affected and false_positive are suppressed with their
// justification; resolved and resolved_with_pedigree are not findings; in_triage, exploitable
// and no analysis stay open. A ref without a version of its own gives one finding per
// `affects[].versions` entry (a version or a range). CycloneDX has no machine-readable fixed
// version: fixedVersions stays empty and `recommendation` becomes `remediation`.
import { z } from 'zod';
import {
  bounded,
  cvssVersion,
  finiteNumber,
  opt,
  packageFromPurl,
  pickIds,
  severityFromScore,
  severityFromWord,
  severityWord,
  text,
} from './common.js';
import { withKey } from './key.js';
import type { Cvss, FormatResult, NormalizedFinding, Scanner, Severity, Suppression } from './types.js';
import { check } from './validate.js';

const str = bounded().nullish();
interface Component {
  'bom-ref'?: string | null;
  type?: string | null;
  name: string;
  group?: string | null;
  version?: string | null;
  purl?: string | null;
  components?: Component[] | null;
}
const Component: z.ZodType<Component> = z.looseObject({
  'bom-ref': str,
  type: str,
  name: bounded(),
  group: str,
  version: str,
  purl: str,
  get components() {
    return z.array(Component).nullish();
  },
});
const Rating = z.looseObject({
  source: z.looseObject({ name: str, url: str }).nullish(),
  score: z.number().nullish(),
  severity: severityWord.nullish(),
  method: str,
  vector: str,
  justification: str,
});
const Vulnerability = z.looseObject({
  id: bounded(),
  source: z.looseObject({ name: str, url: str }).nullish(),
  references: z.array(z.looseObject({ id: bounded() })).nullish(),
  ratings: z.array(Rating).nullish(),
  description: str,
  detail: str,
  recommendation: str,
  advisories: z.array(z.looseObject({ url: str })).nullish(),
  analysis: z.looseObject({ state: str, justification: str, detail: str }).nullish(),
  affects: z
    .array(
      z.looseObject({
        ref: bounded(),
        versions: z.array(z.looseObject({ version: str, range: str, status: str })).nullish(),
      }),
    )
    .nullish(),
});
type Vulnerability = z.output<typeof Vulnerability>;
const Tool = z.looseObject({ name: str, version: str, vendor: str });
const Bom = z.looseObject({
  bomFormat: z.literal('CycloneDX'),
  specVersion: bounded(),
  metadata: z
    .looseObject({
      component: Component.nullish(),
      tools: z
        .union([z.array(Tool), z.looseObject({ components: z.array(Tool).nullish() })], {
          error: 'a list of tools or { components }',
        })
        .nullish(),
    })
    .nullish(),
  components: z.array(Component).nullish(),
  vulnerabilities: z.array(Vulnerability),
});

const SUPPRESSING = new Set(['not_affected', 'false_positive']);
const GONE = new Set(['resolved', 'resolved_with_pedigree']);

export function parseCycloneDx(value: unknown): FormatResult {
  const o = value as { specVersion?: unknown; vulnerabilities?: unknown } | null;
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    if (typeof o.specVersion === 'string' && !/^1\.[4-7]$/.test(o.specVersion))
      return { ok: false, reason: `CycloneDX specVersion ${o.specVersion} is not supported: 1.4 to 1.7 are read` };
    if (o.vulnerabilities === undefined)
      return {
        ok: false,
        reason:
          "this CycloneDX BOM has no `vulnerabilities`: it lists components only; scan it (e.g. `trivy sbom` or `grype sbom:FILE`) and import the scanner's report",
      };
  }
  const r = check(Bom, value, 'CycloneDX');
  if (!r.ok) return r;
  const bom = r.data;
  const tools = bom.metadata?.tools;
  const tool = (Array.isArray(tools) ? tools : (tools?.components ?? []))[0];
  const scanner: Scanner = tool?.name ? { name: tool.name, ...opt('version', tool.version) } : { name: 'CycloneDX' };
  const refs = new Map<string, Component>();
  const index = (c: Component) => {
    if (c['bom-ref']) refs.set(c['bom-ref'], c);
    if (c.purl && !refs.has(c.purl)) refs.set(c.purl, c);
    c.components?.forEach(index);
  };
  if (bom.metadata?.component) index(bom.metadata.component);
  bom.components?.forEach(index);
  const subject = bom.metadata?.component;
  const where =
    subject?.type === 'container'
      ? { image: subject.name }
      : subject
        ? { target: subject.version ? `${subject.name}@${subject.version}` : subject.name }
        : {};
  const findings: NormalizedFinding[] = [];
  for (const v of bom.vulnerabilities) {
    const state = v.analysis?.state ?? undefined;
    if (state && GONE.has(state)) continue;
    for (const a of v.affects ?? []) {
      const c = refs.get(a.ref) ?? refs.get(fragment(a.ref));
      const versions =
        c?.version || packageFromPurl(c?.purl)?.version || packageFromPurl(a.ref)?.version
          ? [undefined]
          : a.versions?.length
            ? a.versions
            : [undefined];
      for (const entry of versions) findings.push(toFinding(v, a.ref, c, entry, where, scanner));
    }
  }
  return { ok: true, scanner, findings };
}

const fragment = (ref: string) =>
  ref.startsWith('urn:cdx:') && ref.includes('#') ? decodeURIComponent(ref.slice(ref.indexOf('#') + 1)) : ref;

type VersionEntry = { version?: string | null; range?: string | null; status?: string | null } | undefined;

function toFinding(
  v: Vulnerability,
  ref: string,
  c: Component | undefined,
  entry: VersionEntry,
  where: NormalizedFinding['location'],
  scanner: Scanner,
): NormalizedFinding {
  const purl = packageFromPurl(c?.purl) ?? (c ? undefined : packageFromPurl(ref));
  const name = purl?.name ?? (c ? (c.group ? `${c.group}:${c.name}` : c.name) : fragment(ref));
  const ratings = v.ratings ?? [];
  const cvss = pickCvss(ratings);
  const state = v.analysis?.state ?? undefined;
  const suppressed = (state && SUPPRESSING.has(state)) || entry?.status === 'unaffected';
  const suppression: Suppression | undefined = suppressed
    ? {
        state: state && SUPPRESSING.has(state) ? state : 'not_affected',
        ...opt(
          'justification',
          v.analysis?.justification ?? (entry?.status === 'unaffected' ? 'unaffected version' : undefined),
        ),
        ...opt('detail', text(v.analysis?.detail, 500)),
      }
    : undefined;
  const f: Omit<NormalizedFinding, 'key'> = {
    ...pickIds([v.id, ...(v.references ?? []).map((x) => x.id)]),
    package: { name, ecosystem: purl?.ecosystem ?? 'generic', ...opt('purl', purl?.purl) },
    installedVersion: c?.version ?? purl?.version ?? entry?.version ?? entry?.range ?? '',
    fixedVersions: [],
    severity: pickSeverity(v, ratings, cvss),
    ...opt('cvss', cvss),
    ...(ratings.some((x) => /\bKEV\b/i.test(x.source?.name ?? '')) ? { knownExploited: true } : {}),
    ...opt(
      'epss',
      finiteNumber(
        ratings.find((x) => /epss/i.test(`${x.source?.name} ${x.source?.url}`) || x.source?.name === 'FIRST')?.score,
      ),
    ),
    location: { ...where },
    ...opt('description', text(v.description ?? v.detail)),
    ...opt('url', v.source?.url ?? v.advisories?.[0]?.url),
    ...opt('remediation', text(v.recommendation, 500)),
    scanner,
    ...opt('suppression', suppression),
  };
  return withKey(f);
}

const METHODS = new Map([
  ['CVSSv4', 4],
  ['CVSSv31', 3],
  ['CVSSv3', 2],
  ['CVSSv2', 1],
]);
const rankOf = (method: string | null | undefined) => (method ? (METHODS.get(method) ?? 0) : 0);

/** The newest CVSS method with a score. */
function pickCvss(ratings: z.output<typeof Rating>[]): Cvss | undefined {
  const best = ratings
    .filter((r) => r.score != null && rankOf(r.method))
    .sort((a, b) => rankOf(b.method) - rankOf(a.method))[0];
  if (!best) return undefined;
  return {
    score: best.score!,
    ...opt('vector', best.vector),
    ...opt('version', cvssVersion(best.vector ?? undefined, best.method ?? undefined)),
  };
}

/** The rating from the vulnerability's own source, else the first CVSS rating, else any word. */
function pickSeverity(v: Vulnerability, ratings: z.output<typeof Rating>[], cvss: Cvss | undefined): Severity {
  const own = ratings.find((r) => r.severity && v.source?.name && r.source?.name === v.source.name);
  const cvssRated = ratings.find((r) => rankOf(r.method) && (r.severity || r.score != null));
  for (const r of [own, cvssRated, ...ratings]) {
    const s = severityFromWord(r?.severity);
    if (s) return s;
    if (rankOf(r?.method) && r?.score != null) return severityFromScore(r.score);
  }
  return cvss ? severityFromScore(cvss.score) : 'unknown';
}
