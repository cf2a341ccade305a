// Findings as the patches domain sees them: one vulnerability in one package version at one place
// of a service, with its state, the scanners whose latest report lists it, and its deadline.
import type { FindingLocation, Format, Severity } from './parsers/types.js';

export type { Format, Severity } from './parsers/types.js';

/** open: to be fixed · fixed: no scanner lists it any more · suppressed: every scanner listing it suppresses it. */
export type FindingState = 'open' | 'fixed' | 'suppressed';

/** What one scanner's latest report says of a finding. */
export type ScannerWord = 'open' | 'suppressed';

export interface Finding {
  id: number;
  serviceId: string;
  key: string;
  vulnId: string;
  aliases: string[];
  packageName: string;
  ecosystem: string;
  purl: string | null;
  installedVersion: string;
  fixedVersions: string[];
  severity: Severity;
  cvss: number | null;
  cvssVector: string | null;
  /** Reported as exploited, or its CVE (or an alias) is in the KEV catalog. */
  knownExploited: boolean;
  reportedExploited: boolean;
  kevDueDate: Date | null;
  epss: number | null;
  location: FindingLocation;
  title: string | null;
  url: string | null;
  remediation: string | null;
  state: FindingState;
  justification: string | null;
  /** Scanner name → what its latest report says; empty once fixed. */
  scanners: Record<string, ScannerWord>;
  firstSeenAt: Date;
  /** When the row was last written by an import (an identical report does not rewrite it). */
  lastSeenAt: Date;
  fixedAt: Date | null;
  /** null: no deadline (severity none or unknown, and not known exploited). */
  deadline: Date | null;
  /** Under a risk exception until then (risk exceptions come later). */
  exceptedUntil: Date | null;
  digest: string;
  updatedAt: Date;
}

/** The answer of an import (HTTP 200 body and CLI summary). */
export interface ImportCounts {
  new: number;
  unchanged: number;
  fixed: number;
  reopened: number;
  suppressed: number;
}

export interface ImportSummary extends ImportCounts {
  format: Format;
  service: string;
  scanner: string;
  /** Findings in the report, after merging duplicates. */
  total: number;
  /** Listed before and after, with details that changed (counted in `unchanged` or `suppressed`). */
  changed: number;
  importId: number;
}

export const findingRef = (id: number) => `F-${id}`;

/** `F-123`, `f-123`, `#123`, `123` → 123; null otherwise. */
export function readFindingRef(text: string): number | null {
  const m = /^(?:F-|#)?(\d{1,9})$/i.exec(text.trim());
  return m ? Number(m[1]) : null;
}

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, unknown: 4, none: 5 };

/** The state the scanners' words make: fixed when none lists it, suppressed when all suppress it. */
export function stateOf(scanners: Record<string, ScannerWord>): FindingState {
  const words = Object.values(scanners);
  if (words.length === 0) return 'fixed';
  return words.every((w) => w === 'suppressed') ? 'suppressed' : 'open';
}

/** Scanner names are compared in lower case ("Trivy" and "trivy" are one scanner). */
export const scannerId = (name: string) => name.trim().toLowerCase() || 'unknown';
