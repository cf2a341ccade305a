// Cross-reference checks of a policy that passed its schema: the kernel checks its own keys, each
// module checks its part (`StewardModule.checkPolicy`). Ids are indexed by kind ("person",
// "schedule") by whichever part owns them; a reference is resolved once every part has run, so a
// part may name ids another part indexes. Problems are listed by the file's top-level keys in
// schema order, and in the order they were found within a key.
import type { Access } from '../context.js';
import { ID_PLATFORMS } from '../platform.js';
import type { Policy } from './schema.js';

export type PolicyPath = (string | number)[];

export interface PolicyIssue {
  /** Where, as keys and indexes from the root: ['services', 2, 'team']. */
  segs: PolicyPath;
  message: string;
}

export interface PolicyCheck {
  /** Indexes items by id under `kind`; a repeated id is a problem at its `id`. Returns the ids indexed so far under `kind`. */
  ids(kind: string, at: PolicyPath, items: readonly { id: string }[]): ReadonlySet<string>;
  /** `id` must name an item of `kind` (resolved after every check ran). */
  ref(at: PolicyPath, kind: string, id: string): void;
  problem(at: PolicyPath, message: string): void;
}

export type PolicyChecker = (p: Policy, c: PolicyCheck) => void;

const known = (s: ReadonlySet<string>) =>
  s.size ? ` (known: ${[...s].slice(0, 8).join(', ')}${s.size > 8 ? ', …' : ''})` : ' (none are defined)';

/** Runs the kernel's checks and then `checkers` (one per module); returns every problem. */
export function checkPolicy(
  p: Policy,
  checkers: readonly PolicyChecker[],
  keyOrder: readonly string[] = Object.keys(p),
): PolicyIssue[] {
  const found: (PolicyIssue | { segs: PolicyPath; kind: string; id: string })[] = [];
  const index = new Map<string, Set<string>>();
  const c: PolicyCheck = {
    ids(kind, at, items) {
      const ids = index.get(kind) ?? new Set<string>();
      index.set(kind, ids);
      items.forEach((it, i) => {
        if (ids.has(it.id)) found.push({ segs: [...at, i, 'id'], message: `duplicate ${kind} id "${it.id}"` });
        ids.add(it.id);
      });
      return ids;
    },
    ref: (segs, kind, id) => found.push({ segs, kind, id }),
    problem: (segs, message) => found.push({ segs, message }),
  };
  for (const check of [checkKernel, ...checkers]) check(p, c);
  const issues = found.flatMap((f): PolicyIssue[] => {
    if ('message' in f) return [f];
    const ids = index.get(f.kind) ?? new Set<string>();
    return ids.has(f.id) ? [] : [{ segs: f.segs, message: `unknown ${f.kind} "${f.id}"${known(ids)}` }];
  });
  const rank = (i: PolicyIssue) => {
    const r = keyOrder.indexOf(String(i.segs[0]));
    return r < 0 ? keyOrder.length : r;
  };
  return issues
    .map((i, n) => ({ i, n }))
    .sort((a, b) => rank(a.i) - rank(b.i) || a.n - b.n)
    .map(({ i }) => i);
}

/**
 * `access.membersOnly` names read operations of the composed modules (`operations`: kind → its
 * access); an operation that already needs a person in the policy is named as such.
 */
export function checkAccess(operations: ReadonlyMap<string, Access>): PolicyChecker {
  return (p, c) => {
    const listed = p.access.membersOnly;
    if (listed === 'all') return;
    listed.forEach((kind, i) => {
      const access = operations.get(kind);
      if (access === undefined) {
        const reads = [...operations].filter(([, a]) => a === 'read').map(([k]) => k);
        c.problem(
          ['access', 'membersOnly', i],
          `unknown operation "${kind}" (reads: ${reads.slice(0, 8).join(', ')}${reads.length > 8 ? ', …' : ''})`,
        );
      } else if (access !== 'read')
        c.problem(
          ['access', 'membersOnly', i],
          `"${kind}" is not a read: it always needs a person listed in the policy`,
        );
    });
  };
}

/** The kernel's keys: people and their platform ids, teams, services, API tokens, groups. */
function checkKernel(p: Policy, c: PolicyCheck): void {
  const people = c.ids('person', ['people'], p.people);
  c.ids('team', ['teams'], p.teams);
  c.ids('service', ['services'], p.services);
  for (const platform of ID_PLATFORMS) {
    const seen = new Map<string, string>();
    p.people.forEach((person, i) => {
      const pid = person[platform];
      if (!pid) return;
      const other = seen.get(pid);
      if (other) c.problem(['people', i, platform], `${platform} id ${pid} is already used by person "${other}"`);
      seen.set(pid, person.id);
    });
  }
  p.teams.forEach((t, i) => t.members.forEach((m, j) => c.ref(['teams', i, 'members', j], 'person', m)));
  p.services.forEach((s, i) => {
    c.ref(['services', i, 'team'], 'team', s.team);
    s.owners.forEach((o, j) => c.ref(['services', i, 'owners', j], 'person', o));
    if (s.escalation) c.ref(['services', i, 'escalation'], 'escalation policy', s.escalation);
  });
  c.ids('API token', ['api', 'tokens'], p.api.tokens);
  const digests = new Map<string, string>();
  p.api.tokens.forEach((t, i) => {
    const digest = t.sha256.toLowerCase();
    const other = digests.get(digest);
    if (other)
      c.problem(['api', 'tokens', i, 'sha256'], `is the same token as "${other}": give every token its own secret`);
    digests.set(digest, t.id);
    t.services?.forEach((s, j) => c.ref(['api', 'tokens', i, 'services', j], 'service', s));
  });
  const groups = c.ids('group', ['groups'], p.groups);
  p.groups.forEach((g, i) =>
    g.members.forEach((m, j) => {
      if (!people.has(m) && groups.has(m))
        c.problem(['groups', i, 'members', j], `"${m}" is a group: a group's members must be people`);
      else c.ref(['groups', i, 'members', j], 'person', m);
    }),
  );
}
