// The neutral shape every scanner report is parsed into (see parseReport in index.ts).
export const FORMATS = ['trivy', 'grype', 'npm-audit', 'osv-scanner', 'sarif', 'dependabot', 'cyclonedx'] as const;
export type Format = (typeof FORMATS)[number];

/** Human names, used in refusals ("… is none of: Trivy JSON, …"). */
export const FORMAT_NAMES: Record<Format, string> = {
  trivy: 'Trivy JSON',
  grype: 'Grype JSON',
  'npm-audit': 'npm audit v2',
  'osv-scanner': 'OSV-Scanner JSON',
  sarif: 'SARIF 2.1.0',
  dependabot: 'GitHub Dependabot alerts',
  cyclonedx: 'CycloneDX with vulnerabilities',
};

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Scanner {
  name: string;
  version?: string;
}

export interface Cvss {
  score: number;
  vector?: string;
  /** "2.0", "3.0", "3.1", "4.0" */
  version?: string;
}

export interface FindingLocation {
  /** Container image as reported (tag or digest kept); the key uses it without tag and digest. */
  image?: string;
  /** What was scanned inside the report: a lockfile, a manifest, an SBOM subject. */
  target?: string;
  file?: string;
  line?: number;
}

export interface Suppression {
  /** The report's own word: not_affected, false_positive, dismissed, ignored, accepted, … */
  state: string;
  justification?: string;
  detail?: string;
}

export interface NormalizedFinding {
  /** Stable identity: vulnId + ecosystem/name + installed version + location (see key.ts). */
  key: string;
  /** The CVE when one is known, else a GHSA id, else the tool's own id. */
  vulnId: string;
  /** Every other id the report gives for it (CVE, GHSA, OSV, tool ids), sorted, without vulnId. */
  aliases: string[];
  package: { name: string; ecosystem: string; purl?: string };
  /** '' when the report does not say (npm audit, Dependabot, some VEX statements). */
  installedVersion: string;
  /** Versions of this package that fix it; empty = no fix known (see `remediation`). */
  fixedVersions: string[];
  severity: Severity;
  cvss?: Cvss;
  knownExploited?: boolean;
  epss?: number;
  location: FindingLocation;
  title?: string;
  description?: string;
  url?: string;
  /** How to fix it when the report says so in words (npm's fixAvailable, CycloneDX recommendation). */
  remediation?: string;
  /** npm audit: the packages that pull the vulnerable one in (transitively, from `effects`). */
  dependents?: string[];
  scanner: Scanner;
  suppression?: Suppression;
}

export type ParseResult =
  | { ok: true; format: Format; scanner: Scanner; findings: NormalizedFinding[]; suppressed: number }
  | { ok: false; format?: Format; reason: string };

/** What a format parser returns; index.ts adds the format, merges duplicates and counts. */
export type FormatResult =
  { ok: true; scanner: Scanner; findings: NormalizedFinding[] } | { ok: false; reason: string };
