// npm audit v2 (`npm audit --json`, npm 7 and later). Each advisory object in a package's `via`
// is one finding on that package. A `via` entry that is a package name only says the package is
// vulnerable through another one, which carries the advisory itself: such packages get no finding
// of their own, and instead each finding lists them in `dependents` (the closure of `effects`).
// npm audit does not report installed versions: installedVersion is '' and the key has no version.
import { z } from 'zod';
import { bounded, cvssVersion, idsIn, opt, pickIds, pickSeverity, severityWord } from './common.js';
import { withKey } from './key.js';
import type { Cvss, FormatResult, NormalizedFinding, Scanner } from './types.js';
import { check } from './validate.js';

const Advisory = z.looseObject({
  source: z.union([z.number(), bounded()]),
  name: bounded(),
  title: bounded().nullish(),
  url: bounded().nullish(),
  severity: severityWord,
  range: bounded().nullish(),
  cwe: z.array(bounded()).nullish(),
  cvss: z.looseObject({ score: z.number().nullish(), vectorString: bounded().nullish() }).nullish(),
});
const FixObject = z.looseObject({ name: bounded(), version: bounded(), isSemVerMajor: z.boolean().nullish() });
const Entry = z.looseObject({
  name: bounded(),
  severity: severityWord.nullish(),
  isDirect: z.boolean().nullish(),
  via: z.array(z.union([bounded(), Advisory], { error: 'a package name or an advisory object' })),
  effects: z.array(bounded()).nullish(),
  nodes: z.array(bounded()).nullish(),
  fixAvailable: z.union([z.boolean(), FixObject], { error: 'a boolean or an object with name and version' }).nullish(),
});
type Entry = z.output<typeof Entry>;
const Report = z.looseObject({ auditReportVersion: z.literal(2), vulnerabilities: z.record(bounded(), Entry) });

const SCANNER: Scanner = { name: 'npm audit' };

export function parseNpmAudit(value: unknown): FormatResult {
  const r = check(Report, value, 'npm audit v2');
  if (!r.ok) return r;
  // A Map: package names such as "constructor" must not find Object.prototype's properties.
  const entries = new Map(Object.entries(r.data.vulnerabilities));
  const findings: NormalizedFinding[] = [];
  const closures = new Map<string, string[]>();
  for (const entry of entries.values()) {
    const dependents = entry.via.some((v) => typeof v !== 'string') ? closure(entry.name, entries, closures) : [];
    for (const via of entry.via) {
      if (typeof via === 'string') continue;
      findings.push(toFinding(entry, via, dependents));
    }
  }
  return { ok: true, scanner: SCANNER, findings };
}

/** At most this many dependents are listed on a finding (the nearest first, then by name). */
export const DEPENDENTS_LIMIT = 100;

/** The packages that depend, directly or not, on `name` and are affected through it: a
 *  breadth-first walk that stops once DEPENDENTS_LIMIT are found, so a deep `effects` chain costs
 *  each finding at most that many steps instead of the whole graph (which made a long chain
 *  quadratic). Memoised by name: findings of one package share the walk. */
function closure(name: string, entries: Map<string, Entry>, memo: Map<string, string[]>): string[] {
  const known = memo.get(name);
  if (known) return known;
  const seen = new Set<string>();
  const queue = [...(entries.get(name)?.effects ?? [])];
  for (let i = 0; i < queue.length && seen.size < DEPENDENTS_LIMIT; i++) {
    const n = queue[i]!;
    if (seen.has(n) || n === name) continue;
    seen.add(n);
    for (const e of entries.get(n)?.effects ?? []) {
      if (queue.length >= DEPENDENTS_LIMIT * 16) break;
      queue.push(e);
    }
  }
  const out = [...seen].sort();
  memo.set(name, out);
  return out;
}

function toFinding(entry: Entry, a: z.output<typeof Advisory>, dependents: string[]): NormalizedFinding {
  const score = a.cvss?.score;
  const vector = a.cvss?.vectorString ?? undefined;
  const cvss: Cvss | undefined =
    score != null && (score > 0 || vector)
      ? { score, ...opt('vector', vector), ...opt('version', cvssVersion(vector)) }
      : undefined;
  const ids = pickIds([...idsIn(a.url ?? undefined), `npm:${a.source}`]);
  const fix = entry.fixAvailable;
  const fixedVersions =
    fix && typeof fix === 'object' && fix.name === entry.name
      ? [fix.version]
      : fix === false
        ? []
        : fixedFromRange(a.range);
  const f: Omit<NormalizedFinding, 'key'> = {
    ...ids,
    package: { name: entry.name, ecosystem: 'npm' },
    installedVersion: '',
    fixedVersions,
    severity: pickSeverity(a.severity, cvss),
    ...opt('cvss', cvss),
    location: { ...opt('file', entry.nodes?.[0]) },
    ...opt('title', a.title || undefined),
    ...opt('url', a.url || undefined),
    remediation: remediation(fix),
    ...(dependents.length ? { dependents } : {}),
    scanner: SCANNER,
  };
  return withKey(f);
}

/** "<1.14.8" or ">=1.0.0 <1.14.8" → ["1.14.8"]; other ranges name no single fixed version. */
function fixedFromRange(range: string | null | undefined): string[] {
  const m = range?.trim().match(/(?:^|\s)<\s*v?(\d[\w.+-]*)$/);
  return m ? [m[1]!] : [];
}

function remediation(fix: Entry['fixAvailable']): string {
  if (fix === true) return 'npm audit fix';
  if (!fix) return 'no fix available';
  return fix.isSemVerMajor
    ? `npm audit fix --force (installs ${fix.name}@${fix.version}, a semver-major change)`
    : `npm audit fix (installs ${fix.name}@${fix.version})`;
}
