// The audit log's hash chain: canonical encoding, entry hashing and verification. Pure.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ActorRef, AuditEntryInput, AuditRecord } from '../ports.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level; `undefined` becomes absent, Dates ISO strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortKeys(x)));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export function encodeState(v: unknown): string | null {
  return v === undefined ? null : canonicalJson(v);
}

export interface HashInput {
  seq: number;
  at: Date;
  actor: ActorRef;
  action: string;
  subject: string;
  before: string | null;
  after: string | null;
  prevHash: string;
}

export function hashEntry(e: HashInput): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    actor: {
      platform: e.actor.platform,
      platformUserId: e.actor.platformUserId ?? null,
      personId: e.actor.personId ?? null,
    },
    action: e.action,
    subject: e.subject,
    before: e.before,
    after: e.after,
    prevHash: e.prevHash,
  });
  return createHash('sha256').update(body).digest('hex');
}

/** HMAC-SHA256(key, hash) in hex: only a holder of the key can produce it for a recomputed hash. */
export function macOf(key: string, hash: string): string {
  return createHmac('sha256', key).update(hash).digest('hex');
}

/** Whether `mac` is the MAC of `hash` under `key` (constant-time comparison). */
export function macValid(key: string, hash: string, mac: string): boolean {
  const want = Buffer.from(macOf(key, hash), 'hex');
  const got = Buffer.from(mac, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * Builds the record for `entry` appended after (`prevSeq`, `prevHash`); with `key`, the record
 * carries the MAC of its hash.
 */
export function chainEntry(
  entry: AuditEntryInput,
  at: Date,
  prevSeq: number,
  prevHash: string,
  key?: string,
): AuditRecord {
  const rec = {
    seq: prevSeq + 1,
    at: new Date(Math.floor(at.getTime())),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    before: encodeState(entry.before),
    after: encodeState(entry.after),
    prevHash,
  };
  const hash = hashEntry(rec);
  return key === undefined ? { ...rec, hash } : { ...rec, hash, mac: macOf(key, hash) };
}

export type ChainProblem = { seq: number; reason: 'hash_mismatch' | 'broken_link' | 'gap' };

/**
 * Checks a page of records that follows (`prevSeq`, `prevHash`). Returns the first problem or the
 * position to continue from.
 */
export function verifyPage(
  records: AuditRecord[],
  prevSeq: number,
  prevHash: string,
): { problem: ChainProblem } | { prevSeq: number; prevHash: string } {
  for (const r of records) {
    if (r.seq !== prevSeq + 1) return { problem: { seq: r.seq, reason: 'gap' } };
    if (r.prevHash !== prevHash) return { problem: { seq: r.seq, reason: 'broken_link' } };
    if (hashEntry(r) !== r.hash) return { problem: { seq: r.seq, reason: 'hash_mismatch' } };
    prevSeq = r.seq;
    prevHash = r.hash;
  }
  return { prevSeq, prevHash };
}
