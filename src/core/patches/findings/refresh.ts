// Deadlines and KEV flags of stored findings: recomputed when the policy changes (reload, start)
// and when a KEV catalog is imported. Only findings whose values move are written, in groups.
import type { Directory } from '../../directory.js';
import type { ActorRef, Clock, Store } from '../../ports.js';
import { DeadlineRules, kevDueInstant } from './deadlines.js';
import { kevHit } from './importer.js';
import type { DeadlineGroup, DeadlineRow, FindingEvent, FindingRepo, KevEntry } from './ports.js';

const same = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'none');

/** Recomputes KEV flags and deadlines of every finding not fixed (each change in its history); returns how many moved. */
async function refresh(
  repo: FindingRepo,
  dir: Directory,
  at: Date,
  why: string,
): Promise<{ moved: number; flagged: number; rows: DeadlineRow[] }> {
  await repo.lockAllServices();
  const rules = new DeadlineRules(dir);
  const kev = await repo.kev();
  const rows = await repo.deadlineRows();
  const groups = new Map<string, DeadlineGroup>();
  let moved = 0;
  let flagged = 0;
  const events: FindingEvent[] = [];
  for (const r of rows) {
    const hit = kevHit(kev, [r.vulnId, ...r.aliases]);
    const knownExploited = r.reportedExploited || !!hit;
    const kevDueDate = hit?.dueDate ?? null;
    const deadline = rules.deadline({ ...r, knownExploited, kevDueDate });
    if (knownExploited === r.knownExploited && same(kevDueDate, r.kevDueDate) && same(deadline, r.deadline)) continue;
    if (knownExploited && !r.knownExploited) {
      flagged++;
      events.push({
        findingId: r.id,
        importId: null,
        kind: 'kev',
        detail: `in the KEV catalog${kevDueDate ? `, due ${day(kevDueDate)}` : ''}`,
        at,
      });
    }
    if (!same(deadline, r.deadline)) {
      moved++;
      events.push({
        findingId: r.id,
        importId: null,
        kind: 'deadline',
        detail: `${why}: ${day(r.deadline)} → ${day(deadline)}`,
        at,
      });
    }
    const k = `${knownExploited}|${kevDueDate?.getTime()}|${deadline?.getTime()}`;
    const g = groups.get(k) ?? { ids: [], knownExploited, kevDueDate, deadline };
    g.ids.push(r.id);
    groups.set(k, g);
  }
  await repo.setDeadlines([...groups.values()], at);
  await repo.addEvents(events);
  return { moved, flagged, rows };
}

/** After a policy change: every open finding's deadline under the new SLAs. Returns how many moved. */
export async function recomputeDeadlines(deps: { store: Store; clock: Clock }, dir: Directory): Promise<number> {
  return deps.store.transaction(
    async (tx) => (await refresh(tx.findings, dir, deps.clock.now(), 'policy changed')).moved,
  );
}

export type KevImport = { ok: true; entries: number; flagged: number; moved: number } | { ok: false; reason: string };

/** Reads CISA's KEV catalog JSON (`vulnerabilities[].cveID`, `dueDate`, `dateAdded`, `knownRansomwareCampaignUse`). */
export function parseKev(text: string): { ok: true; entries: KevEntry[] } | { ok: false; reason: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  const list = (v as { vulnerabilities?: unknown })?.vulnerabilities;
  if (!Array.isArray(list)) return { ok: false, reason: 'not a KEV catalog: it has no "vulnerabilities" list' };
  const entries = new Map<string, KevEntry>();
  for (const [i, raw] of list.entries()) {
    const e = raw as Record<string, unknown>;
    const cve = typeof e?.cveID === 'string' ? e.cveID.trim().toUpperCase() : '';
    if (!/^CVE-\d{4}-\d{4,}$/.test(cve))
      return { ok: false, reason: `vulnerabilities[${i}].cveID: not a CVE id (${JSON.stringify(e?.cveID)})` };
    const due = kevDueInstant(typeof e.dueDate === 'string' ? e.dueDate : '');
    const added = kevDueInstant(typeof e.dateAdded === 'string' ? e.dateAdded : '');
    if (!due)
      return {
        ok: false,
        reason: `vulnerabilities[${i}].dueDate: not a date YYYY-MM-DD (${JSON.stringify(e.dueDate)})`,
      };
    if (!added)
      return {
        ok: false,
        reason: `vulnerabilities[${i}].dateAdded: not a date YYYY-MM-DD (${JSON.stringify(e.dateAdded)})`,
      };
    const str = (x: unknown) => (typeof x === 'string' && x.trim() ? x.trim().slice(0, 200) : undefined);
    entries.set(cve, {
      cveId: cve,
      dueDate: due,
      dateAdded: new Date(added.getTime() - 86_400_000),
      ransomware:
        typeof e.knownRansomwareCampaignUse === 'string' && e.knownRansomwareCampaignUse.toLowerCase() === 'known',
      vendor: str(e.vendorProject),
      product: str(e.product),
      name: str(e.vulnerabilityName),
    });
  }
  return { ok: true, entries: [...entries.values()] };
}

/** Replaces the stored KEV catalog, flags the findings it lists and moves their deadlines; one audit entry. */
export async function importKev(
  deps: { store: Store; clock: Clock },
  dir: Directory,
  text: string,
  actor: ActorRef,
): Promise<KevImport> {
  const parsed = parseKev(text);
  if (!parsed.ok) return parsed;
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    await tx.findings.lockAllServices(); // before the catalog changes: an import waits for the new one
    await tx.findings.replaceKev(parsed.entries, now);
    const r = await refresh(tx.findings, dir, now, 'KEV catalog imported');
    await tx.audit.append(
      {
        actor,
        action: 'kev.imported',
        subject: 'kev',
        after: { entries: parsed.entries.length, flagged: r.flagged, moved: r.moved },
      },
      now,
    );
    return { ok: true as const, entries: parsed.entries.length, flagged: r.flagged, moved: r.moved };
  });
}
