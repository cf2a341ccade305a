// Durable escalation: every pending step is a row with its due instant. The runner fires due
// steps; a step fires once because only the worker whose conditional update flips it from
// pending to fired carries it out (other replicas, retries and restarts see 0 rows). Firing
// writes the notifications (outbox), the next step row and the audit entry in one transaction.
// A firing that throws rolls back whole; the failure is then recorded on the step, which falls due
// again after a backoff, until after STEP_MAX_ATTEMPTS tries it is set aside and the team is told.
import type { NotifyTarget } from '../policy/schema.js';
import type { Directory } from '../directory.js';
import type { PagingIncidents, PagingOnCall } from './links.js';
import type { Clock, Platform, Store, Tx } from '../ports.js';
import { type Page, type PageStep, type StepTargets, notifySteps, pageRef, progressText, stepAt } from './model.js';
import type { DueStep } from './ports.js';
import { noteOnIncident, refreshCopies } from './service.js';
import { stepText } from './cards.js';
import { enqueue } from '../outbox/effects.js';
import { personAddresses, teamChannels } from '../people/addresses.js';
import { backoffMs } from '../outbox/runner.js';
import { PageSend, PageStepFailed } from './kinds.js';

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
}

/** Poll at least this often for steps written by other replicas. */
export const ESCALATION_POLL_MS = 500;
export const ESCALATION_BATCH = 100;
/** Tries to fire a step before it is set aside (the retries wait 1 s, 2 s, 4 s … between them). */
export const STEP_MAX_ATTEMPTS = 8;

/** What a step's message is: the page, or the notice that it could not escalate (with its send-key prefix). */
interface StepMessage {
  effect: typeof PageSend;
  prefix: string;
}
const SEND: StepMessage = { effect: PageSend, prefix: 'page_send' };
const STEP_FAILED: StepMessage = { effect: PageStepFailed, prefix: 'page_step_failed' };

export class Escalator {
  /** Cancels the armed wait for the next pass. */
  private cancel: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

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
  private async resolve(tx: Tx, notify: NotifyTarget[], at: Date): Promise<StepTargets> {
    const out: StepTargets = { people: [], teams: [], missed: [] };
    for (const t of notify) {
      if ('person' in t) {
        if (this.dir.person(t.person)) out.people.push({ person: t.person, via: 'person' });
        else out.missed.push(`${t.person}: no longer in the policy`);
      } else if ('team' in t) {
        if (this.dir.team(t.team)) out.teams.push(t.team);
        else out.missed.push(`team ${t.team}: no longer in the policy`);
      } else {
        const holder = await this.d.oncall.holderAt(tx, t.schedule, at);
        if (holder) out.people.push({ person: holder, via: `schedule:${t.schedule}` });
        else
          out.missed.push(holder === null ? `${t.schedule}: nobody on call` : `${t.schedule}: no longer in the policy`);
      }
    }
    return out;
  }

  /** Fires one due step; false when it was not this worker's to fire. Throws when the firing failed (nothing of it was kept). */
  async fire(step: DueStep): Promise<boolean> {
    const now = this.d.clock.now();
    const fired = await this.d.store.transaction(async (tx) => {
      if (!(await tx.pages.claimStep(step.id, this.d.holder, now))) return false;
      // Only this step's firing changes what the page notified, so reading before the lock is safe.
      const before = await tx.pages.byId(step.pageId);
      if (!before || before.status !== 'open') return true;
      const s = stepAt(before.path, step.seq);
      if (s.kind === 'notify') await this.notify(tx, before, step, s.level, now);
      else await this.exhausted(tx, before, step, now);
      return true;
    });
    if (fired) {
      this.d.onFired?.(step, now);
      this.d.kick();
    }
    return fired;
  }

  private async notify(tx: Tx, before: Page, step: PageStep, level: number, now: Date) {
    const lvl = before.path.levels[level];
    if (!lvl) throw new Error(`page ${before.id} has no escalation level ${level}`);
    const targets = await this.resolve(tx, lvl.notify, now);
    const teamMembers = targets.teams.flatMap((t) => this.dir.team(t)?.members ?? []);
    const notified = [...new Set([...before.notified, ...targets.people.map((x) => x.person), ...teamMembers])];
    // Lock the page: an acknowledgement either committed first (nothing to do) or waits for us.
    const p = await tx.pages.updateIfOpen(before.id, { stepSeq: step.seq, notified }, now);
    if (!p) return;
    let deliveries = 0;
    for (const { person } of targets.people)
      for (const a of this.addresses(person))
        deliveries += Number(await this.stepMessage(SEND, tx, p, step.seq, a, 'dm', now));
    for (const team of targets.teams)
      for (const a of this.teamChannels(team))
        deliveries += Number(await this.stepMessage(SEND, tx, p, step.seq, a, 'channel', now));
    await tx.pages.recordTargets(step.id, targets);
    // Nobody reachable at this level (e.g. nobody on call): the next level is due at once.
    const due = new Date(now.getTime() + (deliveries > 0 ? lvl.ackTimeoutMs : 0));
    const seq = step.seq + 1;
    const ns = stepAt(p.path, seq);
    await tx.pages.addStep({ pageId: p.id, seq, round: ns.round, level: ns.level, kind: ns.kind, dueAt: due });
    const names = targets.people
      .map((x) => this.dir.person(x.person)?.name ?? x.person)
      .concat(targets.teams.map((t) => `team ${this.dir.team(t)?.name ?? t}`));
    const what = `${progressText(p.path, step.seq)}: ${names.length ? `notified ${names.join(', ')}` : 'nobody to notify'}${targets.missed.length ? ` (${targets.missed.join('; ')})` : ''}`;
    await tx.audit.append(
      {
        actor: { platform: 'system' },
        action: 'page.escalated',
        subject: `page:${pageRef(p)}`,
        after: { step: step.seq, round: step.round, level, targets, nextDue: due.toISOString() },
      },
      now,
    );
    await noteOnIncident(this.d.incidents(), tx, p, what, now, null, `step:${step.seq}`);
    await refreshCopies(tx, p, now);
  }

  private async exhausted(tx: Tx, before: Page, step: PageStep, now: Date) {
    const p = await tx.pages.updateIfOpen(before.id, { stepSeq: step.seq, exhaustedAt: now }, now);
    if (!p) return;
    const channels = p.path.team ? this.teamChannels(p.path.team) : [];
    let deliveries = 0;
    for (const a of channels) deliveries += Number(await this.stepMessage(SEND, tx, p, step.seq, a, 'channel', now));
    // No team channel (e.g. a direct page): whoever paged hears it instead.
    if (!deliveries && p.createdBy)
      for (const a of this.addresses(p.createdBy)) await this.stepMessage(SEND, tx, p, step.seq, a, 'dm', now);
    const rounds = p.path.repeat + 1;
    await tx.pages.recordTargets(step.id, {
      people: p.createdBy && !deliveries ? [{ person: p.createdBy, via: 'pager' }] : [],
      teams: p.path.team && deliveries ? [p.path.team] : [],
      missed: [],
    });
    await tx.audit.append(
      {
        actor: { platform: 'system' },
        action: 'page.exhausted',
        subject: `page:${pageRef(p)}`,
        after: { step: step.seq, rounds, steps: notifySteps(p.path) },
      },
      now,
    );
    await noteOnIncident(
      this.d.incidents(),
      tx,
      p,
      `nobody acknowledged after ${rounds} round(s); the team was told`,
      now,
      null,
      'exhausted',
    );
    await refreshCopies(tx, p, now);
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
    this.running = this.pass()
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

  /** Fires everything due; returns how long to sleep until the next step (at most the poll period). */
  async pass(): Promise<number> {
    for (;;) {
      // One query per poll: the steps due before the next poll, split into those due now and the
      // first one still to come (the runner sleeps until then).
      const horizon = new Date(this.d.clock.now().getTime() + ESCALATION_POLL_MS);
      const soon = await this.d.store.transaction((tx) => tx.pages.pendingSteps(horizon, ESCALATION_BATCH));
      // Due as of the answer, not the question: the transaction may have waited for the connection.
      const now = this.d.clock.now().getTime();
      const due = soon.filter((s) => s.dueAt.getTime() <= now);
      if (!due.length) return soon.length ? Math.max(0, soon[0]!.dueAt.getTime() - now) : ESCALATION_POLL_MS;
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
      // Nothing fired (failures, or other replicas took them): wait a poll period rather than spin.
      if (this.stopped || fired === 0) return ESCALATION_POLL_MS;
    }
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
