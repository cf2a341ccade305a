// parseReport as a whole: bytes, JSON errors with their place, detection, refusals, key rules.
import { describe, expect, it } from 'vitest';
import { normalizeImage, parseReport, severityFromScore } from '../../../src/core/patches/findings/parsers/index.js';
import { parsed, refused } from './support.js';

const NONE_OF =
  'none of: Trivy JSON, Grype JSON, npm audit v2, OSV-Scanner JSON, SARIF 2.1.0, GitHub Dependabot alerts, CycloneDX with vulnerabilities';
const trivy = {
  SchemaVersion: 2,
  ArtifactName: 'alpine:3.19',
  ArtifactType: 'container_image',
  Results: [
    {
      Target: 'alpine:3.19 (alpine 3.19.1)',
      Class: 'os-pkgs',
      Type: 'alpine',
      Vulnerabilities: [
        { VulnerabilityID: 'CVE-2024-0727', PkgName: 'libssl3', InstalledVersion: '3.1.4-r2', Severity: 'MEDIUM' },
      ],
    },
  ],
};

describe('parseReport', () => {
  it('refuses a zero-byte report, and a blank one', () => {
    expect(parseReport(Buffer.alloc(0))).toEqual({ ok: false, reason: 'the report is empty (0 bytes)' });
    expect(refused('  \n\t')).toBe('the report is blank (4 bytes of whitespace)');
  });

  it('refuses invalid JSON with the line and column of the bad token', () => {
    expect(refused('{\n  "SchemaVersion": 2,\n  "Results": [}\n}')).toBe(
      "invalid JSON: Unexpected token '}' at line 3 column 15 (expected a value)",
    );
    expect(refused('{"a": 1 "b": 2}')).toBe(
      "invalid JSON: Unexpected token '\"' at line 1 column 9 (expected ',' or '}' after a property value)",
    );
    expect(refused('{"a": 1}\n{"b": 2}')).toBe(
      "invalid JSON: Unexpected token '{' at line 2 column 1 (expected nothing after the end of the JSON value)",
    );
    expect(refused('{"a": "tab\there"}')).toBe(
      'invalid JSON: Unexpected token U+0009 at line 1 column 11 (expected a character of a string (control characters must be escaped))',
    );
    expect(refused("{'a': 1}")).toBe(
      "invalid JSON: Unexpected token ''' at line 1 column 2 (expected a property name in double quotes)",
    );
  });

  it('refuses a truncated report, saying where it stops', () => {
    const full = JSON.stringify(trivy, null, 2);
    const cut = full.slice(0, full.indexOf('"libssl3"') + 5);
    const line = cut.split('\n').length;
    const column = cut.length - cut.lastIndexOf('\n');
    expect(refused(cut)).toBe(
      `the report is truncated: the JSON stops at line ${line} column ${column}, inside an unfinished string`,
    );
    expect(refused('{"matches": [')).toBe(
      'the report is truncated: the JSON stops at line 1 column 14, inside an unfinished array',
    );
    expect(refused('{"matches": [], "source": {"type": "image"')).toBe(
      'the report is truncated: the JSON stops at line 1 column 43, inside an unfinished object',
    );
  });

  it('refuses what is not JSON at all, saying what it looked like', () => {
    expect(refused('<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>')).toBe(
      'the report is XML (it starts with "<"), not JSON: only the JSON forms of the scanner reports are read',
    );
    expect(refused('Total: 3 (UNKNOWN: 0, LOW: 1, MEDIUM: 2)')).toBe(
      'the report is not JSON: it starts with "Total: 3 (UNKNOWN: 0, LOW: 1, MEDIUM: 2)"',
    );
  });

  it('refuses an unrecognised format, naming what was tried and what it looked like', () => {
    expect(refused({ a: 1, b: 2, c: 3 })).toBe(`a JSON object with keys a, b, c is ${NONE_OF}`);
    expect(refused({})).toBe(`an empty JSON object is ${NONE_OF}`);
    expect(refused('42')).toBe(`a JSON number is ${NONE_OF}`);
    expect(refused('null')).toBe(`a JSON null is ${NONE_OF}`);
    expect(refused([{ id: 1 }, { id: 2 }])).toBe(`a JSON array of 2 objects (the first with keys id) is ${NONE_OF}`);
  });

  it('reads a Buffer with a UTF-8 BOM, and UTF-16 (PowerShell redirection)', () => {
    const text = JSON.stringify(trivy);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    const r8 = parseReport(bom);
    const r16 = parseReport(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect(r8.ok && r8.findings.length).toBe(1);
    expect(r16.ok && r16.findings.length).toBe(1);
  });

  it('a format given explicitly is used as is, and its schema decides', () => {
    expect(parsed(trivy, 'trivy').format).toBe('trivy');
    expect(refused(trivy, 'grype')).toBe('not a valid Grype JSON report: matches: required an array is missing');
    const r = parseReport('{}', { format: 'sarif' });
    expect(r).toEqual({
      ok: false,
      format: 'sarif',
      reason: 'not a valid SARIF 2.1.0 report: version: expected "2.1.0", got undefined',
    });
  });

  it('CVSS scores map to severities at 9.0, 7.0, 4.0 and 0.1', () => {
    expect([10, 9, 8.9, 7, 6.9, 4, 3.9, 0.1, 0].map(severityFromScore)).toEqual([
      'critical',
      'critical',
      'high',
      'high',
      'medium',
      'medium',
      'low',
      'low',
      'none',
    ]);
  });

  it('the key names an image without registry prefix, tag or digest', () => {
    expect(normalizeImage('docker.io/library/nginx:1.25.3')).toBe('nginx');
    expect(normalizeImage('registry.example.com:5000/team/app@sha256:abcd')).toBe('registry.example.com:5000/team/app');
    expect(normalizeImage('ghcr.io/acme/API:v2')).toBe('ghcr.io/acme/api');
  });

  it('descriptions are trimmed to 2000 characters', () => {
    const long = {
      ...trivy,
      Results: [
        {
          ...trivy.Results[0],
          Vulnerabilities: [{ ...trivy.Results[0]!.Vulnerabilities[0], Description: `  ${'x'.repeat(5000)}  ` }],
        },
      ],
    };
    const d = parsed(long).findings[0]!.description!;
    expect(d).toHaveLength(2000);
    expect(d.endsWith('x…')).toBe(true);
  });
});
