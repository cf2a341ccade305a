// Loads and validates the organisation policy YAML: syntax, schema, then every cross-reference.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { DateTime } from 'luxon';
import { matchRule } from '../core/approvals/rules.js';
import { cronTime, isValidCron } from '../core/jobs/cron.js';
import { policySchema, type ApproveEntry, type ChangeKind, type ChangeRisk, type Policy } from './policy-schema.js';

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
    const issues = parsed.error.issues.flatMap(unwrapUnion);
    throw new PolicyError(file, issues.map((i) => ({ path: fmtPath(i.path), message: describeIssue(i, raw), ...locate(i.path) })));
  }
  const problems = checkReferences(parsed.data).map((p) => ({ path: fmtPath(p.segs), message: p.message, ...locate(p.segs) }));
  if (problems.length) throw new PolicyError(file, problems);
  return { policy: parsed.data, sha256: createHash('sha256').update(text).digest('hex') };
}

/**
 * A union issue whose value plainly meant one branch (the only branch without unknown keys, e.g.
 * `{ group: cab, count: two }`) becomes that branch's issues, so the message names the bad field.
 */
function unwrapUnion(i: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (i.code !== 'invalid_union') return [i];
  const plausible = i.errors.filter((branch) => !branch.some((b) => b.code === 'unrecognized_keys' && b.path.length === 0));
  if (plausible.length !== 1) return [i];
  return plausible[0].flatMap((b) => unwrapUnion({ ...b, path: [...i.path, ...b.path] } as z.core.$ZodIssue));
}

const UNION_SHAPES: [RegExp, string][] = [
  [/\.approve(\[\d+\])?$/, '{ group: <id>, count: <n> }, { person: <id> }, { owners: <n> } or { team: <n> }'],
  [/\.freezes\[\d+\]$/, '{ id, reason, timezone, from, to } (fixed) or { id, reason, timezone, cron, duration } (recurring)'],
];

function describeIssue(i: z.core.$ZodIssue, raw: unknown): string {
  const value = i.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), raw);
  // A token pasted where its digest belongs is a secret: the message (logged, answered over HTTP) never repeats it.
  const secret = i.path[0] === 'api' && i.path.at(-1) === 'sha256';
  const shown = value === undefined ? '' : secret ? ' (the value is not shown: it may be a token)' : ` (got ${JSON.stringify(value)?.slice(0, 60)})`;
  if (secret && i.code === 'invalid_type' && typeof value === 'number') return 'must be quoted ("…"): YAML reads a digest of digits as a number';
  if (i.code === 'unrecognized_keys') return `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
  if (i.code === 'invalid_type' && value === undefined) return `is required (${i.expected})`;
  if (i.code === 'invalid_union') {
    const shape = UNION_SHAPES.find(([re]) => re.test(fmtPath(i.path)))?.[1] ?? '{ schedule: <id> }, { person: <id> } or { team: <id> }';
    return `must be one of ${shape}${shown}`;
  }
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

  const groups = index('group', 'groups', p.groups);
  p.groups.forEach((g, i) =>
    g.members.forEach((m, j) => {
      if (!people.has(m) && groups.has(m)) out.push({ segs: ['groups', i, 'members', j], message: `"${m}" is a group: a group's members must be people` });
      else ref(['groups', i, 'members', j], 'person', people, m);
    }),
  );
  const distinctMembers = new Map<string, number>();
  for (const g of p.groups) if (!distinctMembers.has(g.id)) distinctMembers.set(g.id, new Set(g.members).size);
  const approveList = (segs: Seg[], entries: ApproveEntry[]) =>
    entries.forEach((e, k) => {
      const at: Seg[] = [...segs, k];
      if ('group' in e) {
        ref([...at, 'group'], 'group', groups, e.group);
        const size = distinctMembers.get(e.group);
        if (size !== undefined && e.count > size)
          out.push({ segs: [...at, 'count'], message: `asks for ${e.count} approvals from group "${e.group}", which has ${size} member${size === 1 ? '' : 's'}` });
      } else if ('person' in e) ref([...at, 'person'], 'person', people, e.person);
    });
  const catchAll = p.changes.rules.findIndex((o) => Object.keys(o.match).length === 0);
  p.changes.rules.forEach((r, i) => {
    if (r.match.service) ref(['changes', 'rules', i, 'match', 'service'], 'service', services, r.match.service);
    if (r.match.team) ref(['changes', 'rules', i, 'match', 'team'], 'team', teams, r.match.team);
    approveList(['changes', 'rules', i, 'approve'], r.approve);
    if (catchAll >= 0 && catchAll < i) out.push({ segs: ['changes', 'rules', i], message: `is never used: rule ${catchAll + 1} (match: {}) matches every change first` });
  });
  const uncovered = uncoveredSubjects(p);
  if (uncovered.length)
    out.push({
      segs: ['changes', 'rules'],
      message: `a change could match no rule: ${uncovered.slice(0, 3).join('; ')}${uncovered.length > 3 ? ` and ${uncovered.length - 3} more` : ''}; end the rules with a catch-all rule (match: {})`,
    });
  index('freeze', ['changes', 'freezes'], p.changes.freezes);
  p.changes.freezes.forEach((f, i) => {
    f.services?.forEach((s, j) => ref(['changes', 'freezes', i, 'services', j], 'service', services, s));
    if ('cron' in f) {
      if (!isValidCron(f.cron, f.timezone)) out.push({ segs: ['changes', 'freezes', i, 'cron'], message: cronProblem(f.cron, f.timezone) });
    } else if (localMillis(f.to, f.timezone) <= localMillis(f.from, f.timezone)) {
      out.push({ segs: ['changes', 'freezes', i, 'to'], message: `must be after from (${f.from})` });
    }
  });
  if (p.patches) approveList(['patches', 'exceptions', 'approve'], p.patches.exceptions.approve);
  p.patches?.overrides?.forEach((o, i) => {
    if (o.match.service) ref(['patches', 'overrides', i, 'match', 'service'], 'service', services, o.match.service);
    if (o.match.team) ref(['patches', 'overrides', i, 'match', 'team'], 'team', teams, o.match.team);
  });
  const digest = p.patches?.digest?.cron;
  if (digest !== undefined && !isValidCron(digest, p.timezone)) out.push({ segs: ['patches', 'digest', 'cron'], message: cronProblem(digest, p.timezone) });
  return out;
}

function cronProblem(cron: string, timezone: string): string {
  try {
    cronTime(cron, timezone);
    return `"${cron}" is not a cron expression`;
  } catch (e) {
    const message = (e as Error).message;
    if (message.includes('must have five fields')) return message;
    return `${message.replace(/^cron "[^"]*":\s*/, '')} (got "${cron}"; five fields: minute hour day-of-month month day-of-week)`;
  }
}

const localMillis = (v: string, zone: string) => DateTime.fromFormat(v, 'yyyy-MM-dd HH:mm', { zone }).toMillis();

/** Every kind of change on every service of the policy that no rule matches, described for the message. */
function uncoveredSubjects(p: Policy): string[] {
  const kinds: { kind: ChangeKind; risk?: ChangeRisk }[] = [
    { kind: 'standard' },
    ...(['low', 'medium', 'high'] as const).map((risk) => ({ kind: 'normal' as const, risk })),
    { kind: 'emergency' },
  ];
  const out: string[] = [];
  for (const s of p.services)
    for (const k of kinds)
      if (!matchRule(p.changes.rules, { ...k, service: s.id, team: s.team, tier: s.tier }))
        out.push(`${k.kind === 'emergency' ? 'an' : 'a'} ${k.kind}${k.risk ? ` ${k.risk}-risk` : ''} change of ${s.id}`);
  return out;
}
