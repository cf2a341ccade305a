// Scanner report parsing: bytes in, normalized findings out (or a refusal with its reason).
// Pure: no I/O, no database; the import use case stores what this returns.
//
//   parseReport(input, { format? }) → { ok: true, format, scanner, findings, suppressed }
//                                   | { ok: false, format?, reason }
//
// A report is refused whole, never partly read. Findings are unique by `key` (see key.ts):
// duplicates inside one report are merged. Suppressed findings (VEX not_affected, dismissed
// alerts, ignore rules) are in `findings` with `suppression` set, and counted in `suppressed`.
import { parseCycloneDx } from './cyclonedx.js';
import { parseDependabot } from './dependabot.js';
import { detectFormat } from './detect.js';
import { parseGrype } from './grype.js';
import { decode, parseJson } from './json.js';
import { mergeByKey } from './key.js';
import { parseNpmAudit } from './npm-audit.js';
import { parseOsv } from './osv.js';
import { parseSarif } from './sarif.js';
import { parseTrivy } from './trivy.js';
import type { Format, FormatResult, ParseResult } from './types.js';
import { FORMAT_NAMES, FORMATS } from './types.js';

export { detectFormat, NPM_V1 } from './detect.js';
export { findingKey, normalizeImage, normalizePath } from './key.js';
export { severityFromScore } from './common.js';
export * from './types.js';

const PARSERS: Record<Format, (value: unknown) => FormatResult> = {
  trivy: parseTrivy,
  grype: parseGrype,
  'npm-audit': parseNpmAudit,
  'osv-scanner': parseOsv,
  sarif: parseSarif,
  dependabot: parseDependabot,
  cyclonedx: parseCycloneDx,
};

export interface ParseOptions {
  /** Skip detection and read the report as this format. */
  format?: Format;
}

export function parseReport(input: string | Uint8Array, opts: ParseOptions = {}): ParseResult {
  if (opts.format && !FORMATS.includes(opts.format))
    return { ok: false, reason: `unknown format "${opts.format}": one of ${FORMATS.join(', ')}` };
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  const json = parseJson(decode(input), bytes);
  if (!json.ok) return { ok: false, ...opt(opts.format), reason: json.reason };
  let format = opts.format;
  if (!format) {
    const d = detectFormat(json.value);
    if (!d.ok) return d;
    format = d.format;
  } else if (format === 'npm-audit') {
    const d = detectFormat(json.value);
    if (!d.ok && d.format === 'npm-audit') return d;
  }
  let r: FormatResult;
  try {
    r = PARSERS[format](json.value);
  } catch (e) {
    // A bug, not a bad report; still refused whole so that nothing half-read is stored.
    return {
      ok: false,
      format,
      reason: `the ${FORMAT_NAMES[format]} report could not be read: ${(e as Error).message}`,
    };
  }
  if (!r.ok) return { ok: false, format, reason: r.reason };
  const findings = mergeByKey(r.findings);
  return { ok: true, format, scanner: r.scanner, findings, suppressed: findings.filter((f) => f.suppression).length };
}

const opt = (format: Format | undefined) => (format ? { format } : {});
