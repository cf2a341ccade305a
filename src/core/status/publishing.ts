// What every publication of the status page shares: the policy section (or the answer that there
// is none), a public update, the announcements of an event (posted when it comes into view, edited
// afterwards), settling the page in the same transaction, and what follows a commit here.
import type { Directory } from '../directory.js';
import { fail, ok, type Outcome } from '../errors.js';
import { enqueue } from '../outbox/effects.js';
import type { Clock, Platform, Store, Tx } from '../ports.js';
import { announceChannel } from './effects.js';
import { publicId } from './ids.js';
import { StatusEdit, StatusPost } from './kinds.js';
import type { StatusIncidents } from './links.js';
import type { EventStatus, StatusEvent } from './model.js';
import type { StatusPagePolicy } from './policy-section.js';
import { settle } from './settle.js';

export interface StatusDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  kick: () => void;
  platforms: () => Platform[];
  incidents: () => StatusIncidents | undefined;
  /** A public change committed here: this replica's cached page is out of date. */
  changed: () => void;
}

const NOT_CONFIGURED = fail(
  'STATUS.NOT_CONFIGURED',
  'This Steward has no status page.',
  'An administrator adds statusPage (title, url, components) to the policy.',
);

export class Publishing {
  constructor(readonly d: StatusDeps) {}

  get dir() {
    return this.d.dir();
  }

  /** The status page policy, or the answer that there is none. */
  page(): Outcome<StatusPagePolicy> {
    const sp = this.dir.policy.statusPage;
    return sp ? ok(sp) : NOT_CONFIGURED;
  }

  /** A public update of the event, shown from `at`. */
  post(tx: Tx, e: StatusEvent, status: EventStatus, body: string, at: Date) {
    return tx.status.addUpdate({ code: publicId(), eventId: e.id, status, body, createdAt: at, displayAt: at });
  }

  /** The event's announcements, then the page settled (components, uptime periods, version). */
  async close(tx: Tx, sp: StatusPagePolicy, e: StatusEvent, at: Date) {
    await this.announce(tx, e, at);
    await settle(tx, sp, at);
  }

  /** The event's message in each public channel: posted when it comes into view, edited to its version. */
  async announce(tx: Tx, e: StatusEvent, at: Date) {
    for (const platform of this.d.platforms()) {
      if (!announceChannel(this.dir, platform)) continue;
      // Keyed by when it comes into view: an earlier start queues an earlier post; the later one then finds it done.
      await enqueue(
        tx.outbox,
        StatusPost,
        `status_post:${e.id}:${platform}:${e.visibleFrom.getTime()}`,
        { event: e.id, platform },
        at,
        e.visibleFrom > at ? e.visibleFrom : undefined,
      );
      await enqueue(
        tx.outbox,
        StatusEdit,
        `status_edit:${e.id}:${platform}:${e.version}`,
        { event: e.id, platform, version: e.version },
        at,
      );
    }
  }

  /** After the commit of a change made here: the page is redrawn, the announcements go out. */
  done() {
    this.d.changed();
    this.d.kick();
  }

  /** Inside another domain's transaction: the page is redrawn once it commits (that domain kicks the outbox). */
  afterCommit(tx: Tx) {
    tx.afterCommit(this.d.changed);
  }
}
