// SARIF 2.1.0: runs[].results[] are findings, described by the run's rules. Severity is the
// `security-severity` score (result, then rule), else the level (error→high, warning→medium,
// note→low, none→none; a missing level is SARIF's default, warning). Results with kind pass or
// notApplicable, or baselineState absent, are not findings; accepted suppressions suppress.
// Dependency scanners (Trivy, Grype) name the package only in the message text: it is read from
// there when it is written in their known way; other results have no package (ecosystem
// "generic") and their key adds the file, line and fingerprint.
import type * as Sarif from 'sarif';
import { z } from 'zod';
import { bounded, CVE, finiteNumber, GHSA, idsIn, opt, pickIds, severityFromScore, text, uniq } from './common.js';
import { withKey } from './key.js';
import type { FormatResult, NormalizedFinding, Scanner, Severity } from './types.js';
import { check } from './validate.js';

const str = bounded().nullish();
const Level = z.enum(['none', 'note', 'warning', 'error']);
const Props = z.record(bounded(), z.unknown()).nullish();
const Message = z.looseObject({ text: str, markdown: str }).nullish();
const Location = z.looseObject({
  physicalLocation: z
    .looseObject({
      artifactLocation: z.looseObject({ uri: str }).nullish(),
      region: z.looseObject({ startLine: z.number().nullish() }).nullish(),
    })
    .nullish(),
  message: Message,
});
const Rule = z.looseObject({
  id: bounded(),
  name: str,
  shortDescription: Message,
  fullDescription: Message,
  helpUri: str,
  defaultConfiguration: z.looseObject({ level: Level.nullish() }).nullish(),
  properties: Props,
});
const Result = z.looseObject({
  ruleId: str,
  ruleIndex: z.number().nullish(),
  rule: z.looseObject({ id: str, index: z.number().nullish() }).nullish(),
  kind: str,
  level: Level.nullish(),
  message: z.looseObject({ text: str }),
  locations: z.array(Location).nullish(),
  fingerprints: z.record(bounded(), bounded()).nullish(),
  partialFingerprints: z.record(bounded(), bounded()).nullish(),
  guid: str,
  baselineState: str,
  suppressions: z.array(z.looseObject({ kind: bounded(), status: str, justification: str })).nullish(),
  properties: Props,
});
const Log = z.looseObject({
  version: z.literal('2.1.0'),
  runs: z.array(
    z.looseObject({
      tool: z.looseObject({
        driver: z.looseObject({ name: bounded(), version: str, semanticVersion: str, rules: z.array(Rule).nullish() }),
      }),
      results: z.array(Result).nullish(),
    }),
  ),
});

export function parseSarif(value: unknown): FormatResult {
  const r = check(Log, value, 'SARIF 2.1.0');
  if (!r.ok) return r;
  const log = r.data as unknown as Sarif.Log;
  const findings: NormalizedFinding[] = [];
  let first: Scanner | undefined;
  for (const run of log.runs) {
    const d = run.tool.driver;
    const scanner: Scanner = { name: d.name, ...opt('version', d.semanticVersion ?? d.version) };
    first ??= scanner;
    const rules = d.rules ?? [];
    const byId = new Map(rules.map((x) => [x.id, x]));
    for (const res of run.results ?? []) {
      if (res.kind === 'pass' || res.kind === 'notApplicable' || res.baselineState === 'absent') continue;
      const index = res.rule?.index ?? res.ruleIndex;
      const rule =
        (index !== undefined && index >= 0 ? rules[index] : undefined) ?? byId.get(res.ruleId ?? res.rule?.id ?? '');
      findings.push(toFinding(res, rule, scanner));
    }
  }
  return { ok: true, scanner: first ?? { name: 'SARIF' }, findings };
}

const LEVEL = new Map<string, Severity>([
  ['error', 'high'],
  ['warning', 'medium'],
  ['note', 'low'],
  ['none', 'none'],
]);

function toFinding(
  res: Sarif.Result,
  rule: Sarif.ReportingDescriptor | undefined,
  scanner: Scanner,
): NormalizedFinding {
  const ruleId = res.ruleId ?? res.rule?.id ?? rule?.id ?? 'unknown-rule';
  const score =
    finiteNumber(res.properties?.['security-severity']) ?? finiteNumber(rule?.properties?.['security-severity']);
  const level = res.level ?? rule?.defaultConfiguration?.level ?? 'warning';
  const severity = score !== undefined ? severityFromScore(score) : (LEVEL.get(level) ?? 'medium');
  const loc = res.locations?.[0];
  const uri = loc?.physicalLocation?.artifactLocation?.uri;
  const startLine = loc?.physicalLocation?.region?.startLine;
  const message = res.message.text ?? '';
  const pkg = packageInMessage(message);
  const ids = uniq([...idsIn(ruleId), ...idsIn(rule?.name), ...tagIds(rule?.properties?.tags)]);
  const accepted = (res.suppressions ?? []).find((s) => !s.status || s.status === 'accepted');
  const f: Omit<NormalizedFinding, 'key'> = {
    ...(ids.length ? pickIds(ids) : { vulnId: ruleId, aliases: [] }),
    package: pkg ? { name: pkg.name, ecosystem: 'generic' } : { name: '', ecosystem: 'generic' },
    installedVersion: pkg?.version ?? '',
    fixedVersions: pkg?.fixed ?? [],
    severity,
    ...(score !== undefined ? { cvss: { score } } : {}),
    location: {
      ...opt('target', uri),
      ...opt('file', uri),
      ...(startLine && startLine > 0 ? { line: startLine } : {}),
    },
    ...opt('title', text(rule?.shortDescription?.text ?? message.split('\n')[0], 300)),
    ...opt('description', text(rule?.fullDescription?.text ?? message)),
    ...opt('url', rule?.helpUri),
    scanner,
    ...(accepted ? { suppression: { state: accepted.kind, ...opt('justification', accepted.justification) } } : {}),
  };
  if (pkg) return withKey(f);
  const fp = res.guid ?? firstValue(res.fingerprints) ?? firstValue(res.partialFingerprints) ?? message;
  return withKey(f, `${ruleId}@${uri ?? ''}:${startLine ?? ''}#${fp}`);
}

function firstValue(o: Record<string, string> | undefined): string | undefined {
  const [key] = Object.keys(o ?? {}).sort();
  return key === undefined ? undefined : o?.[key];
}
const tagIds = (tags: unknown) =>
  Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string' && (CVE.test(t) || GHSA.test(t))) : [];

/** Trivy: "Package: x\nInstalled Version: 1.0\n…Fixed Version: 1.1"; Grype: "package: x, version 1.0". */
function packageInMessage(m: string): { name: string; version: string; fixed: string[] } | undefined {
  const trivy = m.match(/^Package: (\S+)\nInstalled Version: (\S+)/);
  if (trivy)
    return {
      name: trivy[1]!,
      version: trivy[2]!,
      fixed: uniq((m.match(/\nFixed Version: ([^\n]*)/)?.[1] ?? '').split(',')),
    };
  const grype = m.match(/ package: ([^,\s]+), version (\S+) was found/);
  if (grype) return { name: grype[1]!, version: grype[2]!, fixed: [] };
  return undefined;
}
