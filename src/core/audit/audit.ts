// Audit use cases that are not part of another area: verify the chain.
import type { AuditReader } from '../ports.js';
import { GENESIS_HASH, type ChainProblem, verifyPage } from './chain.js';

export const VERIFY_PAGE = 1_000;

export type VerifyResult = { ok: true; checked: number } | { ok: false; checked: number; problem: ChainProblem };

/** Walks the whole log in order and reports the first entry whose chain does not hold. */
export async function verifyAuditLog(reader: AuditReader): Promise<VerifyResult> {
  let prevSeq = 0;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const page = await reader.page(prevSeq, VERIFY_PAGE);
    if (page.length === 0) return { ok: true, checked };
    const r = verifyPage(page, prevSeq, prevHash);
    if ('problem' in r) return { ok: false, checked: checked + (r.problem.seq - prevSeq - 1), problem: r.problem };
    checked += page.length;
    prevSeq = r.prevSeq;
    prevHash = r.prevHash;
  }
}
