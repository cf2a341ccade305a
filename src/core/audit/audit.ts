// Audit use cases that are not part of another area: verify the log (its hash chain, its head
// row, its MACs and the heads seen before), and mark the log when an audit key is first set.
import type { AuditHead, AuditReader, AuditRecord, Store } from '../ports.js';
import { GENESIS_HASH, macValid, verifyPage, type ChainProblem } from './chain.js';

export const VERIFY_PAGE = 1_000;

export type AuditProblemReason =
  | ChainProblem['reason']
  /** The head row names an entry past the last one: entries at the tail were deleted. */
  | 'truncated'
  /** Entries exist but the head row does not. */
  | 'head_missing'
  /** The head row names an earlier entry than the last one. */
  | 'head_behind'
  /** The head row's hash is not the hash of the entry it names. */
  | 'head_mismatch'
  /** With a key: an entry whose MAC is not the MAC of its hash. */
  | 'mac_mismatch'
  /** With a key: the last entry, or an entry after one that has a MAC, has none. */
  | 'mac_missing'
  /** A head seen before is past the end of the log. */
  | 'rolled_back'
  /** The entry at a head seen before has another hash now. */
  | 'rewritten'
  /** The log starts after entry #1 and no checkpoint entry in it vouches for where it starts. */
  | 'checkpoint_missing';

export interface AuditProblem {
  seq: number;
  reason: AuditProblemReason;
  /** What was found, in a sentence (absent for plain chain breaks). */
  detail?: string;
}

/** A head seen before and where it comes from (`--expect`, the head file). */
export interface KnownHead {
  head: AuditHead;
  source: string;
}

export interface VerifyOptions {
  /** STEWARD_AUDIT_KEY: MACs are checked when it is given. */
  key?: string;
  /** Heads seen before: the log must still reach each of them, with the same hash there. */
  known?: readonly KnownHead[];
}

export type VerifyResult =
  { ok: true; checked: number; head: AuditHead; macs: number } | { ok: false; checked: number; problem: AuditProblem };

interface Position {
  seq: number;
  hash: string;
  checked: number;
  /** Entries whose MAC was checked. */
  macs: number;
  /** Whether the last entry walked carries a (valid) MAC. */
  lastMac: boolean;
}

/**
 * Walks the log in order and reports the first entry whose chain does not hold, then compares
 * the chain's end with the head row, the MACs with the key, and the result with heads seen before.
 */
export async function verifyAuditLog(reader: AuditReader, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const pos: Position = { seq: 0, hash: GENESIS_HASH, checked: 0, macs: 0, lastMac: false };
  const checkpoints = new Map<number, KnownHead[]>();
  for (const k of opts.known ?? [])
    if (k.head.seq > 0) checkpoints.set(k.head.seq, [...(checkpoints.get(k.head.seq) ?? []), k]);
  const fail = (problem: AuditProblem): VerifyResult => ({ ok: false, checked: pos.checked, problem });

  // Entries disposed of at the start (retention): the log goes on from a checkpoint.
  const start = await startOf(reader);
  if ('problem' in start) return fail(start.problem);
  pos.seq = start.seq;
  pos.hash = start.hash;
  let problem = await walk(reader, pos, opts.key, checkpoints);
  if (problem) return fail(problem);
  // The head is read after the walk: every entry the walk saw was committed with a head at least
  // as far. Entries appended meanwhile are walked too before the two ends are compared.
  const head = await reader.head();
  const walkedPastHead = !!head && head.seq > pos.seq;
  if (walkedPastHead) {
    problem = await walk(reader, pos, opts.key, checkpoints);
    if (problem) return fail(problem);
  }
  if (!head) {
    if (pos.seq > 0)
      return fail({
        seq: pos.seq,
        reason: 'head_missing',
        detail: `the log has entries up to #${pos.seq} but no head row (audit_head)`,
      });
  } else if (head.seq > pos.seq) {
    return fail({
      seq: pos.seq + 1,
      reason: 'truncated',
      detail: `the head row names entry #${head.seq} but the log ends at #${pos.seq}: ${head.seq - pos.seq} entries at the tail are missing`,
    });
  } else if (head.seq < pos.seq && !walkedPastHead) {
    return fail({
      seq: head.seq + 1,
      reason: 'head_behind',
      detail: `the head row names entry #${head.seq} but the log goes on to #${pos.seq}`,
    });
  } else {
    const named = head.seq === pos.seq ? pos.hash : (await reader.page(head.seq - 1, 1))[0]?.hash;
    if (named !== head.hash)
      return fail({
        seq: head.seq,
        reason: 'head_mismatch',
        detail: `the head row's hash ${short(head.hash)} is not entry #${head.seq}'s (${named ? short(named) : 'none'})`,
      });
  }
  if (opts.key !== undefined && pos.seq > 0 && !pos.lastMac)
    return fail({
      seq: pos.seq,
      reason: 'mac_missing',
      detail: `the last entry, #${pos.seq}, carries no MAC although STEWARD_AUDIT_KEY is set`,
    });
  for (const k of opts.known ?? []) {
    if (k.head.seq > pos.seq)
      return fail({
        seq: pos.seq + 1,
        reason: 'rolled_back',
        detail: `${k.source} saw the log up to entry #${k.head.seq} (${short(k.head.hash)}); it now ends at #${pos.seq}`,
      });
  }
  return { ok: true, checked: pos.checked, head: { seq: pos.seq, hash: pos.hash }, macs: pos.macs };
}

/** Checks entries after `pos` up to the end of the log, moving `pos`; returns the first problem. */
async function walk(
  reader: AuditReader,
  pos: Position,
  key: string | undefined,
  checkpoints: Map<number, KnownHead[]>,
): Promise<AuditProblem | undefined> {
  for (;;) {
    const page = await reader.page(pos.seq, VERIFY_PAGE);
    if (page.length === 0) return undefined;
    for (const r of page) {
      const chain = verifyPage([r], pos.seq, pos.hash);
      if ('problem' in chain) return chain.problem;
      const mac = key === undefined ? undefined : checkMac(key, r, pos);
      if (mac) return mac;
      for (const k of checkpoints.get(r.seq) ?? [])
        if (k.head.hash !== r.hash)
          return {
            seq: r.seq,
            reason: 'rewritten',
            detail: `${k.source} saw entry #${r.seq} with hash ${short(k.head.hash)}; it is ${short(r.hash)} now`,
          };
      pos.seq = r.seq;
      pos.hash = r.hash;
      pos.checked++;
    }
  }
}

/** MACs start with the first entry that has one (entries older than the key have none). */
function checkMac(key: string, r: AuditRecord, pos: Position): AuditProblem | undefined {
  if (r.mac === undefined) {
    if (pos.macs > 0)
      return {
        seq: r.seq,
        reason: 'mac_missing',
        detail: `entry #${r.seq} carries no MAC although earlier entries do`,
      };
    pos.lastMac = false;
    return undefined;
  }
  if (!macValid(key, r.hash, r.mac))
    return {
      seq: r.seq,
      reason: 'mac_mismatch',
      detail: `entry #${r.seq}'s MAC does not match its hash under STEWARD_AUDIT_KEY (rewritten, or another key)`,
    };
  pos.macs++;
  pos.lastMac = true;
  return undefined;
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/** The action and subject of the entry that records where the log continues after a disposal. */
export const CHECKPOINT_ACTION = 'audit.checkpoint';
export const checkpointSubject = (seq: number) => `audit:checkpoint:${seq}`;

/** What a checkpoint entry records: entries up to `seq` were disposed of; the next one follows `hash`. */
export interface Checkpoint {
  seq: number;
  hash: string;
  /** When the entries disposed of were written before (the retention cutoff). */
  before: string;
  disposed: number;
}

/**
 * Where the chain starts: at the genesis when the log holds entry #1 (or nothing); otherwise after
 * the entry a checkpoint names. A checkpoint is an entry of the log itself (`audit.checkpoint`,
 * subject `audit:checkpoint:<seq>`), so the walk that follows verifies it with every other entry:
 * removing entries at the start without one, or past the one there is, is reported.
 */
async function startOf(reader: AuditReader): Promise<{ seq: number; hash: string } | { problem: AuditProblem }> {
  const first = (await reader.page(0, 1))[0];
  if (!first || first.seq === 1) return { seq: 0, hash: GENESIS_HASH };
  const before = first.seq - 1;
  for (const c of await reader.bySubject(checkpointSubject(before), 10)) {
    if (c.action !== CHECKPOINT_ACTION || c.seq <= before || c.after === null) continue;
    let cp: Partial<Checkpoint>;
    try {
      cp = JSON.parse(c.after) as Partial<Checkpoint>;
    } catch {
      continue;
    }
    if (cp.seq === before && cp.hash === first.prevHash) return { seq: before, hash: first.prevHash };
  }
  return {
    problem: {
      seq: first.seq,
      reason: 'checkpoint_missing',
      detail: `the log starts at entry #${first.seq} and no checkpoint entry names entry #${before} with the hash it continues from`,
    },
  };
}

/**
 * When an audit key is set for the first time on a log that already has entries, appends
 * `audit.key_enabled` (which carries a MAC), so the log ends in a MAC at once. Does nothing when
 * the log is empty or any entry already has a MAC: a missing MAC at the end of such a log is for
 * verification to report, not to paper over. Returns whether it appended.
 */
export async function markAuditKeyEnabled(store: Store, at: Date): Promise<boolean> {
  const head = await store.auditReader.head();
  if (!head || head.seq === 0) return false;
  for (let after = 0; ;) {
    const page = await store.auditReader.page(after, VERIFY_PAGE);
    if (page.length === 0) break;
    if (page.some((r) => r.mac !== undefined)) return false;
    after = page[page.length - 1]!.seq;
  }
  await store.transaction((tx) =>
    tx.audit.append({ actor: { platform: 'system' }, action: 'audit.key_enabled', subject: 'audit' }, at),
  );
  return true;
}

/** Parses `<seq>:<hash>` (as `audit verify` prints a head); a string explains what is wrong. */
export function parseHead(text: string): AuditHead | string {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim().toLowerCase());
  if (!m)
    return `expected <seq>:<sha256 hex>, e.g. 42:${'0'.repeat(64)} (as "audit verify" prints the head; got "${text.length > 80 ? `${text.slice(0, 80)}…` : text}")`;
  return { seq: Number(m[1]), hash: m[2]! };
}

export const formatHead = (head: AuditHead) => `${head.seq}:${head.hash}`;
