// Heartbeats (dead man's switches): a job pings `/api/v1/heartbeats/<id>` when it runs; a ping
// that does not come within its period (or by its next cron occurrence) plus grace, or a failure
// ping, opens an alert group named after the heartbeat on its service; the next good ping resolves
// it. Armed by the first ping; a paused heartbeat opens nothing until it is pinged or resumed.
import type { Directory } from '../directory.js';
import type { ActorRef, Clock, Store, Tx } from '../ports.js';
import { parseDuration } from '../shared/duration.js';
import { type HeartbeatRow, type HeartbeatState, nextDue } from './model.js';
import type { AlertService, HeartbeatIncoming, IntegrationRef } from './service.js';

type Policy = Directory['policy']['alerts']['heartbeats'][number];

/** What a ping says: a good run, a run starting, a failure, or a process's exit code. */
export type PingKind = 'ok' | 'start' | 'fail' | { exit: number };

export interface HeartbeatView {
  id: string;
  service: string;
  state: HeartbeatState;
  lastPingAt: Date | null;
  lastKind: string | null;
  next: Date | null;
  schedule: string;
}

const SYSTEM: ActorRef = { platform: 'system' };

export class Heartbeats {
  constructor(
    private readonly d: {
      store: Store;
      clock: Clock;
      dir: () => Directory;
      alerts: AlertService;
      kick: () => void;
      wake: () => void;
    },
  ) {}

  declared(id: string): Policy | undefined {
    return this.d.dir().policy.alerts.heartbeats.find((h) => h.id === id);
  }

  private integration(h: Policy): IntegrationRef {
    return { id: `heartbeat:${h.id}`, service: h.service, routes: [] };
  }

  private incoming(h: Policy, status: 'firing' | 'resolved', title: string): HeartbeatIncoming {
    const labels = { heartbeat: h.id, service: h.service };
    return {
      source: 'heartbeat',
      action: 'notify',
      groupKey: h.id,
      title,
      labels,
      alerts: [
        {
          fingerprint: h.id,
          status,
          labels,
          annotations: { summary: title },
          startsAt: null,
          endsAt: null,
          url: null,
        },
      ],
      links: [],
      truncated: 0,
    };
  }

  private blank(id: string, at: Date): HeartbeatRow {
    return {
      id,
      state: 'new',
      lastPingAt: null,
      lastKind: null,
      startedAt: null,
      nextAt: null,
      pausedBy: null,
      updatedAt: at,
    };
  }

  /** A ping of heartbeat `id`; its state after it. */
  async ping(id: string, kind: PingKind, actor: ActorRef): Promise<HeartbeatView | null> {
    const h = this.declared(id);
    if (!h) return null;
    const at = this.d.clock.now();
    const r = await this.d.store.transaction(async (tx) => {
      const row = (await tx.alerts.heartbeat(id)) ?? this.blank(id, at);
      if (kind === 'start') {
        const next = { ...row, startedAt: at, lastKind: 'start', updatedAt: at };
        await tx.alerts.saveHeartbeat(next);
        return { row: next, changed: false };
      }
      const failed = kind === 'fail' || (typeof kind === 'object' && kind.exit !== 0);
      const label = kind === 'fail' ? 'fail' : typeof kind === 'object' ? `exit:${kind.exit}` : 'ok';
      const next: HeartbeatRow = {
        ...row,
        state: failed ? 'down' : 'up',
        lastPingAt: at,
        lastKind: label,
        startedAt: null,
        nextAt: nextDue(h, at),
        pausedBy: null,
        updatedAt: at,
      };
      const why =
        kind === 'fail' ? 'reported a failure' : typeof kind === 'object' ? `exited with code ${kind.exit}` : '';
      const { changed } = await this.d.alerts.apply(
        tx,
        this.integration(h),
        failed
          ? this.incoming(h, 'firing', `Heartbeat ${h.id} ${why}`)
          : this.incoming(h, 'resolved', `Heartbeat ${h.id} is back`),
        actor,
        at,
      );
      await tx.alerts.saveHeartbeat(next);
      return { row: next, changed };
    });
    if (r.changed) {
      this.d.kick();
      this.d.wake();
    }
    return this.view(h, r.row);
  }

  /** Late and missed heartbeats at `now`: late past the due time, down (an alert group) past the grace. */
  async check(now: Date): Promise<string[]> {
    const down: string[] = [];
    for (const h of this.d.dir().policy.alerts.heartbeats) {
      const changed = await this.d.store.transaction(async (tx) => this.checkOne(tx, h, now));
      if (changed) down.push(h.id);
    }
    if (down.length) {
      this.d.kick();
      this.d.wake();
    }
    return down;
  }

  private async checkOne(tx: Tx, h: Policy, now: Date): Promise<boolean> {
    const row = await tx.alerts.heartbeat(h.id);
    if (!row || !row.nextAt || (row.state !== 'up' && row.state !== 'late')) return false;
    const graceEnds = new Date(row.nextAt.getTime() + parseDuration(h.grace));
    if (now <= row.nextAt) return false;
    if (now <= graceEnds) {
      if (row.state === 'late') return false;
      await tx.alerts.saveHeartbeat({ ...row, state: 'late', updatedAt: now });
      return false;
    }
    const last = row.lastPingAt ? ` (last ping ${row.lastPingAt.toISOString()})` : '';
    const applied = await this.d.alerts.apply(
      tx,
      this.integration(h),
      this.incoming(h, 'firing', `Heartbeat ${h.id} missed: no ping by ${graceEnds.toISOString()}${last}`),
      SYSTEM,
      now,
    );
    await tx.alerts.saveHeartbeat({ ...row, state: 'down', updatedAt: now });
    return applied.changed;
  }

  /** Pauses or resumes a heartbeat from chat; false when it is not declared. */
  async setPaused(id: string, paused: boolean, by: { id: string; actor: ActorRef }): Promise<HeartbeatView | null> {
    const h = this.declared(id);
    if (!h) return null;
    const at = this.d.clock.now();
    const row = await this.d.store.transaction(async (tx) => {
      const cur = (await tx.alerts.heartbeat(id)) ?? this.blank(id, at);
      const next: HeartbeatRow = paused
        ? { ...cur, state: 'paused', pausedBy: by.id, updatedAt: at }
        : {
            ...cur,
            state: cur.lastPingAt ? 'up' : 'new',
            pausedBy: null,
            // Resumed: the next ping is due a whole period (or occurrence) from now.
            nextAt: cur.lastPingAt ? nextDue(h, at) : null,
            updatedAt: at,
          };
      await tx.alerts.saveHeartbeat(next);
      await tx.audit.append(
        { actor: by.actor, action: paused ? 'heartbeat.paused' : 'heartbeat.resumed', subject: `heartbeat:${id}` },
        at,
      );
      return next;
    });
    return this.view(h, row);
  }

  async list(): Promise<HeartbeatView[]> {
    const rows = new Map((await this.d.store.transaction((tx) => tx.alerts.heartbeats())).map((r) => [r.id, r]));
    const at = this.d.clock.now();
    return this.d.dir().policy.alerts.heartbeats.map((h) => this.view(h, rows.get(h.id) ?? this.blank(h.id, at)));
  }

  private view(h: Policy, row: HeartbeatRow): HeartbeatView {
    return {
      id: h.id,
      service: h.service,
      state: row.state,
      lastPingAt: row.lastPingAt,
      lastKind: row.lastKind,
      next: row.nextAt,
      schedule: h.period
        ? `every ${h.period}, grace ${h.grace}`
        : `${h.cron} (${h.timezone ?? 'UTC'}), grace ${h.grace}`,
    };
  }
}
