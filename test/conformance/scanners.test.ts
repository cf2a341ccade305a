// Scanner report conformance: every report in ../shared/fixtures/scanners (real tool output and
// documentation examples, see its SOURCES.md) is read in place, never copied. Each either parses
// as the format its folder names, with as many findings as counted here from the raw JSON, or is
// one of the refusals listed below. Runs only when the fixtures folder exists next to the repository.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FORMATS, parseReport, SEVERITIES, type Format } from '../../src/core/patches/findings/parsers/index.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures', import.meta.url));
const SCANNERS = join(FIXTURES, 'scanners');
const exists = existsSync(SCANNERS);
if (!exists) console.warn(`Scanner fixtures not found at ${SCANNERS}: the scanner conformance suite does not run`);

const FILES = exists
  ? readdirSync(SCANNERS, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) =>
        readdirSync(join(SCANNERS, d.name))
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => `${d.name}/${f}`),
      )
  : [];

/** Files that are not reports, and why they are refused. */
const REFUSED: Record<string, RegExp> = {
  // A CONSTRUCTED wrapper of the HTTP exchange (request line, status, headers), not an alert list.
  'dependabot/repo-alerts.list.recorded.pygithub.http-meta.json':
    /^a JSON object with keys request, status, headers, body_file is none of: /,
};

type J = any;
const arr = (x: J): J[] => (Array.isArray(x) ? x : []);

/** Findings counted from the raw JSON, independently of the parsers. */
const COUNT: Record<Format, (r: J) => number> = {
  trivy: (r) =>
    arr(r.Results).reduce(
      (n, x) =>
        n +
        arr(x.Vulnerabilities).length +
        arr(x.ExperimentalModifiedFindings).filter((m) => m.Type === 'vulnerability').length,
      0,
    ),
  grype: (r) => arr(r.matches).length + arr(r.ignoredMatches).length,
  'npm-audit': (r) =>
    Object.values(r.vulnerabilities as Record<string, J>).reduce(
      (n, v) => n + arr(v.via).filter((x) => typeof x === 'object').length,
      0,
    ),
  'osv-scanner': (r) =>
    arr(r.results)
      .flatMap((x) => arr(x.packages))
      .reduce((n, p) => n + (arr(p.groups).length || arr(p.vulnerabilities).length), 0),
  sarif: (r) =>
    arr(r.runs)
      .flatMap((run) => arr(run.results))
      .filter((x) => x.kind !== 'pass' && x.kind !== 'notApplicable' && x.baselineState !== 'absent').length,
  dependabot: (r) => arr(r).filter((a) => a.state !== 'fixed').length,
  cyclonedx: (r) => {
    const versioned = new Set<string>();
    const walk = (c: J) => {
      if (c?.version) versioned.add(c['bom-ref']);
      arr(c?.components).forEach(walk);
    };
    walk(r.metadata?.component);
    arr(r.components).forEach(walk);
    // Distinct (vulnerability, ref, version): a VEX document may repeat a statement word for word.
    const distinct = new Set<string>();
    for (const v of arr(r.vulnerabilities).filter(
      (x) => !['resolved', 'resolved_with_pedigree'].includes(x.analysis?.state),
    ))
      for (const a of arr(v.affects))
        for (const e of versioned.has(a.ref) || !arr(a.versions).length ? [{}] : arr(a.versions))
          distinct.add(`${v.id}|${a.ref}|${e.version ?? e.range ?? ''}`);
    return distinct.size;
  },
};

const outcomes: string[] = [];

describe.runIf(exists)('Scanner conformance: shared scanner reports through parseReport', () => {
  afterAll(() => console.log(`scanner fixtures:\n${outcomes.join('\n')}`));

  it('finds reports of every format', () => {
    const folders = new Set(FILES.map((f) => f.split('/')[0]));
    expect([...folders].sort()).toEqual([...FORMATS].sort());
  });

  it.each(FILES)('%s parses as its folder says, or is a listed refusal', (file) => {
    const folder = file.split('/')[0] as Format;
    const bytes = readFileSync(join(SCANNERS, file));
    const r = parseReport(bytes);
    if (!r.ok) {
      outcomes.push(`  ${file}: refused: ${r.reason}`);
      expect(r.reason.length).toBeGreaterThan(10);
      expect(REFUSED[file], `unexpected refusal: ${r.reason}`).toBeDefined();
      expect(r.reason).toMatch(REFUSED[file]!);
      return;
    }
    expect(REFUSED[file], `${file} was expected to be refused`).toBeUndefined();
    expect(r.format).toBe(folder);
    const counted = COUNT[folder](JSON.parse(bytes.toString('utf8')));
    outcomes.push(
      `  ${file}: ${r.format}, ${r.findings.length} findings (${r.suppressed} suppressed), counted ${counted}, scanner ${r.scanner.name}`,
    );
    expect(r.findings.length).toBe(counted);
    for (const f of r.findings) {
      expect(SEVERITIES).toContain(f.severity);
      expect(f.key).toContain(f.vulnId);
      expect(f.vulnId).not.toBe('');
      expect(f.description?.length ?? 0).toBeLessThanOrEqual(2000);
    }
    expect(new Set(r.findings.map((f) => f.key)).size).toBe(r.findings.length);
    expect(r.suppressed).toBe(r.findings.filter((f) => f.suppression).length);
  });
});
