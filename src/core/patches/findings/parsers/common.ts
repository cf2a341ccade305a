// Helpers every format parser shares: severities, CVSS, vulnerability ids, package URLs and text.
import cvssCalculatorModule from 'ae-cvss-calculator';
import { PackageURL } from 'packageurl-js';
import { z } from 'zod';
import type { Cvss, Severity } from './types.js';

/** The calculator's untyped export, as used here. */
const cvssCalculator = cvssCalculatorModule as unknown as {
  fromVector(vector: string): { calculateScores?: () => { base?: unknown } } | undefined;
};

/** 9.0+ critical, 7.0+ high, 4.0+ medium, 0.1+ low, else none (CVSS v3/v4 qualitative scale). */
export function severityFromScore(score: number): Severity {
  if (!Number.isFinite(score) || score < 0) return 'unknown';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score >= 0.1) return 'low';
  return 'none';
}

// Maps, not object literals: report text such as "constructor" or "__proto__" must not find
// Object.prototype's properties.
const WORDS = new Map<string, Severity>([
  ['critical', 'critical'],
  ['high', 'high'],
  ['important', 'high'],
  ['medium', 'medium'],
  ['moderate', 'medium'],
  ['low', 'low'],
  ['negligible', 'none'],
  ['info', 'none'],
  ['informational', 'none'],
  ['none', 'none'],
]);

/** A report's severity word → the enum; undefined for "unknown", "" or a word we do not know. */
export function severityFromWord(word: string | null | undefined): Severity | undefined {
  return word ? WORDS.get(word.trim().toLowerCase()) : undefined;
}

/** Severity words the reports use: the ones above, and "unknown" (or blank) for "not rated". */
export const isSeverityWord = (word: string): boolean => {
  const w = word.trim().toLowerCase();
  return w === '' || w === 'unknown' || WORDS.has(w);
};

/** Longest free text kept from a report field (titles, descriptions, versions are cut far shorter). */
export const FIELD_LIMIT = 65_536;
/** A bounded report string: longer is refused with the field's path. */
export const bounded = (max = FIELD_LIMIT) => z.string().max(max, { error: `is longer than ${max} characters` });
/** A report's severity word: one Steward knows, else the report is refused with it named. */
export const severityWord = z
  .string()
  .max(32, { error: 'is not a severity (longer than 32 characters)' })
  .refine(isSeverityWord, {
    error: (i) =>
      `${JSON.stringify(i.input)} is not a severity: one of critical, high, important, medium, moderate, low, negligible, info, informational, none or unknown`,
  });

export const RANK: Record<Severity, number> = { critical: 5, high: 4, medium: 3, low: 2, none: 1, unknown: 0 };
export const maxSeverity = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);

/** Severity from the report's word, else from the CVSS score, else unknown. */
export function pickSeverity(word: string | null | undefined, cvss: Cvss | undefined): Severity {
  return severityFromWord(word) ?? (cvss ? severityFromScore(cvss.score) : 'unknown');
}

/** Score of a CVSS vector (v2, v3.0, v3.1, v4.0), or undefined when it cannot be read. */
export function cvssFromVector(vector: string): Cvss | undefined {
  try {
    const v = cvssCalculator.fromVector(vector.trim());
    const score = v?.calculateScores?.().base;
    if (typeof score !== 'number' || !Number.isFinite(score)) return undefined;
    return { score, vector: vector.trim(), version: cvssVersion(vector) };
  } catch {
    return undefined;
  }
}

export function cvssVersion(vector: string | undefined, method?: string): string | undefined {
  const m = vector?.match(/^CVSS:(\d\.\d)\//);
  if (m) return m[1];
  if (method) {
    const x = method.match(/^CVSSv?(\d)(\d)?/i);
    if (x) return x[2] ? `${x[1]}.${x[2]}` : `${x[1]}.0`;
  }
  if (vector && /(^|\/)Au:/.test(vector)) return '2.0';
  return undefined;
}

export const CVE = /^CVE-\d{4}-\d{4,}$/i;
export const GHSA = /^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/i;

/** The preferred id (a CVE, else a GHSA, else the first) and the others, deduplicated and sorted. */
export function pickIds(ids: (string | null | undefined)[]): { vulnId: string; aliases: string[] } {
  if (ids.length === 1 && ids[0] && ids[0].trim() === ids[0]) return { vulnId: normalizeId(ids[0]), aliases: [] };
  const all = [...new Set(ids.filter((x): x is string => !!x && !!x.trim()).map((x) => normalizeId(x.trim())))];
  const sorted = [...all].sort();
  const vulnId = sorted.find((x) => CVE.test(x)) ?? sorted.find((x) => GHSA.test(x)) ?? all[0] ?? '';
  return { vulnId, aliases: sorted.filter((x) => x !== vulnId) };
}

function normalizeId(id: string): string {
  if (CVE.test(id)) return id.toUpperCase();
  if (GHSA.test(id)) return `GHSA${id.slice(4).toLowerCase()}`;
  return id;
}

/** CVE and GHSA ids mentioned in a text (rule ids such as "CVE-2021-1234-openssl", advisory URLs). */
export function idsIn(text: string | undefined): string[] {
  if (!text) return [];
  return [...text.matchAll(/CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/gi)].map((m) => m[0]);
}

const PURL_ECOSYSTEM = new Map([['golang', 'go']]);
/** Report ecosystem names (OSV, Dependabot, Trivy, Grype) → Steward's, which follow purl types. */
const ECOSYSTEM = new Map<string, string>(
  Object.entries({
    go: 'go',
    golang: 'go',
    gomod: 'go',
    gobinary: 'go',
    'go-module': 'go',
    npm: 'npm',
    yarn: 'npm',
    pnpm: 'npm',
    'node-pkg': 'npm',
    bun: 'npm',
    pypi: 'pypi',
    pip: 'pypi',
    pipenv: 'pypi',
    poetry: 'pypi',
    uv: 'pypi',
    'python-pkg': 'pypi',
    python: 'pypi',
    'crates.io': 'cargo',
    cargo: 'cargo',
    rust: 'cargo',
    'rust-binary': 'cargo',
    'rust-crate': 'cargo',
    maven: 'maven',
    jar: 'maven',
    pom: 'maven',
    gradle: 'maven',
    sbt: 'maven',
    'java-archive': 'maven',
    rubygems: 'gem',
    gem: 'gem',
    bundler: 'gem',
    gemspec: 'gem',
    nuget: 'nuget',
    'dotnet-core': 'nuget',
    'packages-props': 'nuget',
    dotnet: 'nuget',
    packagist: 'composer',
    composer: 'composer',
    'php-composer': 'composer',
    hex: 'hex',
    erlang: 'hex',
    pub: 'pub',
    swift: 'swift',
    cocoapods: 'cocoapods',
    conan: 'conan',
    actions: 'github-actions',
    'github-action': 'github-actions',
    debian: 'deb',
    ubuntu: 'deb',
    deb: 'deb',
    alpine: 'apk',
    apk: 'apk',
    wolfi: 'apk',
    chainguard: 'apk',
    rpm: 'rpm',
    redhat: 'rpm',
    centos: 'rpm',
    rocky: 'rpm',
    alma: 'rpm',
    amazon: 'rpm',
    oracle: 'rpm',
    fedora: 'rpm',
    photon: 'rpm',
    suse: 'rpm',
    'opensuse.leap': 'rpm',
    'opensuse.tumbleweed': 'rpm',
    sles: 'rpm',
    mariner: 'rpm',
    azurelinux: 'rpm',
  }),
);

export function ecosystemOf(name: string | null | undefined): string {
  if (!name) return 'generic';
  const n = name.trim().toLowerCase();
  return ECOSYSTEM.get(n) ?? ECOSYSTEM.get(n.split(':')[0] ?? n) ?? n;
}

export interface PackageFromPurl {
  name: string;
  ecosystem: string;
  purl: string;
  version?: string;
}

const purls = new Map<string, PackageFromPurl | undefined>();
const PURL_CACHE = 20_000;

/** A package URL → the name as the ecosystem writes it (@scope/name, group:artifact, module path).
 *  Memoized: a report names the same package for each of its vulnerabilities, and parsing a purl
 *  (it goes through URL) costs more than all the rest of a finding. */
export function packageFromPurl(purl: string | null | undefined): PackageFromPurl | undefined {
  if (!purl || !purl.startsWith('pkg:')) return undefined;
  if (purls.has(purl)) return purls.get(purl);
  if (purls.size >= PURL_CACHE) purls.clear();
  const p = readPurl(purl);
  purls.set(purl, p);
  return p;
}

function readPurl(purl: string): PackageFromPurl | undefined {
  try {
    const p = PackageURL.fromString(purl);
    const ecosystem = PURL_ECOSYSTEM.get(p.type) ?? p.type;
    const ns = p.namespace ?? '';
    let name = p.name;
    if (
      ns &&
      (ecosystem === 'npm' ||
        ecosystem === 'go' ||
        ecosystem === 'composer' ||
        ecosystem === 'swift' ||
        ecosystem === 'github')
    )
      name = `${ns}/${p.name}`;
    else if (ns && ecosystem === 'maven') name = `${ns}:${p.name}`;
    return { name, ecosystem, purl, version: p.version ?? undefined };
  } catch {
    return undefined;
  }
}

export const DESCRIPTION_LIMIT = 2000;
/** Trimmed text, cut to `limit` characters with an ellipsis; undefined when empty. */
export function text(s: string | null | undefined, limit = DESCRIPTION_LIMIT): string | undefined {
  const t = s?.trim();
  if (!t) return undefined;
  return t.length > limit ? `${t.slice(0, limit - 1)}…` : t;
}

export const uniq = (xs: (string | null | undefined)[]): string[] => [
  ...new Set(xs.filter((x): x is string => !!x && !!x.trim()).map((x) => x.trim())),
];

/** "1.2.3, 2.0.1" (Trivy) → ["1.2.3", "2.0.1"]. Split on the comma, then trimmed: a regex with
 *  blanks on both sides of the comma rescans a run of blanks from each of its characters (quadratic). */
export const splitVersions = (s: string | null | undefined): string[] => uniq((s ?? '').split(','));

export const finiteNumber = (x: unknown): number | undefined => {
  const n = typeof x === 'string' ? Number(x) : x;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** `{ k: v }` when v is defined, else `{}`: keeps absent fields absent rather than undefined. */
export const opt = <K extends string, V>(k: K, v: V | null | undefined): { [P in K]?: V } =>
  v === undefined || v === null ? {} : ({ [k]: v } as { [P in K]: V });
