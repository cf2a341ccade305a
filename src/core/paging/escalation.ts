// Durable escalation: every pending step is a row with its due instant. The runner claims due
// steps many at a time in one conditional update that flips them from pending to fired (another
// replica, a retry or a restart sees 0 rows for a step claimed first) and fires them in the same
// transaction: the pages read once, the open pages' row locks taken in one statement, then the
// notifications (outbox), the next step rows and the audit entries written together. A firing that
// throws rolls the batch back; its steps are then fired one by one, each in its own transaction,
// and the failure is recorded on its step, which falls due again after a backoff, until after
// STEP_MAX_ATTEMPTS tries it is set aside and the team is told.
import type { NotifyTarget } from '../policy/schema.js';
import type { Directory } from '../directory.js';
import type { PagingIncidents, PagingOnCall } from './links.js';
import type { AuditEntryInput, Clock, Platform, Store, Tx } from '../ports.js';
import { type Page, type PageStep, type StepTargets, notifySteps, pageRef, progressText, stepAt } from './model.js';
import type { DueStep, NewStep } from './ports.js';
import { noteOnIncident, refreshCopies } from './service.js';
import { stepText } from './cards.js';
import { enqueue, item as outboxItem } from '../outbox/effects.js';
import type { NewOutboxItem } from '../outbox/ports.js';
import { personAddresses, teamChannels } from '../people/addresses.js';
import { backoffMs } from '../outbox/runner.js';
import { PageRefresh, PageSend, PageStepFailed } from './kinds.js';

export interface EscalatorDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  /** Who holds a schedule (the on-call module). */
  oncall: PagingOnCall;
  /** The incidents a page may belong to (absent: incidents are not composed). */
  incidents: () => PagingIncidents | undefined;
  holder: string;
  /** Platforms connected now (notifications go to each where the person or team has an id). */
  platforms: () => Platform[];
  /** Runs due side effects. */
  kick: () => void;
  log: { error(obj: object, msg: string): void; warn?(obj: object, msg: string): void };
  onFired?: (step: PageStep, firedAt: Date) => void;
  /** Called once when a step is set aside after STEP_MAX_ATTEMPTS failed tries (a failure metric). */
  onStepFailed?: (step: DueStep, error: string) => void;
  /** ESCALATION_GATHER_MS unless set (0: every pass at once). */
  gatherMs?: number;
}

/** Poll at least this often for steps written by other replicas. */
export const ESCALATION_POLL_MS = 500;
export const ESCALATION_BATCH = 100;
/**
 * Under load, a pass that fires is at least this long (real time) after the last one that fired,
 * so the steps that fall due meanwhile, and the first steps of pages opened meanwhile, go out in
 * one batch (one transaction, one outbox batch) instead of one each. It adds at most this much to
 * a step's lateness, and only while steps keep falling due; an idle engine fires a step the
 * moment it is due. What is due is decided by the injected clock, never by this pacing.
 */
export const ESCALATION_GATHER_MS = 100;
/** Tries to fire a step before it is set aside (the retries wait 1 s, 2 s, 4 s … between them). */
export const STEP_MAX_ATTEMPTS = 8;

/** What a step's message is: the page, or the notice that it could not escalate (with its send-key prefix). */
interface StepMessage {
  effect: typeof PageSend;
  prefix: string;
}
const STEP_FAILED: StepMessage = { effect: PageStepFailed, prefix: 'page_step_failed' };

/** Who each schedule has on call at the batch's instant (null: nobody; undefined or absent: no such schedule). */
type OnCallCache = Map<string, string | null | undefined>;

/** One address a step's message goes to. */
type Send = { platform: Platform; to: string; kind: 'dm' | 'channel' };

/** What firing one step will write, planned before the page's row lock is taken. */
interface Firing {
  step: DueStep;
  page: Page;
  notified: string[];
  targets: StepTargets;
  sends: Send[];
  /** The step after it (none after the last). */
  next: NewStep | null;
  audit: AuditEntryInput;
  note: { text: string; dedupe: string };
}

export class Escalator {
  /** Cancels the armed wait for the next pass. */
  private cancel: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** When (performance.now()) the last pass that fired anything ended. */
  private lastFired = -Infinity;

  constructor(private readonly d: EscalatorDeps) {}

  private get dir() {
    return this.d.dir();
  }

  private addresses(personId: string) {
    return personAddresses(this.dir, this.d.platforms(), personId);
  }

  private teamChannels(teamId: string) {
    return teamChannels(this.dir, this.d.platforms(), teamId);
  }

  /** Who a level reaches now: people (schedules resolved to whoever is on call), team channels. */
  private resolve(notify: NotifyTarget[], onCall: OnCallCache): StepTargets {
    const out: StepTargets = { people: [], teams: [], missed: [] };
    for (const t of notify) {
      if ('person' in t) {
        if (this.dir.person(t.person)) out.people.push({ person: t.person, via: 'person' });
        else out.missed.push(`${t.person}: no longer in the policy`);
      } else if ('team' in t) {
        if (this.dir.team(t.team)) out.teams.push(t.team);
        else out.missed.push(`team ${t.team}: no longer in the policy`);
      } else {
        const holder = onCall.get(t.schedule);
        if (holder) out.people.push({ person: holder, via: `schedule:${t.schedule}` });
        else
          out.missed.push(holder === null ? `${t.schedule}: nobody on call` : `${t.schedule}: no longer in the policy`);
      }
    }
    return out;
  }

  /** Who holds each schedule the batch's notify steps reach, read once for the batch. */
  private async onCallFor(tx: Tx, plans: readonly { page: Page; step: DueStep }[], now: Date): Promise<OnCallCache> {
    const ids = new Set<string>();
    for (const { page, step } of plans) {
      const s = stepAt(page.path, step.seq);
      if (s.kind !== 'notify') continue;
      for (const t of page.path.levels[s.level]?.notify ?? []) if ('schedule' in t) ids.add(t.schedule);
    }
    return ids.size ? this.d.oncall.holdersAt(tx, [...ids], now) : new Map();
  }

  /** Fires one due step; false when it was not this worker's to fire. Throws when the firing failed (nothing of it was kept). */
  async fire(step: DueStep): Promise<boolean> {
    const now = this.d.clock.now();
    const fired = await this.d.store.transaction(async (tx) => {
      if (!(await tx.pages.claimStep(step.id, this.d.holder, now))) return false;
      await this.fireClaimed(tx, [step], now);
      return true;
    });
    if (fired) {
      this.d.onFired?.(step, now);
      this.d.kick();
    }
    return fired;
  }

  /**
   * Carries out steps this worker claimed in `tx`: reads their pages once, plans every firing,
   * takes the open pages' row locks in one statement (an acknowledgement either committed first,
   * and that page's firing is dropped, or waits for this transaction), then writes the messages,
   * the next steps, the targets reached, the audit entries and the refreshes together.
   */
  private async fireClaimed(tx: Tx, steps: readonly DueStep[], now: Date): Promise<void> {
    const read = await tx.pages.byIds([...new Set(steps.map((s) => s.pageId))]);
    // The page as the firings planned so far leave it (a page normally has one step in a batch).
    const pages = new Map(read.map((p) => [p.id, p]));
    const onCall = await this.onCallFor(
      tx,
      steps.flatMap((step) => {
        const page = pages.get(step.pageId);
        return page && page.status === 'open' ? [{ page, step }] : [];
      }),
      now,
    );
    const plans: Firing[] = [];
    for (const step of steps) {
      const before = pages.get(step.pageId);
      if (!before || before.status !== 'open') continue;
      const s = stepAt(before.path, step.seq);
      const plan =
        s.kind === 'notify' ? this.planNotify(before, step, s.level, now, onCall) : this.planExhausted(before, step);
      plans.push(plan);
      pages.set(before.id, {
        ...before,
        stepSeq: step.seq,
        notified: plan.notified,
        exhaustedAt: plan.next ? before.exhaustedAt : now,
      });
    }
    if (!plans.length) return;
    const moves = [...new Set(plans.map((f) => f.page.id))].map((id) => {
      const p = pages.get(id)!;
      // Exhausted by this batch: its last step fired here (the path has no step after it).
      return {
        id,
        stepSeq: p.stepSeq,
        notified: p.notified,
        exhausted: plans.some((f) => f.page.id === id && !f.next),
      };
    });
    const versions = await tx.pages.advanceIfOpen(moves, now);
    const live = plans.filter((f) => versions.has(f.page.id));
    if (!live.length) return;
    const after = (id: number): Page => ({ ...pages.get(id)!, version: versions.get(id)!, updatedAt: now });
    const items: NewOutboxItem[] = [];
    for (const f of live)
      for (const a of f.sends)
        items.push(
          outboxItem(PageSend, `page_send:${f.page.number}:${f.step.seq}:${a.platform}:${a.to}`, {
            page: f.page.number,
            seq: f.step.seq,
            platform: a.platform,
            to: a.to,
            kind: a.kind,
          }),
        );
    const first = new Map(read.map((p) => [p.id, p]));
    for (const id of versions.keys()) {
      // A page whose first step this is has no copies to edit yet (unless its war room has one).
      const was = first.get(id);
      if (was && was.stepSeq < 0 && was.incidentNumber === null) continue;
      const p = after(id);
      items.push(
        outboxItem(PageRefresh, `page_refresh:${p.number}:${p.version}`, { page: p.number, version: p.version }),
      );
    }
    await tx.outbox.enqueueMany(items, now);
    await tx.pages.recordTargetsMany(live.map((f) => ({ stepId: f.step.id, targets: f.targets })));
    await tx.pages.addSteps(live.flatMap((f) => (f.next ? [f.next] : [])));
    const incidents = this.d.incidents();
    for (const f of live) {
      await tx.audit.append(f.audit, now);
      await noteOnIncident(incidents, tx, after(f.page.id), f.note.text, now, null, f.note.dedupe);
    }
  }

  /** A notify step: who it reaches, the messages, the next step (due at once when nobody was reachable). */
  private planNotify(p: Page, step: DueStep, level: number, now: Date, onCall: OnCallCache): Firing {
    const lvl = p.path.levels[level];
    if (!lvl) throw new Error(`page ${p.id} has no escalation level ${level}`);
    const targets = this.resolve(lvl.notify, onCall);
    const teamMembers = targets.teams.flatMap((t) => this.dir.team(t)?.members ?? []);
    const notified = [...new Set([...p.notified, ...targets.people.map((x) => x.person), ...teamMembers])];
    const sends: Send[] = [
      ...targets.people.flatMap(({ person }) => this.addresses(person).map((a) => ({ ...a, kind: 'dm' as const }))),
      ...targets.teams.flatMap((team) => this.teamChannels(team).map((a) => ({ ...a, kind: 'channel' as const }))),
    ];
    const due = new Date(now.getTime() + (sends.length > 0 ? lvl.ackTimeoutMs : 0));
    const seq = step.seq + 1;
    const ns = stepAt(p.path, seq);
    const names = targets.people
      .map((x) => this.dir.person(x.person)?.name ?? x.person)
      .concat(targets.teams.map((t) => `team ${this.dir.team(t)?.name ?? t}`));
    const what = `${progressText(p.path, step.seq)}: ${names.length ? `notified ${names.join(', ')}` : 'nobody to notify'}${targets.missed.length ? ` (${targets.missed.join('; ')})` : ''}`;
    return {
      step,
      page: p,
      notified,
      targets,
      sends,
      next: { pageId: p.id, seq, round: ns.round, level: ns.level, kind: ns.kind, dueAt: due },
      audit: {
        actor: { platform: 'system' },
        action: 'page.escalated',
        subject: `page:${pageRef(p)}`,
        after: { step: step.seq, round: step.round, level, targets, nextDue: due.toISOString() },
      },
      note: { text: what, dedupe: `step:${step.seq}` },
    };
  }

  /** The last step: nobody acknowledged; the team channel (or whoever paged) hears it. */
  private planExhausted(p: Page, step: DueStep): Firing {
    const channels = (p.path.team ? this.teamChannels(p.path.team) : []).map((a) => ({
      ...a,
      kind: 'channel' as const,
    }));
    // No team channel (e.g. a direct page): whoever paged hears it instead.
    const sends: Send[] = channels.length
      ? channels
      : p.createdBy
        ? this.addresses(p.createdBy).map((a) => ({ ...a, kind: 'dm' as const }))
        : [];
    const rounds = p.path.repeat + 1;
    return {
      step,
      page: p,
      notified: p.notified,
      targets: {
        people: p.createdBy && !channels.length ? [{ person: p.createdBy, via: 'pager' }] : [],
        teams: p.path.team && channels.length ? [p.path.team] : [],
        missed: [],
      },
      sends,
      next: null,
      audit: {
        actor: { platform: 'system' },
        action: 'page.exhausted',
        subject: `page:${pageRef(p)}`,
        after: { step: step.seq, rounds, steps: notifySteps(p.path) },
      },
      note: { text: `nobody acknowledged after ${rounds} round(s); the team was told`, dedupe: 'exhausted' },
    };
  }

  /**
   * Records that firing `step` threw (its own transaction: the firing's rolled back). Before the
   * last try the step falls due again after a backoff; the last failure sets it aside. A step
   * another worker already fired, cancelled or recorded this try for is left alone.
   */
  async failed(step: DueStep, err: unknown): Promise<void> {
    const now = this.d.clock.now();
    const error = err instanceof Error ? err.message : String(err);
    const tries = step.attempts + 1;
    if (tries < STEP_MAX_ATTEMPTS) {
      const retryAt = new Date(now.getTime() + backoffMs(tries));
      if (await this.d.store.transaction((tx) => tx.pages.stepFailed(step.id, step.attempts, error, retryAt)))
        (this.d.log.warn ?? this.d.log.error).call(
          this.d.log,
          { page: step.pageId, step: step.seq, attempts: tries, retryAt: retryAt.toISOString(), err: error },
          'escalation step failed; will retry',
        );
      return;
    }
    const ref = await this.d.store.transaction((tx) => this.setAside(tx, step, error, now));
    if (!ref) return;
    this.d.log.error(
      { page: ref, step: step.seq, attempts: tries, err: error },
      `escalation step set aside after ${tries} failed tries; ${ref} could not escalate`,
    );
    this.d.onStepFailed?.(step, error);
    this.d.kick();
  }

  /** Sets the step aside and tells the service team (or whoever paged); the page's ref, or null when it was not this worker's to do. */
  private async setAside(tx: Tx, step: DueStep, error: string, now: Date): Promise<string | null> {
    if (!(await tx.pages.setAside(step.id, step.attempts, error, now))) return null;
    const tries = step.attempts + 1;
    const before = await tx.pages.byId(step.pageId);
    if (!before) return `page ${step.pageId}`;
    await tx.audit.append(
      {
        actor: { platform: 'system' },
        action: 'page.step_failed',
        subject: `page:${pageRef(before)}`,
        after: { step: step.seq, round: step.round, level: step.level, attempts: tries, error },
      },
      now,
    );
    // A new version, so every copy is edited to say the page could not escalate (and the row lock
    // orders this after an acknowledgement that committed first). Closed pages need no notice.
    const p = await tx.pages.updateIfOpen(before.id, {}, now);
    if (!p) return pageRef(before);
    let deliveries = 0;
    for (const a of p.path.team ? this.teamChannels(p.path.team) : [])
      deliveries += Number(await this.stepMessage(STEP_FAILED, tx, p, step.seq, a, 'channel', now));
    // No team channel (e.g. a direct page): whoever paged hears it instead.
    if (!deliveries && p.createdBy)
      for (const a of this.addresses(p.createdBy)) await this.stepMessage(STEP_FAILED, tx, p, step.seq, a, 'dm', now);
    await noteOnIncident(
      this.d.incidents(),
      tx,
      p,
      `could not escalate: ${stepText(p, step.seq)} failed ${tries} times; reach the on-call another way`,
      now,
      null,
      `failed:${step.seq}`,
    );
    await refreshCopies(tx, p, now);
    return pageRef(p);
  }

  /** A message of step `seq` to one address (the page itself, or its could-not-escalate notice), once per page, step and address. */
  private stepMessage(
    { effect, prefix }: StepMessage,
    tx: Tx,
    p: Page,
    seq: number,
    a: { platform: Platform; to: string },
    kind: 'dm' | 'channel',
    at: Date,
  ) {
    return enqueue(
      tx.outbox,
      effect,
      `${prefix}:${p.number}:${seq}:${a.platform}:${a.to}`,
      { page: p.number, seq, platform: a.platform, to: a.to, kind },
      at,
    );
  }

  // ---- the runner: fires due steps as they fall due, on every replica ----

  start(): void {
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
    await this.running;
  }

  /** Runs due steps now (a new page, an "escalate now"); concurrent wakes coalesce. */
  wake(): void {
    void this.cycle();
  }

  /**
   * One pass (and any wakes it coalesced), then waits through the clock until the next step is
   * due or the next poll. Resolves once the wait is armed: a test clock fires the next one only after.
   */
  private cycle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.cancel?.();
    this.cancel = null;
    this.running = this.gather()
      .then(() => (this.stopped ? ESCALATION_POLL_MS : this.pass()))
      .catch((err) => this.d.log.error({ err: String(err) }, 'escalation pass failed'))
      .then((wait) => {
        this.running = null;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          return this.cycle();
        }
        this.cancel = this.d.clock.setTimer(wait ?? ESCALATION_POLL_MS, () => this.cycle());
      });
    return this.running;
  }

  /** Waits out the rest of the gathering interval after a pass that fired (nothing when idle). */
  private gather(): Promise<void> {
    const left = this.lastFired + (this.d.gatherMs ?? ESCALATION_GATHER_MS) - performance.now();
    return left > 0 ? new Promise((resolve) => setTimeout(resolve, left)) : Promise.resolve();
  }

  /**
   * Fires everything due, a batch per transaction; returns how long to sleep until the next step
   * (at most the poll period).
   */
  async pass(): Promise<number> {
    for (;;) {
      let batch: { fired: DueStep[]; at: Date; next: Date | null };
      try {
        batch = await this.d.store.transaction(async (tx) => {
          // Due as of the connection, not the question: the transaction may have waited for it.
          const at = this.d.clock.now();
          const fired = await tx.pages.claimDue(at, this.d.holder, ESCALATION_BATCH);
          if (fired.length) await this.fireClaimed(tx, fired, at);
          return { fired, at, next: fired.length < ESCALATION_BATCH ? await tx.pages.nextDue() : null };
        });
      } catch {
        // A step's firing threw and the batch rolled back with it: fire the due steps one by one,
        // so the others go out and the failure is recorded on its own step.
        const fired = await this.oneByOne();
        if (this.stopped || fired === 0) return ESCALATION_POLL_MS;
        continue;
      }
      for (const s of batch.fired) this.d.onFired?.(s, batch.at);
      if (batch.fired.length) {
        this.lastFired = performance.now();
        this.d.kick();
      }
      if (batch.fired.length === ESCALATION_BATCH) {
        if (this.stopped) return ESCALATION_POLL_MS;
        continue;
      }
      if (!batch.next) return ESCALATION_POLL_MS;
      const wait = batch.next.getTime() - this.d.clock.now().getTime();
      if (wait > 0) return Math.min(wait, ESCALATION_POLL_MS);
      // Due already but not claimed here: another replica holds it (wait a poll rather than spin),
      // or it fell due since the claim (gather a batch of those first).
      if (this.stopped || !batch.fired.length) return ESCALATION_POLL_MS;
      await this.gather();
    }
  }

  /** The due steps, each in its own transaction (after a batch failed); how many this worker fired. */
  private async oneByOne(): Promise<number> {
    const now = this.d.clock.now();
    const due = await this.d.store.transaction((tx) => tx.pages.pendingSteps(now, ESCALATION_BATCH));
    let fired = 0;
    await runLimited(due, this.d.store.writeConcurrency, async (s) => {
      try {
        fired += Number(await this.fire(s));
      } catch (err) {
        // Recording the failure may fail too (the database is away): the step stays due as it was.
        await this.failed(s, err).catch((e) =>
          this.d.log.error(
            { err: String(e), firing: String(err), page: s.pageId, step: s.seq },
            'escalation step failed; could not record the failure',
          ),
        );
      }
    });
    return fired;
  }
}

async function runLimited<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}
