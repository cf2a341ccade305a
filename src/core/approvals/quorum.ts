// Approval quorum (pure): who may approve a request, whether its `approve` entries are met, and a tally for cards.
// Used by change requests and by risk exceptions on findings; the caller stores decisions and reasons.
//
// Counting rules:
// - The requester is never eligible (separation of duties), even when listed in an entry.
// - A person counts once per request: a repeated click changes nothing, and one approval counts for
//   at most ONE entry. "2 from the CAB + 1 owner" needs three different people even when an owner
//   sits on the CAB (PRODUCT.md: "one person counts once even when listed twice"). ServiceNow and
//   Teleport would count that approval for both; Steward reads each entry as a separate pair of
//   eyes. Approvals are assigned to entries by a maximum matching, so the order of clicks never
//   decides whether a request is approved.
// - Decisions are read in time order. The request is approved at the first decision after which
//   every entry is met, and rejected at the first rejection by an eligible person before that (any
//   approver may veto; the caller requires and stores the reason). Later decisions change nothing.
// - A person's later decision replaces an earlier one: approve then reject (a race past mayDecide)
//   rejects; approving twice counts once.
import type { ApproveEntry, Policy } from '../policy/schema.js';
import type { Directory } from '../directory.js';

export type DecisionKind = 'approve' | 'reject';
export interface Decision {
  personId: string;
  decision: DecisionKind;
  at: Date;
}

/** The parts of the directory a quorum reads (a catalog Directory fits). */
export type ApprovalDirectory = Pick<Directory, 'person' | 'service' | 'team'> & { policy: Pick<Policy, 'groups'> };

export interface QuorumInput {
  /** The `approve` entries of the matched rule (or of patches.exceptions); [] is pre-approved. */
  requirements: readonly ApproveEntry[];
  directory: ApprovalDirectory;
  requester: string;
  /** The subject's service (its owners answer `{ owners: n }`) and team (its members answer `{ team: n }`). */
  service: string;
  team: string;
  decisions: readonly Decision[];
  /** What is being approved, for messages: "change" (default) or e.g. "exception". */
  noun?: string;
}

export interface EntryProgress {
  entry: ApproveEntry;
  /** "Change Advisory Board", "owners", "Carol Danvers", "team Payments". */
  label: string;
  needed: number;
  /** Who may approve for this entry: person ids, the requester left out. */
  eligible: string[];
  /** The approvals counted toward this entry. */
  counted: string[];
  met: boolean;
  /** Why this entry can never be met, when it cannot. */
  unmeetable?: string;
}

export type QuorumState = 'pending' | 'approved' | 'rejected';

export type MayDecide =
  { ok: true } | { ok: false; code: 'requester' | 'not-approver' | 'already-decided' | 'closed'; reason: string };

export interface Quorum {
  state: QuorumState;
  entries: EntryProgress[];
  /** Every eligible approver (deduplicated, in entry order): whom to notify. */
  approvers: string[];
  /** Eligible approvers who have not decided, while pending. */
  waitingOn: string[];
  /** The decision that completed the quorum. */
  approval?: Decision;
  /** The first rejection by an eligible person. */
  rejection?: Decision;
  /** Why the entries can never all be met (tell the requester at submission); empty when they can. */
  unmeetable: string[];
  /** For cards: "1 of 2 from Change Advisory Board · owners ✓"; "pre-approved" for []. */
  tally: string;
  mayDecide(personId: string): MayDecide;
}

interface Resolved {
  label: string;
  needed: number;
  /** Everyone the entry names, the requester included. */
  named: string[];
  /** Describes an entry with too few eligible people. */
  shortfall: (eligible: number) => string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function resolve(entry: ApproveEntry, input: QuorumInput): Resolved {
  const dir = input.directory;
  const name = (id: string) => dir.person(id)?.name ?? id;
  if ('group' in entry) {
    const g = dir.policy.groups.find((x) => x.id === entry.group);
    const label = g?.name ?? entry.group;
    return {
      label,
      needed: entry.count,
      named: g?.members ?? [],
      shortfall: (n) =>
        `${label} has ${plural(n, 'member')} who may approve (the requester cannot) but ${entry.count} are needed`,
    };
  }
  if ('person' in entry) {
    const label = name(entry.person);
    return { label, needed: 1, named: [entry.person], shortfall: () => `${label} requested it and cannot approve it` };
  }
  if ('owners' in entry) {
    const s = dir.service(input.service);
    const owners = s?.owners ?? [];
    const what = s?.name ?? input.service;
    return {
      label: 'owners',
      needed: entry.owners,
      named: owners,
      shortfall: (n) =>
        owners.length === 0
          ? `${what} has no owners`
          : owners.length === 1 && owners[0] === input.requester
            ? `the only owner of ${what} is the requester`
            : `${what} has ${plural(n, 'owner')} besides the requester but ${entry.owners} are needed`,
    };
  }
  const t = dir.team(input.team);
  const label = `team ${t?.name ?? input.team}`;
  return {
    label,
    needed: entry.team,
    named: t?.members ?? [],
    shortfall: (n) => `${label} has ${plural(n, 'member')} besides the requester but ${entry.team} are needed`,
  };
}

/**
 * Assigns each approving person to at most one entry, as many entries' needs met as possible
 * (augmenting paths; entries with fewer eligible people are tried first). Returns per entry the people counted.
 */
function assign(approving: readonly string[], eligible: readonly Set<string>[], needed: readonly number[]): string[][] {
  // `eligible`, `needed` and `counted` run in parallel: one element per entry, indexed by `order`.
  const counted: string[][] = eligible.map(() => []);
  const order = eligible.map((_, i) => i).sort((a, b) => eligible[a]!.size - eligible[b]!.size || a - b);
  const place = (p: string, seen: Set<number>): boolean => {
    for (const e of order) {
      if (!eligible[e]!.has(p) || seen.has(e)) continue;
      seen.add(e);
      const mine = counted[e]!;
      if (mine.length < needed[e]!) {
        mine.push(p);
        return true;
      }
      for (const q of mine) {
        if (place(q, seen)) {
          counted[e] = mine.map((x) => (x === q ? p : x));
          return true;
        }
      }
    }
    return false;
  };
  for (const p of approving) place(p, new Set());
  return counted;
}

/**
 * When the best assignment of every eligible person still leaves an entry short: the entries
 * connected to the short ones through shared people, what they need together, and who can give it.
 */
function jointShortage(best: string[][], eligible: readonly Set<string>[], needed: readonly number[]) {
  const short = best.map((c, i) => c.length < needed[i]!);
  if (!short.some(Boolean)) return null;
  const entries = new Set(short.flatMap((s, i) => (s ? [i] : [])));
  for (let grew = true; grew;) {
    grew = false;
    const people = new Set([...entries].flatMap((i) => [...eligible[i]!]));
    eligible.forEach((e, i) => {
      if (!entries.has(i) && [...e].some((p) => people.has(p))) grew = Boolean(entries.add(i));
    });
  }
  const list = [...entries].sort((a, b) => a - b);
  const people = [...new Set(list.flatMap((i) => [...eligible[i]!]))];
  return { entries: list, people, need: list.reduce((n, i) => n + needed[i]!, 0) };
}

export function evaluateQuorum(input: QuorumInput): Quorum {
  const noun = input.noun ?? 'change';
  const resolved = input.requirements.map((entry) => {
    const r = resolve(entry, input);
    return { ...r, entry, eligible: new Set(r.named.filter((id) => id !== input.requester)) };
  });
  const eligible = resolved.map((r) => r.eligible);
  const needed = resolved.map((r) => r.needed);
  const approvers = [...new Set(eligible.flatMap((s) => [...s]))];
  const isApprover = new Set(approvers);

  // Time order, stable for equal instants; only eligible people's decisions count.
  const decisions = input.decisions
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.at.getTime() - b.d.at.getTime() || a.i - b.i)
    .map((x) => x.d);
  const approving: string[] = [];
  let state: QuorumState = resolved.length === 0 ? 'approved' : 'pending';
  let counted: string[][] = resolved.map(() => []);
  let approval: Decision | undefined;
  let rejection: Decision | undefined;
  for (const d of decisions) {
    if (state !== 'pending') break;
    if (!isApprover.has(d.personId)) continue;
    if (d.decision === 'reject') {
      state = 'rejected';
      rejection = d;
      break;
    }
    if (approving.includes(d.personId)) continue;
    approving.push(d.personId);
    counted = assign(approving, eligible, needed);
    if (counted.every((c, i) => c.length >= needed[i]!)) {
      state = 'approved';
      approval = d;
    }
  }

  const entries: EntryProgress[] = resolved.map((r, i) => {
    const got = counted[i] ?? [];
    return {
      entry: r.entry,
      label: r.label,
      needed: r.needed,
      eligible: [...r.eligible],
      counted: got,
      met: got.length >= r.needed,
      ...(r.eligible.size < r.needed ? { unmeetable: r.shortfall(r.eligible.size) } : {}),
    };
  });
  const unmeetable = entries.flatMap((e) => (e.unmeetable ? [e.unmeetable] : []));
  if (unmeetable.length === 0 && resolved.length > 0) {
    const shortage = jointShortage(assign(approvers, eligible, needed), eligible, needed);
    if (shortage) {
      const labels = shortage.entries.map((i) => resolved[i]!.label);
      const names = shortage.people.map((id) => input.directory.person(id)?.name ?? id).join(', ');
      const list =
        labels.length === 2 ? labels.join(' and ') : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
      unmeetable.push(
        shortage.need > shortage.people.length
          ? `${list} need ${shortage.need} different approvers (one approval counts for one entry) but only ${shortage.people.length === 1 ? '1 person' : `${shortage.people.length} people`} can approve them: ${names}`
          : `${list} cannot all be met at once (one approval counts for one entry; they may approve: ${names})`,
      );
    }
  }

  const decided = (id: string) => input.decisions.some((d) => d.personId === id);
  return {
    state,
    entries,
    approvers,
    waitingOn: state === 'pending' ? approvers.filter((id) => !decided(id)) : [],
    approval,
    rejection,
    unmeetable,
    tally: resolved.length === 0 ? 'pre-approved' : entries.map(tallyOf).join(' · '),
    mayDecide(personId) {
      if (personId === input.requester)
        return { ok: false, code: 'requester', reason: `you requested this ${noun}: someone else must decide` };
      if (!isApprover.has(personId))
        return { ok: false, code: 'not-approver', reason: `not an approver for this ${noun}` };
      if (decided(personId)) return { ok: false, code: 'already-decided', reason: 'already decided' };
      if (state !== 'pending') return { ok: false, code: 'closed', reason: `this ${noun} is already ${state}` };
      return { ok: true };
    },
  };
}

/** One entry of the tally: "1 of 2 from Change Advisory Board", "owners ✓", "Carol Danvers ✓", "team Payments 1 of 2". */
function tallyOf(e: EntryProgress): string {
  const n = Math.min(e.counted.length, e.needed);
  const suffix = e.unmeetable ? ' (cannot be met)' : '';
  if ('group' in e.entry) return `${n} of ${e.needed} from ${e.label}${e.met ? ' ✓' : ''}${suffix}`;
  if ('person' in e.entry) return `${e.label} ${e.met ? '✓' : 'pending'}${suffix}`;
  return `${e.label} ${e.met ? '✓' : `${n} of ${e.needed}`}${suffix}`;
}
