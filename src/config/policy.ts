// Loads and validates the organisation policy YAML: syntax, schema, then every cross-reference.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { policySchema, type Policy } from './policy-schema.js';

export type { Policy } from './policy-schema.js';

export interface PolicyProblem {
  /** JSON-path-like location such as `services[2].team`. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class PolicyError extends Error {
  readonly code = 'POLICY.INVALID';
  constructor(readonly file: string, readonly problems: PolicyProblem[]) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the policy\n` +
        problems.map((p) => `  ${file}${p.line ? `:${p.line}:${p.column}` : ''} ${p.path || '(root)'}: ${p.message}`).join('\n'),
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
  segs.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${String(s)}` : String(s)), '');

export function loadPolicyFile(file: string): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PolicyError(file, [{ path: '', message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})` }]);
  }
  return { ...parsePolicy(text, file), file };
}

export function parsePolicy(text: string, file = 'policy.yaml'): { policy: Policy; sha256: string } {
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
  const raw = doc.toJS() ?? {};
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    throw new PolicyError(file, parsed.error.issues.map((i) => ({ path: fmtPath(i.path), message: describeIssue(i, raw), ...locate(i.path) })));
  }
  const problems = checkReferences(parsed.data).map((p) => ({ path: fmtPath(p.segs), message: p.message, ...locate(p.segs) }));
  if (problems.length) throw new PolicyError(file, problems);
  return { policy: parsed.data, sha256: createHash('sha256').update(text).digest('hex') };
}

function describeIssue(i: z.core.$ZodIssue, raw: unknown): string {
  const value = i.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), raw);
  // A token pasted where its digest belongs is a secret: the message (logged, answered over HTTP) never repeats it.
  const secret = i.path[0] === 'api' && i.path.at(-1) === 'sha256';
  const shown = value === undefined ? '' : secret ? ' (the value is not shown: it may be a token)' : ` (got ${JSON.stringify(value)?.slice(0, 60)})`;
  if (secret && i.code === 'invalid_type' && typeof value === 'number') return 'must be quoted ("…"): YAML reads a digest of digits as a number';
  if (i.code === 'unrecognized_keys') return `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
  if (i.code === 'invalid_type' && value === undefined) return `is required (${i.expected})`;
  if (i.code === 'invalid_union') return `must be one of { schedule: <id> }, { person: <id> } or { team: <id> }${shown}`;
  return `${i.message}${shown}`;
}

interface RefProblem {
  segs: Seg[];
  message: string;
}

/** Every id unique per kind, every reference resolvable. */
export function checkReferences(p: Policy): RefProblem[] {
  const out: RefProblem[] = [];
  const index = (kind: string, key: Seg | Seg[], items: { id: string }[]) => {
    const ids = new Set<string>();
    items.forEach((it, i) => {
      if (ids.has(it.id)) out.push({ segs: [...[key].flat(), i, 'id'], message: `duplicate ${kind} id "${it.id}"` });
      ids.add(it.id);
    });
    return ids;
  };
  const people = index('person', 'people', p.people);
  const teams = index('team', 'teams', p.teams);
  const services = index('service', 'services', p.services);
  const schedules = index('schedule', 'schedules', p.schedules);
  const policies = index('escalation policy', 'escalationPolicies', p.escalationPolicies);
  const known = (s: Set<string>) => (s.size ? ` (known: ${[...s].slice(0, 8).join(', ')}${s.size > 8 ? ', …' : ''})` : ' (none are defined)');
  const ref = (segs: Seg[], kind: string, set: Set<string>, id: string) => {
    if (!set.has(id)) out.push({ segs, message: `unknown ${kind} "${id}"${known(set)}` });
  };

  for (const platform of ['slack', 'discord'] as const) {
    const seen = new Map<string, string>();
    p.people.forEach((person, i) => {
      const pid = person[platform];
      if (!pid) return;
      const other = seen.get(pid);
      if (other) out.push({ segs: ['people', i, platform], message: `${platform} id ${pid} is already used by person "${other}"` });
      seen.set(pid, person.id);
    });
  }
  p.teams.forEach((t, i) => t.members.forEach((m, j) => ref(['teams', i, 'members', j], 'person', people, m)));
  p.services.forEach((s, i) => {
    ref(['services', i, 'team'], 'team', teams, s.team);
    s.owners.forEach((o, j) => ref(['services', i, 'owners', j], 'person', people, o));
    if (s.escalation) ref(['services', i, 'escalation'], 'escalation policy', policies, s.escalation);
  });
  p.schedules.forEach((s, i) => {
    s.rotation?.members.forEach((m, j) => ref(['schedules', i, 'rotation', 'members', j], 'person', people, m));
    s.layers?.forEach((l, k) => l.rotation.members.forEach((m, j) => ref(['schedules', i, 'layers', k, 'rotation', 'members', j], 'person', people, m)));
    s.overrides?.forEach((o, k) => {
      ref(['schedules', i, 'overrides', k, 'person'], 'person', people, o.person);
      if (Date.parse(o.end) <= Date.parse(o.start)) out.push({ segs: ['schedules', i, 'overrides', k, 'end'], message: 'must be after start' });
    });
  });
  p.escalationPolicies.forEach((ep, i) =>
    ep.levels.forEach((lvl, j) =>
      lvl.notify.forEach((t, k) => {
        const segs: Seg[] = ['escalationPolicies', i, 'levels', j, 'notify', k];
        if ('schedule' in t) ref([...segs, 'schedule'], 'schedule', schedules, t.schedule);
        else if ('person' in t) ref([...segs, 'person'], 'person', people, t.person);
        else ref([...segs, 'team'], 'team', teams, t.team);
      }),
    ),
  );
  index('API token', ['api', 'tokens'], p.api.tokens);
  const digests = new Map<string, string>();
  p.api.tokens.forEach((t, i) => {
    const digest = t.sha256.toLowerCase();
    const other = digests.get(digest);
    if (other) out.push({ segs: ['api', 'tokens', i, 'sha256'], message: `is the same token as "${other}": give every token its own secret` });
    digests.set(digest, t.id);
    t.services?.forEach((s, j) => ref(['api', 'tokens', i, 'services', j], 'service', services, s));
  });
  const sevs = new Set<string>();
  p.incidents.severities.forEach((s, i) => {
    if (sevs.has(s.id)) out.push({ segs: ['incidents', 'severities', i, 'id'], message: `duplicate severity "${s.id}"` });
    sevs.add(s.id);
  });
  if (!/\{number\}/.test(p.incidents.channelName))
    out.push({ segs: ['incidents', 'channelName'], message: 'must contain {number} so every war room gets a distinct name' });
  return out;
}
