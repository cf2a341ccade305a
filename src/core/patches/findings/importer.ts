// Importing a scanner report: the report is the whole truth for its (service, scanner). One
// transaction per report, after the service's import lock: findings it lists are created or
// updated (a returning one reopened with its first-seen instant kept, so the SLA clock does not
// restart), findings it no longer lists lose that scanner, and a finding no scanner lists any more
// is fixed. The same key from two scanners is one finding: it is fixed only when neither lists it.
// Everything is compared in memory and written in batches; an identical report writes no finding.
import { createHash } from 'node:crypto';
import type { Directory } from '../../directory.js';
import type { ActorRef, Clock, Store, Tx } from '../../ports.js';
import { DeadlineRules } from './deadlines.js';
import { type ImportSummary, type ScannerWord, scannerId, stateOf } from './model.js';
import { type Format, type NormalizedFinding, parseReport } from './parsers/index.js';
import type { FindingEvent, FindingWrite, KevEntry } from './ports.js';

export type ImportPhase = 'parsing' | 'comparing' | 'writing' | 'done';

export interface ImportRequest {
  serviceId: string;
  input: string | Uint8Array;
  format?: Format;
  actor: ActorRef;
  /** Recorded in the import log: `cli:<user>`, `api:<token id>`. */
  by: string;
  /** Progress, for a terminal showing a progress line. */
  onProgress?: (phase: ImportPhase, done: number, total: number) => void;
}

export type ImportResult =
  | { ok: true; summary: ImportSummary }
  | { ok: false; code: 'REPORT.UNREADABLE' | 'SERVICE.NOT_FOUND'; format?: Format; reason: string };

/** What the reports say about a finding, as one digest: an identical report leaves the row alone. */
export function digestOf(f: NormalizedFinding): string {
  const parts = [
    f.vulnId,
    f.aliases.join(','),
    f.package.name,
    f.package.ecosystem,
    f.package.purl ?? '',
    f.installedVersion,
    f.fixedVersions.join(','),
    f.severity,
    f.cvss?.score ?? '',
    f.cvss?.vector ?? '',
    f.knownExploited ? 1 : 0,
    f.epss ?? '',
    JSON.stringify(f.location),
    f.title ?? '',
    f.url ?? '',
    f.remediation ?? '',
    f.suppression ? `${f.suppression.state}:${f.suppression.justification ?? ''}:${f.suppression.detail ?? ''}` : '',
  ];
  return createHash('sha1').update(parts.join('\u0000')).digest('base64url');
}

/** The earliest KEV due date among a finding's ids (CVE and aliases), or undefined when none is listed. */
export function kevHit(kev: Map<string, KevEntry>, ids: readonly string[]): KevEntry | undefined {
  let hit: KevEntry | undefined;
  for (const id of ids) {
    const e = kev.get(id.toUpperCase());
    if (e && (!hit || e.dueDate < hit.dueDate)) hit = e;
  }
  return hit;
}

/** Findings compared before their rows are written (one upsert statement per 5,000 in the store). */
const WRITE_CHUNK = 5000;

const sameScanners = (a: Record<string, ScannerWord>, b: Record<string, ScannerWord>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

export async function importReport(
  deps: { store: Store; clock: Clock; dir: Directory },
  req: ImportRequest,
): Promise<ImportResult> {
  const progress = req.onProgress ?? (() => undefined);
  progress('parsing', 0, 0);
  if (!deps.dir.service(req.serviceId))
    return { ok: false, code: 'SERVICE.NOT_FOUND', reason: `there is no service "${req.serviceId}" in the policy` };
  const parsed = parseReport(req.input, { format: req.format });
  if (!parsed.ok) return { ok: false, code: 'REPORT.UNREADABLE', format: parsed.format, reason: parsed.reason };
  const scanner = scannerId(parsed.scanner.name);
  const digests = parsed.findings.map(digestOf);
  const rules = new DeadlineRules(deps.dir);
  const summary = await deps.store.transaction(async (tx) => {
    const now = deps.clock.now();
    await tx.findings.lockService(req.serviceId, now);
    progress('comparing', 0, parsed.findings.length);
    const stored = new Map((await tx.findings.snapshot(req.serviceId)).map((s) => [s.key, s]));
    const kev = await tx.findings.kev();
    const counts = { new: 0, unchanged: 0, fixed: 0, reopened: 0, suppressed: 0, changed: 0 };
    let writes: FindingWrite[] = [];
    let written = 0;
    // Written as they are compared, a chunk at a time: a 100,000-finding report never holds them all twice.
    const flush = async () => {
      await tx.findings.upsert(writes, now);
      written += writes.length;
      writes = [];
      progress('writing', written, parsed.findings.length);
    };
    const events: Omit<FindingEvent, 'importId'>[] = [];
    const listed = new Set<string>();
    const findings = parsed.findings as (NormalizedFinding | undefined)[];
    for (let i = 0; i < findings.length; i++) {
      const f = findings[i]!;
      const digest = digests[i]!; // digests run in parallel with the findings
      findings[i] = undefined; // its memory can go once compared
      if (writes.length >= WRITE_CHUNK) await flush();
      listed.add(f.key);
      const word: ScannerWord = f.suppression ? 'suppressed' : 'open';
      const before = stored.get(f.key);
      const scanners = { ...(before?.scanners ?? {}), [scanner]: word };
      const state = stateOf(scanners);
      if (word === 'suppressed') counts.suppressed++;
      if (before && before.digest === digest && before.state === state && sameScanners(before.scanners, scanners)) {
        if (word === 'open') counts.unchanged++;
        continue;
      }
      if (!before) {
        if (word === 'open') counts.new++;
      } else if (before.state !== 'open' && state === 'open' && word === 'open') {
        counts.reopened++;
        events.push({ findingId: before.id, kind: 'reopened', detail: `listed again by ${scanner}`, at: now });
      } else {
        if (word === 'open') counts.unchanged++;
        if (before.digest !== digest) counts.changed++;
        if (before.state !== state)
          events.push({
            findingId: before.id,
            kind: 'suppressed',
            detail: f.suppression?.justification ?? f.suppression?.state,
            at: now,
          });
        else if (before.digest !== digest)
          events.push({ findingId: before.id, kind: 'changed', detail: `${scanner}: details changed`, at: now });
      }
      const firstSeenAt = before?.firstSeenAt ?? now;
      const hit = kevHit(kev, [f.vulnId, ...f.aliases]);
      const knownExploited = !!f.knownExploited || !!hit;
      const kevDueDate = hit?.dueDate ?? null;
      writes.push({
        serviceId: req.serviceId,
        key: f.key,
        vulnId: f.vulnId,
        aliases: f.aliases,
        packageName: f.package.name,
        ecosystem: f.package.ecosystem,
        purl: f.package.purl ?? null,
        installedVersion: f.installedVersion,
        fixedVersions: f.fixedVersions,
        severity: f.severity,
        cvss: f.cvss?.score ?? null,
        cvssVector: f.cvss?.vector ?? null,
        knownExploited,
        reportedExploited: !!f.knownExploited,
        kevDueDate,
        epss: f.epss ?? null,
        location: f.location,
        title: f.title ?? null,
        url: f.url ?? null,
        remediation: f.remediation ?? null,
        state,
        justification:
          state === 'suppressed'
            ? (f.suppression?.justification ?? f.suppression?.detail ?? f.suppression?.state ?? null)
            : null,
        scanners,
        firstSeenAt,
        lastSeenAt: now,
        fixedAt: null,
        deadline: rules.deadline({
          serviceId: req.serviceId,
          severity: f.severity,
          firstSeenAt,
          knownExploited,
          kevDueDate,
        }),
        digest,
      });
    }
    await flush();
    // Findings this scanner listed before and no longer does.
    const fixed: number[] = [];
    const narrowed = new Map<
      string,
      { ids: number[]; scanners: Record<string, ScannerWord>; state: ReturnType<typeof stateOf> }
    >();
    for (const s of stored.values()) {
      if (listed.has(s.key) || !Object.hasOwn(s.scanners, scanner)) continue;
      const { [scanner]: _gone, ...rest } = s.scanners;
      const state = stateOf(rest);
      if (state === 'fixed') {
        fixed.push(s.id);
        events.push({ findingId: s.id, kind: 'fixed', detail: `no longer listed by ${scanner}`, at: now });
        continue;
      }
      const text = JSON.stringify(rest);
      const g = narrowed.get(text) ?? { ids: [], scanners: rest, state };
      g.ids.push(s.id);
      narrowed.set(text, g);
      if (state !== s.state)
        events.push({
          findingId: s.id,
          kind: state === 'open' ? 'reopened' : 'suppressed',
          detail: `${scanner} no longer lists it`,
          at: now,
        });
    }
    counts.fixed = fixed.length;
    await tx.findings.markFixed(fixed, now);
    await tx.findings.setScanners([...narrowed.values()], now);
    const importId = await tx.findings.logImport({
      serviceId: req.serviceId,
      scanner,
      format: parsed.format,
      total: parsed.findings.length,
      created: counts.new,
      unchanged: counts.unchanged,
      changed: counts.changed,
      fixed: counts.fixed,
      reopened: counts.reopened,
      suppressed: counts.suppressed,
      importedBy: req.by,
      at: now,
    });
    await tx.findings.addEvents(events.map((e) => ({ ...e, importId })));
    const result: ImportSummary = {
      format: parsed.format,
      service: req.serviceId,
      scanner,
      total: parsed.findings.length,
      importId,
      ...counts,
    };
    await recordImport(tx, req.actor, result, now);
    return result;
  });
  progress('done', summary.total, summary.total);
  return { ok: true, summary };
}

/** One audit entry per import, with its counts (never one per finding). */
async function recordImport(tx: Tx, actor: ActorRef, s: ImportSummary, at: Date) {
  const { format, scanner, total, importId } = s;
  await tx.audit.append(
    {
      actor,
      action: 'findings.imported',
      subject: `service:${s.service}`,
      after: {
        importId,
        format,
        scanner,
        total,
        new: s.new,
        unchanged: s.unchanged,
        fixed: s.fixed,
        reopened: s.reopened,
        suppressed: s.suppressed,
      },
    },
    at,
  );
}
