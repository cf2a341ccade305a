// Hostile reports and request fields: megabyte-long values and deep chains are read in linear time
// (each input is timed against one 16 times smaller: a linear parser stays near 16x, a quadratic one
// near 256x; the bounds are generous, never tight timings) and refused whole with the field named;
// words such as __proto__ and constructor are words, never object properties.
import { describe, expect, it } from 'vitest';
import { parseWindow } from '../../../src/core/changes/window.js';
import { tokenize } from '../../../src/core/grammar.js';
import { parseReport } from '../../../src/core/patches/findings/parsers/index.js';
import { DEPENDENTS_LIMIT } from '../../../src/core/patches/findings/parsers/npm-audit.js';
import { parsed, refused } from './support.js';

/** Median wall time of `fn` over a few runs, in ms. */
function timed(fn: () => unknown): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    fn();
    runs.push(performance.now() - t);
  }
  return runs.sort((a, b) => a - b)[1]!;
}

/** How much longer the big input takes than the small one (at least 1 ms each, so noise cannot divide by zero). */
const growth = (small: () => unknown, big: () => unknown) => Math.max(timed(big), 1) / Math.max(timed(small), 1);

const trivy = (vulns: object[]) => ({
  SchemaVersion: 2,
  ArtifactName: 'app',
  ArtifactType: 'filesystem',
  Results: [{ Target: 'package-lock.json', Class: 'lang-pkgs', Type: 'npm', Vulnerabilities: vulns }],
});
const vuln = (over: object = {}) => ({
  VulnerabilityID: 'CVE-2024-0001',
  PkgName: 'left-pad',
  InstalledVersion: '1.0.0',
  Severity: 'HIGH',
  ...over,
});

/** An npm audit v2 report: a chain of `n` packages, each an effect of the one before, each with an advisory. */
function npmChain(n: number) {
  const vulnerabilities: Record<string, object> = {};
  for (let i = 0; i < n; i++) {
    vulnerabilities[`p${i}`] = {
      name: `p${i}`,
      severity: 'high',
      isDirect: i === n - 1,
      via: [
        {
          source: 1000 + i,
          name: `p${i}`,
          dependency: `p${i}`,
          title: 'Prototype pollution',
          url: `https://github.com/advisories/GHSA-aaaa-bbbb-${String(i % 10000).padStart(4, '2')}`,
          severity: 'high',
          range: '<2.0.0',
        },
      ],
      effects: i + 1 < n ? [`p${i + 1}`] : [],
      range: '<2.0.0',
      nodes: [`node_modules/p${i}`],
      fixAvailable: true,
    };
  }
  return { auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: { total: n } } };
}

describe('hostile scanner reports', () => {
  it('a FixedVersion of 1 MB is refused with its path, in linear time', () => {
    const report = (chars: number) => JSON.stringify(trivy([vuln({ FixedVersion: `1.${'0'.repeat(chars)}` })]));
    const small = report(65_536);
    const big = report(1_048_576);
    expect(refused(big)).toMatch(/FixedVersion.*is longer than/);
    const ratio = growth(
      () => parseReport(small),
      () => parseReport(big),
    );
    expect(ratio).toBeLessThan(64);
    expect(timed(() => parseReport(big))).toBeLessThan(2_000);
  });

  it('an npm audit report with a deep chain of effects (about 2 MB) is read in linear time, with bounded dependents', () => {
    const small = JSON.stringify(npmChain(500));
    const big = JSON.stringify(npmChain(8_000));
    expect(big.length).toBeGreaterThan(2_000_000);
    const r = parsed(big);
    expect(r.findings).toHaveLength(8_000);
    // The first package's dependents are the rest of the chain: listed up to the limit, the nearest ones.
    const dependents = r.findings.find((f) => f.package.name === 'p0')?.dependents ?? [];
    expect(dependents).toHaveLength(DEPENDENTS_LIMIT);
    expect([...dependents].sort()).toEqual(Array.from({ length: DEPENDENTS_LIMIT }, (_, i) => `p${i + 1}`).sort());
    const ratio = growth(
      () => parseReport(small),
      () => parseReport(big),
    );
    expect(ratio).toBeLessThan(64);
    expect(timed(() => parseReport(big))).toBeLessThan(10_000);
  });

  it('__proto__, constructor and other inherited names are words: refused as severities, never read as properties', () => {
    for (const word of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(refused(trivy([vuln({ Severity: word })]))).toContain(`"${word}" is not a severity`);
    }
    // As keys of the report they are data, not prototypes: nothing is polluted.
    const polluted =
      '{"SchemaVersion":2,"ArtifactName":"x","ArtifactType":"filesystem","__proto__":{"polluted":1},"Results":[]}';
    parseReport(polluted);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hostile request fields', () => {
  const opts = { timezone: 'Europe/Berlin', now: new Date('2026-12-06T12:00:00Z') };

  it('a change window of 60,000 characters is refused at once, whatever it is made of', () => {
    for (const text of [
      `now +${' '.repeat(60_000)}1h`,
      `now${' '.repeat(60_000)}`,
      `2026-12-07 10:00 +${'1h'.repeat(30_000)}`,
    ]) {
      const t = performance.now();
      const r = parseWindow(text, opts);
      expect(performance.now() - t).toBeLessThan(200);
      expect(r.ok).toBe(false);
    }
    expect(parseWindow('now +2h', opts)).toMatchObject({ ok: true });
  });

  it('command text of 1 MB is tokenized in linear time, unbalanced quotes included', () => {
    const line = (n: number) => `"${'a '.repeat(n)}`;
    const ratio = growth(
      () => tokenize(line(32_768)),
      () => tokenize(line(524_288)),
    );
    expect(ratio).toBeLessThan(64);
    expect(tokenize('give "two words" plain')).toEqual(['give', 'two words', 'plain']);
  });
});
