// A finding's stable key, and the merging of findings that share one within a report.
//
// key = "<vulnId>|<ecosystem>/<name>|<installedVersion>|<where>"
//   vulnId  the CVE whenever any id or alias is one (so Trivy's CVE and Grype's GHSA with a CVE
//           alias agree), else a GHSA id, else the tool's id;
//   name    lowercased where the ecosystem ignores case (pypi also folds "_" and "." to "-");
//   where   "image:<repository>" for image scans, the image without registry "docker.io/",
//           "library/", tag or digest (a rebuilt image keeps its findings and their first-seen
//           dates); else "target:<path>" (the lockfile or manifest, without a leading "./" or "/");
//           SARIF results without a package add the file, line and fingerprint (see sarif.ts).
// The service is not part of it: the importer scopes keys by service.
import { maxSeverity, uniq } from './common.js';
import type { NormalizedFinding } from './types.js';

export function normalizeImage(ref: string): string {
  let r = ref.trim();
  const at = r.indexOf('@');
  if (at > 0) r = r.slice(0, at);
  const slash = r.lastIndexOf('/');
  const colon = r.lastIndexOf(':');
  if (colon > slash) r = r.slice(0, colon);
  r = r.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
  return r.toLowerCase();
}

export const normalizePath = (p: string): string =>
  p
    .trim()
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '');

function normalizeName(ecosystem: string, name: string): string {
  if (ecosystem === 'pypi') return name.toLowerCase().replace(/[-_.]+/g, '-');
  if (
    ecosystem === 'nuget' ||
    ecosystem === 'composer' ||
    ecosystem === 'npm' ||
    ecosystem === 'deb' ||
    ecosystem === 'apk'
  )
    return name.toLowerCase();
  return name;
}

export function where(location: NormalizedFinding['location']): string {
  if (location.image) return `image:${normalizeImage(location.image)}`;
  if (location.target) return `target:${normalizePath(location.target)}`;
  return '';
}

export function findingKey(f: Omit<NormalizedFinding, 'key'>, extra?: string): string {
  const eco = f.package.ecosystem;
  const base = `${f.vulnId}|${eco}/${normalizeName(eco, f.package.name)}|${f.installedVersion}|${where(f.location)}`;
  return extra ? `${base}|${extra}` : base;
}

/** Sets the key on the finding itself (no copy: a report may hold 100,000 of them). */
export function withKey(f: Omit<NormalizedFinding, 'key'>, extra?: string): NormalizedFinding {
  const keyed = f as NormalizedFinding;
  keyed.key = findingKey(f, extra);
  return keyed;
}

/** One finding per key: ids, fixes and dependents are united, the higher severity wins, and a
 *  duplicate is suppressed only when every copy of it is. Order of first appearance is kept. */
export function mergeByKey(findings: NormalizedFinding[]): NormalizedFinding[] {
  const byKey = new Map<string, NormalizedFinding>();
  for (const f of findings) {
    const seen = byKey.get(f.key);
    if (!seen) {
      byKey.set(f.key, f);
      continue;
    }
    seen.aliases = uniq([...seen.aliases, ...f.aliases])
      .filter((a) => a !== seen.vulnId)
      .sort();
    seen.fixedVersions = uniq([...seen.fixedVersions, ...f.fixedVersions]);
    seen.severity = maxSeverity(seen.severity, f.severity);
    if (f.cvss && (!seen.cvss || f.cvss.score > seen.cvss.score)) seen.cvss = f.cvss;
    if (f.knownExploited) seen.knownExploited = true;
    if (f.epss !== undefined && (seen.epss === undefined || f.epss > seen.epss)) seen.epss = f.epss;
    if (f.dependents) seen.dependents = uniq([...(seen.dependents ?? []), ...f.dependents]);
    if (!f.suppression) delete seen.suppression;
    seen.title ??= f.title;
    seen.description ??= f.description;
    seen.url ??= f.url;
  }
  return [...byKey.values()];
}
