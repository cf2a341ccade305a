// SARIF 2.1.0 parsing: security-severity, levels, locations, suppressions, dependency messages.
import { describe, expect, it } from 'vitest';
import { parsed, refused } from './support.js';

const log = (results: unknown[], rules: unknown[] = []) => ({
  version: '2.1.0',
  $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
  runs: [{ tool: { driver: { name: 'CodeQL', semanticVersion: '2.19.3', rules } }, results }],
});
const at = (uri: string, startLine?: number) => [
  { physicalLocation: { artifactLocation: { uri }, ...(startLine !== undefined ? { region: { startLine } } : {}) } },
];

describe('SARIF 2.1.0', () => {
  it('severity from security-severity (result, then rule), else the level, else the rule default', () => {
    const rules = [
      {
        id: 'js/sql-injection',
        shortDescription: { text: 'Database query built from user-controlled sources' },
        helpUri: 'https://example.org/rules/sql',
        properties: { 'security-severity': '8.8' },
      },
      { id: 'js/weak-hash', defaultConfiguration: { level: 'note' } },
      { id: 'js/no-level' },
    ];
    const r = parsed(
      log(
        [
          {
            ruleId: 'js/sql-injection',
            ruleIndex: 0,
            message: { text: 'query from user input' },
            locations: at('src/db.js', 42),
          },
          {
            ruleId: 'js/sql-injection',
            ruleIndex: 0,
            message: { text: 'again' },
            properties: { 'security-severity': '9.5' },
            locations: at('src/db.js', 80),
          },
          { ruleId: 'js/weak-hash', level: 'error', message: { text: 'md5' }, locations: at('src/a.js', 1) },
          { ruleId: 'js/weak-hash', level: 'warning', message: { text: 'md5' }, locations: at('src/a.js', 2) },
          { ruleId: 'js/weak-hash', message: { text: 'md5' }, locations: at('src/a.js', 3) },
          { ruleId: 'js/weak-hash', level: 'none', message: { text: 'md5' }, locations: at('src/a.js', 4) },
          { ruleId: 'js/no-level', message: { text: 'x' }, locations: at('src/a.js', 5) },
        ],
        rules,
      ),
    );
    expect(r.format).toBe('sarif');
    expect(r.scanner).toEqual({ name: 'CodeQL', version: '2.19.3' });
    expect(r.findings.map((f) => f.severity)).toEqual(['high', 'critical', 'high', 'medium', 'low', 'none', 'medium']);
    expect(r.findings[0]).toMatchObject({
      vulnId: 'js/sql-injection',
      package: { name: '', ecosystem: 'generic' },
      cvss: { score: 8.8 },
      location: { target: 'src/db.js', file: 'src/db.js', line: 42 },
      title: 'Database query built from user-controlled sources',
      url: 'https://example.org/rules/sql',
    });
  });

  it('the same rule at two places is two findings; a fingerprint keeps the key when lines move', () => {
    const r = parsed(
      log([
        {
          ruleId: 'R1',
          message: { text: 'm' },
          locations: at('a.py', 3),
          partialFingerprints: { primaryLocationLineHash: 'aa:1' },
        },
        {
          ruleId: 'R1',
          message: { text: 'm' },
          locations: at('a.py', 9),
          partialFingerprints: { primaryLocationLineHash: 'bb:1' },
        },
      ]),
    );
    expect(r.findings).toHaveLength(2);
    expect(r.findings[0]!.key).toBe('R1|generic/||target:a.py|R1@a.py:3#aa:1');
    // A line number of 0 (lockfile results) is no line.
    expect(
      parsed(log([{ ruleId: 'R2', message: { text: 'm' }, locations: at('yarn.lock', 0) }])).findings[0]!.location,
    ).toEqual({ target: 'yarn.lock', file: 'yarn.lock' });
  });

  it('reads the CVE and package of dependency scanners from their rule id and message', () => {
    const r = parsed({
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'Trivy',
              version: '0.58.1',
              rules: [{ id: 'CVE-2023-0286', properties: { 'security-severity': '7.4' } }],
            },
          },
          results: [
            {
              ruleId: 'CVE-2023-0286',
              ruleIndex: 0,
              level: 'error',
              message: {
                text: 'Package: libcrypto3\nInstalled Version: 3.0.7-r0\nVulnerability CVE-2023-0286\nSeverity: HIGH\nFixed Version: 3.0.8-r0\nLink: [CVE-2023-0286](https://avd.aquasec.com/nvd/cve-2023-0286)',
              },
              locations: at('library/alpine', 1),
            },
          ],
        },
      ],
    });
    expect(r.findings[0]).toMatchObject({
      vulnId: 'CVE-2023-0286',
      package: { name: 'libcrypto3' },
      installedVersion: '3.0.7-r0',
      fixedVersions: ['3.0.8-r0'],
      severity: 'high',
    });
  });

  it('accepted suppressions suppress; under review does not; pass and absent results are not findings', () => {
    const r = parsed(
      log([
        {
          ruleId: 'R1',
          message: { text: 'a' },
          locations: at('a.js', 1),
          suppressions: [{ kind: 'inSource', justification: 'test fixture' }],
        },
        {
          ruleId: 'R1',
          message: { text: 'b' },
          locations: at('a.js', 2),
          suppressions: [{ kind: 'external', status: 'underReview' }],
        },
        { ruleId: 'R1', kind: 'pass', message: { text: 'c' }, locations: at('a.js', 3) },
        { ruleId: 'R1', baselineState: 'absent', message: { text: 'd' }, locations: at('a.js', 4) },
      ]),
    );
    expect(r.findings).toHaveLength(2);
    expect(r.suppressed).toBe(1);
    expect(r.findings[0]!.suppression).toEqual({ state: 'inSource', justification: 'test fixture' });
    expect(r.findings[1]!.suppression).toBeUndefined();
  });

  it('an empty run is a valid, empty report', () => {
    expect(parsed(log([])).findings).toEqual([]);
    expect(parsed({ version: '2.1.0', runs: [{ tool: { driver: { name: 'Semgrep' } } }] }).findings).toEqual([]);
  });

  it('refuses other SARIF versions and a malformed result', () => {
    expect(refused({ version: '2.0.0', runs: [] })).toBe('SARIF version "2.0.0" is not supported: SARIF 2.1.0 is read');
    expect(
      refused(
        log([
          { ruleId: 'R1', message: { text: 'a' } },
          { ruleId: 7, message: { text: 'b' } },
        ]),
      ),
    ).toBe('not a valid SARIF 2.1.0 report: runs[0].results[1].ruleId: expected a string, got a number');
    expect(refused(log([{ ruleId: 'R1', level: 'fatal', message: { text: 'a' } }]))).toBe(
      'not a valid SARIF 2.1.0 report: runs[0].results[0].level: expected "none" or "note" or "warning" or "error", got "fatal"',
    );
  });
});
