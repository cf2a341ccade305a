// npm audit v2 (`npm audit --json`, npm 7 and later). Each advisory object in a package's `via`
// is one finding on that package. A `via` entry that is a package name only says the package is
// vulnerable through another one, which carries the advisory itself: such packages get no finding
// of their own, and instead each finding lists them in `dependents` (the closure of `effects`).
// npm audit does not report installed versions: installedVersion is '' and the key has no version.
import { z } from 'zod';
import { cvssVersion, idsIn, opt, pickIds, pickSeverity } from './common.js';
import { withKey } from './key.js';
import type { Cvss, FormatResult, NormalizedFinding, Scanner } from './types.js';
import { check } from './validate.js';

const Advisory = z.looseObject({
  source: z.union([z.number(), z.string()]),
  name: z.string(),
  title: z.string().nullish(),
  url: z.string().nullish(),
  severity: z.string(),
  range: z.string().nullish(),
  cwe: z.array(z.string()).nullish(),
  cvss: z.looseObject({ score: z.number().nullish(), vectorString: z.string().nullish() }).nullish(),
});
const FixObject = z.looseObject({ name: z.string(), version: z.string(), isSemVerMajor: z.boolean().nullish() });
const Entry = z.looseObject({
  name: z.string(),
  severity: z.string().nullish(),
  isDirect: z.boolean().nullish(),
  via: z.array(z.union([z.string(), Advisory], { error: 'a package name or an advisory object' })),
  effects: z.array(z.string()).nullish(),
  nodes: z.array(z.string()).nullish(),
  fixAvailable: z.union([z.boolean(), FixObject], { error: 'a boolean or an object with name and version' }).nullish(),
});
type Entry = z.output<typeof Entry>;
const Report = z.looseObject({ auditReportVersion: z.literal(2), vulnerabilities: z.record(z.string(), Entry) });

const SCANNER: Scanner = { name: 'npm audit' };

export function parseNpmAudit(value: unknown): FormatResult {
  const r = check(Report, value, 'npm audit v2');
  if (!r.ok) return r;
  const entries = r.data.vulnerabilities;
  const findings: NormalizedFinding[] = [];
  for (const entry of Object.values(entries)) {
    const dependents = closure(entry.name, entries);
    for (const via of entry.via) {
      if (typeof via === 'string') continue;
      findings.push(toFinding(entry, via, dependents));
    }
  }
  return { ok: true, scanner: SCANNER, findings };
}

/** Every package that depends, directly or not, on `name` and is affected through it. */
function closure(name: string, entries: Record<string, Entry>): string[] {
  const seen = new Set<string>();
  const queue = [...(entries[name]?.effects ?? [])];
  while (queue.length) {
    const n = queue.shift()!;
    if (seen.has(n) || n === name) continue;
    seen.add(n);
    queue.push(...(entries[n]?.effects ?? []));
  }
  return [...seen].sort();
}

function toFinding(entry: Entry, a: z.output<typeof Advisory>, dependents: string[]): NormalizedFinding {
  const score = a.cvss?.score;
  const vector = a.cvss?.vectorString ?? undefined;
  const cvss: Cvss | undefined = score != null && (score > 0 || vector) ? { score, ...opt('vector', vector), ...opt('version', cvssVersion(vector)) } : undefined;
  const ids = pickIds([...idsIn(a.url ?? undefined), `npm:${a.source}`]);
  const fix = entry.fixAvailable;
  const fixedVersions = fix && typeof fix === 'object' && fix.name === entry.name ? [fix.version] : fix === false ? [] : fixedFromRange(a.range);
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
  return m ? [m[1]] : [];
}

function remediation(fix: Entry['fixAvailable']): string {
  if (fix === true) return 'npm audit fix';
  if (!fix) return 'no fix available';
  return fix.isSemVerMajor ? `npm audit fix --force (installs ${fix.name}@${fix.version}, a semver-major change)` : `npm audit fix (installs ${fix.name}@${fix.version})`;
}
