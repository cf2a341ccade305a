// Runs a format's zod schema and turns the first problem into a reason that names its path,
// e.g. "Results[3].Vulnerabilities[0].PkgName: expected a string, got a number".
import type { z } from 'zod';

export type Checked<T> = { ok: true; data: T } | { ok: false; reason: string };

export function check<S extends z.ZodType>(schema: S, value: unknown, label: string): Checked<z.output<S>> {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, data: r.data };
  const issue = r.error.issues[0];
  if (!issue) return { ok: false, reason: `not a valid ${label} report` };
  const path = formatPath(issue.path);
  return {
    ok: false,
    reason: `not a valid ${label} report: ${path ? `${path}: ` : ''}${describe(issue, valueAt(value, issue.path))}`,
  };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][\w$-]*$/.test(p)) s += s ? `.${p}` : p;
    else s += `[${JSON.stringify(String(p))}]`;
  }
  return s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  int: 'an integer',
  null: 'null',
  undefined: 'nothing',
};

export const kindOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : v === undefined ? 'nothing' : (ARTICLE[typeof v] ?? typeof v);

function describe(issue: z.core.$ZodIssue, got: unknown): string {
  if (issue.code === 'invalid_type') {
    const expected = ARTICLE[issue.expected] ?? issue.expected;
    return got === undefined ? `required ${expected} is missing` : `expected ${expected}, got ${kindOf(got)}`;
  }
  if (issue.code === 'invalid_value')
    return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${JSON.stringify(got)}`;
  if (issue.code === 'invalid_union')
    return `expected ${issue.message.replace(/^Invalid input:?\s*/i, '') || 'another shape'}, got ${kindOf(got)}`;
  return issue.message;
}
