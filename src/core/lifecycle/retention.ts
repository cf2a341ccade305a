// Retention and disposal: what the policy's `retention` says has been kept long enough goes, in
// batches, each batch one transaction with the audit entry that records it, so a run that stops
// half-way loses nothing and the next run goes on where it stopped (it is idempotent: what is gone
// is not found again). Nothing that an open item refers to goes (see the store's RetentionRepo).
// The oldest audit entries go last, each batch with a checkpoint entry appended in the same
// transaction: the chain then verifies from the hash of the last entry disposed of.
import { CHECKPOINT_ACTION, checkpointSubject, type Checkpoint } from '../audit/audit.js';
import type { Directory } from '../directory.js';
import type { ActorRef, Clock, Store } from '../ports.js';
import type { RetentionPolicy } from '../policy/schema.js';
import { parseDuration } from '../shared/duration.js';
import { DISPOSAL_KINDS, type DisposalKind } from './ports.js';

export type RetainedKind = DisposalKind | 'audit';

export interface KindOutcome {
  kind: RetainedKind;
  /** Records older than this go. */
  cutoff: Date;
  /** Records disposed of (or, in a dry run, that would be). */
  records: number;
  /** Records past the cutoff kept because something open refers to them. */
  kept: number;
  /** Rows removed per table (records and what belongs to them); empty in a dry run. */
  rows: Record<string, number>;
}

export interface DisposalRun {
  dryRun: boolean;
  at: Date;
  kinds: KindOutcome[];
}

/** The cutoff of each kind the policy gives a retention for (none: keep everything). */
export function cutoffs(policy: RetentionPolicy | undefined, now: Date): { kind: RetainedKind; cutoff: Date }[] {
  if (!policy) return [];
  const out: { kind: RetainedKind; cutoff: Date }[] = [];
  for (const kind of [...DISPOSAL_KINDS, 'audit'] as const) {
    const keep = policy[kind];
    if (keep) out.push({ kind, cutoff: new Date(now.getTime() - parseDuration(keep)) });
  }
  return out;
}

export class RetentionService {
  constructor(private readonly d: { store: Store; clock: Clock; dir: () => Directory }) {}

  /**
   * Disposes of (or with `dryRun`, counts) what is past its retention at `now`. `actor` is who
   * asked (the job: system; the CLI: its user), as the audit log records it.
   */
  async run(now: Date, opts: { dryRun?: boolean; actor?: ActorRef } = {}): Promise<DisposalRun> {
    const policy = this.d.dir().policy.retention;
    const batch = policy?.batch ?? 500;
    const actor = opts.actor ?? { platform: 'system' };
    const kinds: KindOutcome[] = [];
    for (const { kind, cutoff } of cutoffs(policy, now)) {
      kinds.push(
        kind === 'audit'
          ? await this.audit(cutoff, batch, !!opts.dryRun, actor)
          : await this.records(kind, cutoff, batch, !!opts.dryRun, actor),
      );
    }
    const run: DisposalRun = { dryRun: !!opts.dryRun, at: now, kinds };
    if (!opts.dryRun && kinds.some((k) => k.records > 0))
      await this.d.store.transaction((tx) =>
        tx.audit.append(
          {
            actor,
            action: 'retention.run',
            subject: 'retention',
            after: {
              kinds: Object.fromEntries(
                kinds.map((k) => [k.kind, { cutoff: k.cutoff.toISOString(), records: k.records, kept: k.kept }]),
              ),
            },
          },
          this.d.clock.now(),
        ),
      );
    return run;
  }

  private async records(
    kind: DisposalKind,
    cutoff: Date,
    batch: number,
    dryRun: boolean,
    actor: ActorRef,
  ): Promise<KindOutcome> {
    const out: KindOutcome = { kind, cutoff, records: 0, kept: 0, rows: {} };
    let after: number | string | null = null;
    for (;;) {
      // One batch: the scan, the removal and its audit entry commit together.
      const step = await this.d.store.transaction(async (tx) => {
        const scan = await tx.retention.scan(kind, cutoff, after, batch);
        const none: Record<string, number> = {};
        if (dryRun || !scan.ids.length) return { scan, rows: none };
        const rows = await tx.retention.dispose(kind, scan.ids);
        const records = rows[MAIN_TABLE[kind]] ?? 0;
        if (records)
          await tx.audit.append(
            {
              actor,
              action: 'retention.disposed',
              subject: `retention:${kind}`,
              after: { kind, cutoff: cutoff.toISOString(), records, rows, first: scan.ids[0], last: scan.ids.at(-1) },
            },
            this.d.clock.now(),
          );
        return { scan, rows };
      });
      out.kept += step.scan.kept;
      out.records += dryRun ? step.scan.ids.length : (step.rows[MAIN_TABLE[kind]] ?? 0);
      for (const [t, n] of Object.entries(step.rows)) out.rows[t] = (out.rows[t] ?? 0) + n;
      if (step.scan.next === null) return out;
      after = step.scan.next;
    }
  }

  private async audit(cutoff: Date, batch: number, dryRun: boolean, actor: ActorRef): Promise<KindOutcome> {
    const out: KindOutcome = { kind: 'audit', cutoff, records: 0, kept: 0, rows: {} };
    if (dryRun) {
      // Counted page by page, as they would go: the oldest first, up to the first that is not past the cutoff.
      for (let from = 0; ;) {
        const page = await this.d.store.auditReader.page(from, batch);
        let stop = page.length < batch;
        for (const e of page) {
          if (e.at >= cutoff) {
            stop = true;
            break;
          }
          out.records++;
        }
        if (stop || !page.length) return out;
        from = page[page.length - 1]!.seq;
      }
    }
    for (;;) {
      const n = await this.d.store.transaction(async (tx) => {
        const prefix = await tx.retention.auditPrefix(cutoff, batch);
        if (!prefix) return 0;
        const removed = await tx.retention.disposeAuditThrough(prefix.last.seq);
        const checkpoint: Checkpoint = {
          seq: prefix.last.seq,
          hash: prefix.last.hash,
          before: cutoff.toISOString(),
          disposed: removed,
        };
        // Appended after the entries go, in the same transaction: the log always starts at a
        // vouched-for entry, whatever point a run stops at.
        await tx.audit.append(
          { actor, action: CHECKPOINT_ACTION, subject: checkpointSubject(prefix.last.seq), after: checkpoint },
          this.d.clock.now(),
        );
        return removed;
      });
      out.records += n;
      if (n) out.rows.audit_entry = (out.rows.audit_entry ?? 0) + n;
      if (n < batch) return out;
    }
  }
}

/** The table a kind's records are in (the others hold what belongs to them). */
const MAIN_TABLE: Record<DisposalKind, string> = {
  incidents: 'incident',
  changes: 'change',
  alerts: 'alert_group',
  pages: 'page',
  findings: 'finding',
  drafts: 'form_draft',
};
