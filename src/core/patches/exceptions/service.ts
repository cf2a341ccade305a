// Risk exception use cases: request (field errors for a bad justification or expiry), approve /
// reject under the same quorum rules as change approvals (separation of duties, decided once on
// the row lock), and expiry, which reactivates the finding and tells its service's owners. Each is
// one transaction with its audit entries (on the finding's subject) and the outbox items that
// deliver and refresh every copy.
import { evaluateQuorum, type Quorum } from '../../approvals/quorum.js';
import { type Reply, ephemeral, txt } from '../../card.js';
import type { Ctx } from '../../context.js';
import type { Directory } from '../../directory.js';
import { fail, ok, type Outcome } from '../../errors.js';
import { enqueue } from '../../outbox/effects.js';
import { personOn } from '../../people/addresses.js';
import type { Platform, Store, Tx } from '../../ports.js';
import { readUntil } from './forms.js';
import { ExceptionRefresh, ExceptionSend } from './kinds.js';
import { type ExceptionDecisionRow, type RiskException, STATE_LABEL, exceptionRef } from './model.js';
import './ports.js';
import { findingRef } from '../findings/model.js';

export interface ExceptionView {
  e: RiskException;
  decisions: ExceptionDecisionRow[];
  quorum: Quorum;
}

export interface ExceptionDeps {
  store: Store;
  dir: () => Directory;
  kick: () => void;
  platforms: () => Platform[];
}

export type ExceptionRequested = { ok: true; e: RiskException; created: boolean } | { ok: false; fields: Record<string, string> } | { ok: false; refused: Outcome<never> };

const DEFAULT_EXCEPTIONS = { maxDuration: '180d', approve: [{ owners: 1 }] } as const;

export class ExceptionService {
  constructor(private readonly d: ExceptionDeps) {}

  private get dir() {
    return this.d.dir();
  }

  private settings() {
    return this.dir.policy.patches?.exceptions ?? DEFAULT_EXCEPTIONS;
  }

  view(e: RiskException, decisions: ExceptionDecisionRow[]): ExceptionView {
    const s = this.dir.service(e.serviceId);
    const quorum = evaluateQuorum({ requirements: e.requirements, directory: this.dir, requester: e.requestedBy, service: e.serviceId, team: s?.team ?? '', decisions, noun: 'exception' });
    return { e, decisions, quorum };
  }

  private async viewIn(tx: Tx, e: RiskException) {
    return this.view(e, await tx.exceptions.decisions(e.id));
  }

  async load(n: number): Promise<Outcome<ExceptionView>> {
    const r = await this.d.store.transaction(async (tx) => {
      const e = await tx.exceptions.byNumber(n);
      return e ? this.viewIn(tx, e) : null;
    });
    return r ? ok(r) : fail('EXCEPTION.NOT_FOUND', `There is no risk exception ${exceptionRef(n)}.`);
  }

  /** The finding's latest exception, for /patch show. */
  async latestOf(findingId: number): Promise<ExceptionView | null> {
    return this.d.store.transaction(async (tx) => {
      const e = await tx.exceptions.latestOf(findingId);
      return e ? this.viewIn(tx, e) : null;
    });
  }

  /** Whether a finding may get an exception now (asked before the form opens, and again on submit). */
  async mayRequest(tx: Tx, findingId: number, now: Date): Promise<Outcome<{ serviceId: string }>> {
    const f = await tx.findings.byId(findingId);
    if (!f) return fail('COMMAND.INVALID', `There is no finding ${findingRef(findingId)}.`, 'List them with /patch list [service|team].');
    if (f.state !== 'open') return fail('FINDING.STATE', `${findingRef(f.id)} is ${f.state}; only an open finding gets a risk exception.`);
    const last = await tx.exceptions.latestOf(f.id);
    if (last && (last.state === 'pending' || (last.state === 'accepted' && last.until > now)))
      return fail('EXCEPTION.OPEN', `${findingRef(f.id)} already has ${exceptionRef(last)} (${STATE_LABEL[last.state].toLowerCase()}).`, `See /patch show ${findingRef(f.id)}.`);
    return ok({ serviceId: f.serviceId });
  }

  async checkRequest(findingId: number, now: Date): Promise<Outcome<{ serviceId: string }>> {
    return this.d.store.transaction((tx) => this.mayRequest(tx, findingId, now));
  }

  /** Creates EXC-n once per form nonce and asks its approvers on every connected platform. */
  async request(ctx: Ctx, findingId: number, v: { justification: string; until: string }, key: string): Promise<ExceptionRequested> {
    const me = ctx.actor.person!;
    const settings = this.settings();
    const until = readUntil(v.until, ctx.now, this.dir.timezoneOf(me.id), settings.maxDuration);
    const r = await this.d.store.transaction(async (tx): Promise<ExceptionRequested> => {
      const existing = await tx.exceptions.byKey(key);
      if (existing) return { ok: true, e: existing, created: false };
      if (!until.ok) return { ok: false, fields: { until: until.error } };
      const may = await this.mayRequest(tx, findingId, ctx.now);
      if (!may.ok) return { ok: false, refused: may };
      if (!(await tx.idempotency.claim(`exception:${key}`, ctx.now))) {
        const first = await tx.exceptions.byKey(key);
        if (first) return { ok: true, e: first, created: false };
        throw new Error(`exception request key ${key} claimed but no exception found`);
      }
      const requirements = [...settings.approve];
      const s = this.dir.service(may.value.serviceId);
      const q = evaluateQuorum({ requirements, directory: this.dir, requester: me.id, service: may.value.serviceId, team: s?.team ?? '', decisions: [], noun: 'exception' });
      if (q.unmeetable.length) return { ok: false, fields: { justification: `No one can approve it: ${q.unmeetable.join('; ')}` } };
      const e = await tx.exceptions.create(
        {
          key,
          findingId,
          serviceId: may.value.serviceId,
          justification: v.justification,
          until: until.until,
          requirements,
          state: 'pending',
          requestedBy: me.id,
          requestedPlatform: ctx.inv.platform,
          requestedUserId: ctx.inv.userId,
          requestedAt: ctx.now,
        },
        ctx.now,
      );
      await tx.audit.append({ actor: ctx.actor.ref, action: 'exception.requested', subject: `finding:${findingRef(findingId)}`, after: { exception: exceptionRef(e), by: me.id, until: e.until.toISOString(), justification: e.justification, approve: requirements } }, ctx.now);
      for (const platform of this.d.platforms()) {
        for (const id of q.approvers) {
          const to = personOn(this.dir, platform, id);
          if (to) await enqueue(tx.outbox, ExceptionSend, `exception_send:${e.number}:ask:${platform}:${id}`, { exception: e.number, platform, to, kind: 'approver', person: id }, ctx.now);
        }
      }
      return { ok: true, e, created: true };
    });
    if (r.ok && r.created) this.d.kick();
    return r;
  }

  private refresh(tx: Tx, e: RiskException, at: Date) {
    return enqueue(tx.outbox, ExceptionRefresh, `exception_refresh:${e.number}:${e.version}`, { exception: e.number, version: e.version }, at);
  }

  /** Approve or reject (with a reason): the first decision that completes the quorum, or the first rejection, decides. */
  async decide(ctx: Ctx, n: number, decision: 'approve' | 'reject', reason?: string): Promise<Outcome<Reply>> {
    const me = ctx.actor.person!;
    const r = await this.d.store.transaction(async (tx) => {
      const locked = await tx.exceptions.lock(n, ctx.now);
      if (!locked) return fail('EXCEPTION.NOT_FOUND', `There is no risk exception ${exceptionRef(n)}.`);
      if (locked.state !== 'pending') return fail('EXCEPTION.DECIDED', `${exceptionRef(locked)} is ${STATE_LABEL[locked.state].toLowerCase()}; nothing to decide.`);
      if (locked.until <= ctx.now) return fail('EXCEPTION.DECIDED', `${exceptionRef(locked)} has reached its expiry; nothing to decide.`);
      const before = await this.viewIn(tx, locked);
      const may = before.quorum.mayDecide(me.id);
      if (!may.ok) return fail(may.code === 'already-decided' ? 'EXCEPTION.DECIDED' : 'AUTH.FORBIDDEN', may.reason);
      if (!(await tx.exceptions.decide(locked.id, { personId: me.id, decision, reason: reason ?? null, platform: ctx.inv.platform, platformUserId: ctx.inv.userId, at: ctx.now })))
        return fail('EXCEPTION.DECIDED', `You already decided on ${exceptionRef(locked)}.`);
      const after = (await this.viewIn(tx, locked)).quorum;
      const subject = `finding:${findingRef(locked.findingId)}`;
      await tx.audit.append({ actor: ctx.actor.ref, action: decision === 'approve' ? 'exception.approval_given' : 'exception.rejection_given', subject, after: { exception: exceptionRef(locked), by: me.id, reason: reason ?? null, tally: after.tally } }, ctx.now);
      const state = after.state === 'approved' ? 'accepted' : after.state;
      const e = (await tx.exceptions.update(locked.id, locked.version, state !== 'pending' ? { state, decidedAt: ctx.now } : {}, ctx.now))!;
      if (state !== 'pending') {
        if (state === 'accepted') await tx.findings.setExceptedUntil(locked.findingId, locked.until, ctx.now);
        await tx.audit.append({ actor: ctx.actor.ref, action: `exception.${state}`, subject, before: { state: 'pending' }, after: { exception: exceptionRef(locked), state, until: locked.until.toISOString(), tally: after.tally } }, ctx.now);
      }
      await this.refresh(tx, e, ctx.now);
      return ok({ e, tally: after.tally, decided: state !== 'pending' });
    });
    if (!r.ok) return r;
    this.d.kick();
    const { e, tally, decided } = r.value;
    const verb = decision === 'approve' ? 'approved' : 'rejected';
    return ok(ephemeral({ title: `You ${verb} ${exceptionRef(e)}`, tone: decision === 'approve' ? 'good' : 'warning', body: [txt(decided ? `${exceptionRef(e)} is now ${STATE_LABEL[e.state].toLowerCase()}.` : `Tally: ${tally}.`)] }));
  }

  /** Exceptions whose expiry has come (each once, whichever replica gets there): the finding is active again and its owners hear it. */
  async expire(now: Date): Promise<number> {
    let expired = 0;
    for (const e of await this.d.store.transaction((tx) => tx.exceptions.expiring(now, 100))) {
      const done = await this.d.store.transaction(async (tx) => {
        const locked = await tx.exceptions.lock(e.number, now);
        if (!locked || (locked.state !== 'pending' && locked.state !== 'accepted') || locked.until > now) return false;
        const next = (await tx.exceptions.update(locked.id, locked.version, { state: 'expired', expiredAt: now }, now))!;
        const subject = `finding:${findingRef(locked.findingId)}`;
        if (locked.state === 'accepted') await tx.findings.setExceptedUntil(locked.findingId, null, now);
        await tx.audit.append({ actor: { platform: 'system' }, action: 'exception.expired', subject, before: { state: locked.state }, after: { exception: exceptionRef(locked), state: 'expired', until: locked.until.toISOString() } }, now);
        await this.refresh(tx, next, now);
        if (locked.state === 'accepted') {
          const owners = this.dir.service(locked.serviceId)?.owners ?? [];
          for (const platform of this.d.platforms()) {
            for (const id of owners) {
              const to = personOn(this.dir, platform, id);
              if (to) await enqueue(tx.outbox, ExceptionSend, `exception_send:${locked.number}:expired:${platform}:${id}`, { exception: locked.number, platform, to, kind: 'expired', person: id }, now);
            }
          }
        }
        return true;
      });
      expired += Number(done);
    }
    if (expired) this.d.kick();
    return expired;
  }
}
