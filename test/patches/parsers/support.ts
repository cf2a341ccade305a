// Shared by the parser tests: parse a report written in the test and insist that it was read.
import { expect } from 'vitest';
import {
  parseReport,
  type Format,
  type NormalizedFinding,
  type ParseResult,
} from '../../../src/core/patches/findings/parsers/index.js';

export type Parsed = Extract<ParseResult, { ok: true }>;

export function parsed(report: unknown, format?: Format): Parsed {
  const r = parseReport(typeof report === 'string' ? report : JSON.stringify(report), format ? { format } : {});
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r;
}

export function refused(report: unknown, format?: Format): string {
  const r = parseReport(typeof report === 'string' ? report : JSON.stringify(report), format ? { format } : {});
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.reason;
}

export const byId = (r: Parsed, id: string): NormalizedFinding => {
  const f = r.findings.find((x) => x.vulnId === id);
  if (!f) throw new Error(`no finding ${id} among ${r.findings.map((x) => x.vulnId).join(', ')}`);
  return f;
};
