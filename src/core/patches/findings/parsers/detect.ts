// Tells a report's format from its parsed JSON, by the keys each format always has; refuses
// the ones we recognise but do not read (npm audit v1, Trivy's pre-0.20 array, other SARIF).
import { FORMAT_NAMES, FORMATS, type Format } from './types.js';
import { kindOf } from './validate.js';

export type Detected = { ok: true; format: Format } | { ok: false; format?: Format; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const NONE_OF = `none of: ${FORMATS.map((f) => FORMAT_NAMES[f]).join(', ')}`;

export const NPM_V1 =
  'npm audit v1 (auditReportVersion 1 / `advisories`) is not supported: run npm 7 or later, `npm audit --json`';

export function detectFormat(v: unknown): Detected {
  if (Array.isArray(v)) {
    const first: unknown = v[0];
    if (v.length === 0 || (isObject(first) && ('security_advisory' in first || 'security_vulnerability' in first)))
      return { ok: true, format: 'dependabot' };
    if (isObject(first) && 'Target' in first && ('Vulnerabilities' in first || 'Type' in first))
      return {
        ok: false,
        format: 'trivy',
        reason:
          'Trivy JSON without SchemaVersion (a bare list of results, Trivy before 0.20) is not supported: use Trivy 0.20 or later, `trivy … -f json`',
      };
    return { ok: false, reason: `a JSON array of ${v.length} ${describeElements(v)} is ${NONE_OF}` };
  }
  if (!isObject(v))
    return { ok: false, reason: `a JSON ${v === null ? 'null' : kindOf(v).replace(/^an? /, '')} is ${NONE_OF}` };
  if (v.bomFormat === 'CycloneDX') return { ok: true, format: 'cyclonedx' };
  if ('runs' in v && ('version' in v || typeof v.$schema === 'string')) {
    if (v.version !== '2.1.0')
      return {
        ok: false,
        format: 'sarif',
        reason: `SARIF version ${JSON.stringify(v.version)} is not supported: SARIF 2.1.0 is read`,
      };
    return { ok: true, format: 'sarif' };
  }
  if ('SchemaVersion' in v && ('Results' in v || 'ArtifactName' in v || 'ArtifactType' in v))
    return { ok: true, format: 'trivy' };
  if ('matches' in v && ('descriptor' in v || 'source' in v || Array.isArray(v.matches)))
    return { ok: true, format: 'grype' };
  if (v.auditReportVersion === 2 && 'vulnerabilities' in v) return { ok: true, format: 'npm-audit' };
  if (v.auditReportVersion === 1 || ('advisories' in v && ('actions' in v || 'muted' in v || 'metadata' in v)))
    return { ok: false, format: 'npm-audit', reason: NPM_V1 };
  if (
    Array.isArray(v.results) &&
    (v.results.length === 0 || v.results.every((r) => isObject(r) && ('packages' in r || 'source' in r)))
  )
    return { ok: true, format: 'osv-scanner' };
  return { ok: false, reason: `${describeObject(v)} is ${NONE_OF}` };
}

function describeObject(v: Record<string, unknown>): string {
  const keys = Object.keys(v);
  if (keys.length === 0) return 'an empty JSON object';
  const shown = keys.slice(0, 8).join(', ');
  return `a JSON object with key${keys.length > 1 ? 's' : ''} ${shown}${keys.length > 8 ? `, … (${keys.length} keys)` : ''}`;
}

function describeElements(v: unknown[]): string {
  const first = v[0];
  if (isObject(first)) return `objects (the first with keys ${Object.keys(first).slice(0, 8).join(', ') || 'none'})`;
  return `values (the first ${kindOf(first)})`;
}
