// Loads the organisation policy YAML and validates it: syntax, the core's schema, then the
// cross-reference checks of the kernel and of every composed module, each problem placed at its line.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import type { StewardModule } from '../core/module.js';
import { checkAccess, checkPolicy } from '../core/policy/check.js';
import { policySchema, type Policy } from '../core/policy/schema.js';
import { STANDARD_MODULES } from '../modules.js';

export type { Policy } from '../core/policy/schema.js';

export interface PolicyProblem {
  /** JSON-path-like location such as `services[2].team`. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class PolicyError extends Error {
  readonly code = 'POLICY.INVALID';
  constructor(
    readonly file: string,
    readonly problems: PolicyProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the policy\n` +
        problems
          .map((p) => `  ${file}${p.line ? `:${p.line}:${p.column}` : ''} ${p.path || '(root)'}: ${p.message}`)
          .join('\n'),
    );
    this.name = 'PolicyError';
  }
}

export interface LoadedPolicy {
  policy: Policy;
  file: string;
  /** sha256 of the file's bytes: identifies the policy version in the audit log. */
  sha256: string;
}

type Seg = string | number;
const fmtPath = (segs: readonly PropertyKey[]) =>
  segs.reduce<string>(
    (acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${String(s)}` : String(s)),
    '',
  );

export function loadPolicyFile(file: string, modules: readonly StewardModule[] = STANDARD_MODULES): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PolicyError(file, [
      { path: '', message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})` },
    ]);
  }
  return { ...parsePolicy(text, file, modules), file };
}

export function parsePolicy(
  text: string,
  file = 'policy.yaml',
  modules: readonly StewardModule[] = STANDARD_MODULES,
): { policy: Policy; sha256: string } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length) {
    throw new PolicyError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: '', message: `YAML syntax: ${e.message.split('\n')[0]}`, line: pos?.line, column: pos?.col };
      }),
    );
  }
  const locate = (segs: readonly PropertyKey[]): { line?: number; column?: number } => {
    // Walk up until a node with a position exists (a missing key points at its parent).
    for (let n = segs.length; n >= 0; n--) {
      const node = doc.getIn(segs.slice(0, n) as Seg[], true);
      if (isNode(node) && node.range) {
        const p = lineCounter.linePos(node.range[0]);
        return { line: p.line, column: p.col };
      }
    }
    return {};
  };
  const raw: unknown = doc.toJS() ?? {};
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap(unwrapUnion);
    throw new PolicyError(
      file,
      issues.map((i) => ({ path: fmtPath(i.path), message: describeIssue(i, raw), ...locate(i.path) })),
    );
  }
  const operations = new Map(modules.flatMap((m) => m.operations.map((o) => [o.kind, o.access] as const)));
  const checkers = [checkAccess(operations), ...modules.flatMap((m) => (m.checkPolicy ? [m.checkPolicy] : []))];
  const problems = checkPolicy(parsed.data, checkers, Object.keys(policySchema.shape)).map((p) => ({
    path: fmtPath(p.segs),
    message: p.message,
    ...locate(p.segs),
  }));
  if (problems.length) throw new PolicyError(file, problems);
  return { policy: parsed.data, sha256: createHash('sha256').update(text).digest('hex') };
}

/**
 * A union issue whose value plainly meant one branch (the only branch without unknown keys, e.g.
 * `{ group: cab, count: two }`) becomes that branch's issues, so the message names the bad field.
 */
function unwrapUnion(i: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (i.code !== 'invalid_union') return [i];
  const plausible = i.errors.filter(
    (branch) => !branch.some((b) => b.code === 'unrecognized_keys' && b.path.length === 0),
  );
  if (plausible.length !== 1) return [i];
  return plausible[0]!.flatMap((b) => unwrapUnion({ ...b, path: [...i.path, ...b.path] }));
}

const UNION_SHAPES: [RegExp, string][] = [
  [/\.approve(\[\d+\])?$/, '{ group: <id>, count: <n> }, { person: <id> }, { owners: <n> } or { team: <n> }'],
  [
    /\.freezes\[\d+\]$/,
    '{ id, reason, timezone, from, to } (fixed) or { id, reason, timezone, cron, duration } (recurring)',
  ],
];

function describeIssue(i: z.core.$ZodIssue, raw: unknown): string {
  const value = i.path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    raw,
  );
  // A token pasted where its digest belongs is a secret: the message (logged, answered over HTTP) never repeats it.
  const secret = i.path[0] === 'api' && i.path.at(-1) === 'sha256';
  const shown =
    value === undefined
      ? ''
      : secret
        ? ' (the value is not shown: it may be a token)'
        : ` (got ${JSON.stringify(value)?.slice(0, 60)})`;
  if (secret && i.code === 'invalid_type' && typeof value === 'number')
    return 'must be quoted ("…"): YAML reads a digest of digits as a number';
  if (i.code === 'unrecognized_keys')
    return `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
  if (i.code === 'invalid_type' && value === undefined) return `is required (${i.expected})`;
  if (i.code === 'invalid_union') {
    const shape =
      UNION_SHAPES.find(([re]) => re.test(fmtPath(i.path)))?.[1] ??
      '{ schedule: <id> }, { person: <id> } or { team: <id> }';
    return `must be one of ${shape}${shown}`;
  }
  return `${i.message}${shown}`;
}
