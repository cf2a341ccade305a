// npm audit v2 parsing: advisories on the package that has them, dependents through `effects`.
import { describe, expect, it } from 'vitest';
import { NPM_V1 } from '../../../src/core/patches/findings/parsers/index.js';
import { byId, parsed, refused } from './support.js';

const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'node-fetch': {
      name: 'node-fetch',
      severity: 'high',
      isDirect: false,
      via: [
        {
          source: 1095073,
          name: 'node-fetch',
          dependency: 'node-fetch',
          title: 'node-fetch forwards secure headers',
          url: 'https://github.com/advisories/GHSA-r683-j2x4-v87g',
          severity: 'high',
          cwe: ['CWE-173'],
          cvss: { score: 8.8, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H' },
          range: '<2.6.7',
        },
      ],
      effects: ['cross-fetch'],
      range: '<2.6.7',
      nodes: ['node_modules/node-fetch'],
      fixAvailable: true,
    },
    'cross-fetch': {
      name: 'cross-fetch',
      severity: 'high',
      isDirect: false,
      via: ['node-fetch'],
      effects: ['isomorphic-unfetch'],
      range: '<=3.1.4',
      nodes: ['node_modules/cross-fetch'],
      fixAvailable: true,
    },
    'isomorphic-unfetch': {
      name: 'isomorphic-unfetch',
      severity: 'high',
      isDirect: true,
      via: ['cross-fetch'],
      effects: [],
      range: '*',
      nodes: ['node_modules/isomorphic-unfetch'],
      fixAvailable: true,
    },
    minimist: {
      name: 'minimist',
      severity: 'critical',
      isDirect: true,
      via: [
        {
          source: 1097678,
          name: 'minimist',
          dependency: 'minimist',
          title: 'Prototype Pollution in minimist',
          url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
          severity: 'critical',
          cwe: ['CWE-1321'],
          cvss: { score: 9.8, vectorString: null },
          range: '<0.2.4',
        },
        {
          source: 1096465,
          name: 'minimist',
          dependency: 'minimist',
          title: 'Prototype Pollution in minimist (moderate)',
          url: 'https://github.com/advisories/GHSA-vh95-rmgr-6w4m',
          severity: 'moderate',
          cvss: { score: 0, vectorString: null },
          range: '>=1.0.0 <1.2.6',
        },
        {
          source: 1000001,
          name: 'minimist',
          dependency: 'minimist',
          title: 'Informational',
          url: 'https://example.org/advisory/1',
          severity: 'info',
          range: '<=1.2.8',
        },
        {
          source: 1000002,
          name: 'minimist',
          dependency: 'minimist',
          title: 'Low',
          url: 'https://example.org/advisory/2',
          severity: 'low',
          range: '*',
        },
      ],
      effects: [],
      range: '<=1.2.8',
      nodes: ['node_modules/minimist'],
      fixAvailable: { name: 'minimist', version: '1.2.8', isSemVerMajor: false },
    },
    request: {
      name: 'request',
      severity: 'medium',
      isDirect: true,
      via: [
        {
          source: 1096727,
          name: 'request',
          dependency: 'request',
          title: 'SSRF in request',
          url: 'https://github.com/advisories/GHSA-p8p7-x288-28g6',
          severity: 'moderate',
          range: '<=2.88.2',
        },
      ],
      effects: [],
      range: '*',
      nodes: ['node_modules/request'],
      fixAvailable: false,
    },
  },
  metadata: { vulnerabilities: { info: 1, low: 1, moderate: 2, high: 3, critical: 1, total: 8 } },
};

describe('npm audit v2', () => {
  it('one finding per advisory, on the package that has it; transitive packages are its dependents', () => {
    const r = parsed(report);
    expect(r.format).toBe('npm-audit');
    expect(r.scanner).toEqual({ name: 'npm audit' });
    expect(r.findings.map((f) => `${f.package.name} ${f.vulnId}`)).toEqual([
      'node-fetch GHSA-r683-j2x4-v87g',
      'minimist GHSA-xvch-5gv4-984h',
      'minimist GHSA-vh95-rmgr-6w4m',
      'minimist npm:1000001',
      'minimist npm:1000002',
      'request GHSA-p8p7-x288-28g6',
    ]);
    const nf = byId(r, 'GHSA-r683-j2x4-v87g');
    expect(nf.dependents).toEqual(['cross-fetch', 'isomorphic-unfetch']);
    expect(nf).toMatchObject({
      installedVersion: '',
      fixedVersions: ['2.6.7'],
      remediation: 'npm audit fix',
      aliases: ['npm:1095073'],
      location: { file: 'node_modules/node-fetch' },
    });
    expect(nf.cvss).toEqual({ score: 8.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', version: '3.1' });
    expect(nf.key).toBe('GHSA-r683-j2x4-v87g|npm/node-fetch||');
  });

  it("severity is the advisory's: moderate → medium, info → none; a zero score is no CVSS", () => {
    const r = parsed(report);
    expect(r.findings.map((f) => f.severity)).toEqual(['high', 'critical', 'medium', 'none', 'low', 'medium']);
    expect(byId(r, 'GHSA-vh95-rmgr-6w4m').cvss).toBeUndefined();
    expect(byId(r, 'GHSA-xvch-5gv4-984h').cvss).toEqual({ score: 9.8 });
  });

  it('fixes: the version npm would install for this package, none when fixAvailable is false', () => {
    const r = parsed(report);
    expect(byId(r, 'GHSA-xvch-5gv4-984h')).toMatchObject({
      fixedVersions: ['1.2.8'],
      remediation: 'npm audit fix (installs minimist@1.2.8)',
    });
    expect(byId(r, 'GHSA-p8p7-x288-28g6')).toMatchObject({ fixedVersions: [], remediation: 'no fix available' });
  });

  it('a fix through another package is a semver-major remediation, not a version of this one', () => {
    const r = parsed({
      auditReportVersion: 2,
      vulnerabilities: {
        ms: {
          name: 'ms',
          severity: 'low',
          via: [
            {
              source: 1,
              name: 'ms',
              title: 'ReDoS',
              url: 'https://github.com/advisories/GHSA-w9mr-4mfr-499f',
              severity: 'low',
              range: '<=2.0.0',
            },
          ],
          effects: ['debug'],
          nodes: [],
          fixAvailable: { name: 'debug', version: '4.3.4', isSemVerMajor: true },
        },
      },
    });
    expect(r.findings[0]).toMatchObject({
      fixedVersions: [],
      remediation: 'npm audit fix --force (installs debug@4.3.4, a semver-major change)',
    });
  });

  it('no vulnerabilities is a valid, empty report', () => {
    const r = parsed({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { total: 0 } } });
    expect(r.findings).toEqual([]);
  });

  it('refuses npm audit v1, detected or named', () => {
    const v1 = {
      actions: [],
      advisories: { '118': { id: 118, module_name: 'minimatch' } },
      muted: [],
      metadata: { vulnerabilities: {} },
    };
    expect(refused(v1)).toBe(NPM_V1);
    expect(refused(v1, 'npm-audit')).toBe(NPM_V1);
    expect(refused({ auditReportVersion: 1, vulnerabilities: {} })).toBe(
      'npm audit v1 (auditReportVersion 1 / `advisories`) is not supported: run npm 7 or later, `npm audit --json`',
    );
  });

  it('refuses a malformed via entry with its path', () => {
    const bad = { auditReportVersion: 2, vulnerabilities: { a: { name: 'a', via: [42] } } };
    expect(refused(bad)).toBe(
      'not a valid npm audit v2 report: vulnerabilities.a.via[0]: expected a package name or an advisory object, got a number',
    );
  });
});
