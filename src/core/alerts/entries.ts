// The ways monitoring reaches alerts, parts of the alerts module:
//   POST /api/v1/alerts/<integration>        (token scope alerts:write) any of the four formats
//   POST /v2/enqueue, POST /v2/change/enqueue (the routing key in the body) PagerDuty drop-in
//   GET|POST /api/v1/heartbeats/<id>[/start|/fail|/<exit-code>] (token scope heartbeats:write)
// Answers follow PagerDuty's shapes, so a sender written for PagerDuty reads them unchanged.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EntryCtx, HttpAnswer, HttpInput, HttpRouteDecl } from '../entry.js';
import type { KernelLog } from '../module.js';
import type { ActorRef } from '../ports.js';
import { readAlerts, readChangeEvent, readPagerDuty } from './formats.js';
import type { Heartbeats, PingKind } from './heartbeats.js';
import type { AlertService, IntegrationRef } from './service.js';

/** PagerDuty's limit on an event body, kept for every alert route. */
export const MAX_ALERT_BYTES = 512 * 1024;

export const ALERT_ROUTES = {
  receive: {
    method: 'POST',
    path: '/api/v1/alerts/:integration',
    scope: 'alerts:write',
    op: 'alerts.receive',
    maxBytes: MAX_ALERT_BYTES,
  },
  enqueue: { method: 'POST', path: '/v2/enqueue', scope: 'sender', op: 'alerts.enqueue', maxBytes: MAX_ALERT_BYTES },
  change: {
    method: 'POST',
    path: '/v2/change/enqueue',
    scope: 'sender',
    op: 'alerts.change',
    maxBytes: MAX_ALERT_BYTES,
  },
  pingGet: { method: 'GET', path: '/api/v1/heartbeats/:id', scope: 'heartbeats:write', op: 'heartbeat.ping' },
  pingPost: { method: 'POST', path: '/api/v1/heartbeats/:id', scope: 'heartbeats:write', op: 'heartbeat.ping' },
  signalGet: {
    method: 'GET',
    path: '/api/v1/heartbeats/:id/:signal',
    scope: 'heartbeats:write',
    op: 'heartbeat.ping',
  },
  signalPost: {
    method: 'POST',
    path: '/api/v1/heartbeats/:id/:signal',
    scope: 'heartbeats:write',
    op: 'heartbeat.ping',
  },
} as const satisfies Record<string, HttpRouteDecl>;

const invalid = (errors: string[], message = 'Event object is invalid'): HttpAnswer => ({
  status: 400,
  body: { status: 'invalid event', message, errors },
});

/** The JSON body, or PagerDuty's 400 for one that is not JSON (413 past the limit comes from the reader). */
async function jsonBody(r: HttpInput): Promise<{ ok: true; value: unknown } | { ok: false; answer: HttpAnswer }> {
  const raw = await r.body();
  if (!raw.ok) return { ok: false, answer: raw.problem };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(raw.value).toString('utf8')) };
  } catch {
    return { ok: false, answer: invalid(['JSON parse error'], 'Event object format is unrecognized') };
  }
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export interface AlertEntryDeps {
  alerts: AlertService;
  heartbeats: Heartbeats;
  log: KernelLog;
}

export function alertEntries(d: AlertEntryDeps) {
  /** The integration whose routing key this is: every key compared in constant time. */
  const byRoutingKey = (key: string): IntegrationRef | undefined => {
    const presented = sha256(key);
    let found: IntegrationRef | undefined;
    for (const i of d.alerts.dir.policy.alerts.integrations) {
      if (!i.routingKey) continue;
      const held = Buffer.from(i.routingKey.sha256, 'hex');
      if (held.length === presented.length && timingSafeEqual(held, presented) && !found) found = i;
    }
    return found;
  };

  const integrationActor = (i: IntegrationRef, via: string): ActorRef => ({
    platform: 'api',
    platformUserId: `${via}:${i.id}`,
  });

  /** The sender of a drop-in route: its routing key, or PagerDuty's 400. */
  function sender(body: unknown): { ok: true; integ: IntegrationRef } | { ok: false; answer: HttpAnswer } {
    const key = typeof body === 'object' && body && 'routing_key' in body ? body.routing_key : undefined;
    if (typeof key !== 'string' || !key) return { ok: false, answer: invalid(["'routing_key' is missing or blank"]) };
    if (key.length !== 32)
      return { ok: false, answer: invalid(['Routing key is the wrong length (should be 32 characters)']) };
    const integ = byRoutingKey(key);
    if (!integ) {
      d.log.warn({ route: 'pagerduty' }, 'alert refused: unknown routing key');
      return { ok: false, answer: invalid(['Invalid routing key']) };
    }
    return { ok: true, integ };
  }

  return {
    receive: async (ctx: EntryCtx, r: HttpInput): Promise<HttpAnswer> => {
      const id = r.params.integration ?? '';
      const integ = d.alerts.integration(id);
      if (!integ)
        return {
          status: 404,
          body: { status: 'invalid event', message: `there is no alert integration "${id}" in the policy`, errors: [] },
        };
      const refused = ctx.cannotActOn(integ.service);
      if (refused) return { status: 403, body: { status: 'forbidden', message: refused, errors: [] } };
      const body = await jsonBody(r);
      if (!body.ok) return body.answer;
      const read = readAlerts(body.value, ctx.now);
      if (!read.ok) {
        d.log.warn({ integration: id, errors: read.errors.slice(0, 3) }, 'alert refused: invalid event');
        return invalid(read.errors);
      }
      // A token limited to services may not page another one through a route or a `service` label.
      const routed = d.alerts.route(integ, read.value.labels);
      const outside = routed === integ.service ? undefined : ctx.cannotActOn(routed);
      if (outside) return { status: 403, body: { status: 'forbidden', message: outside, errors: [] } };
      const got = await d.alerts.receive(integ, read.value, ctx.actor, ctx.now);
      return {
        status: 202,
        body: { status: 'success', groups: got.groups, ...(got.note ? { message: got.note } : {}) },
      };
    },

    enqueue: async (ctx: EntryCtx, r: HttpInput): Promise<HttpAnswer> => {
      const body = await jsonBody(r);
      if (!body.ok) return body.answer;
      const who = sender(body.value);
      if (!who.ok) return who.answer;
      const read = readPagerDuty(body.value as Record<string, unknown>);
      if (!read.ok) return invalid(read.errors);
      await d.alerts.receive(who.integ, read.value, integrationActor(who.integ, 'routing-key'), ctx.now);
      return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: read.value.groupKey } };
    },

    change: async (ctx: EntryCtx, r: HttpInput): Promise<HttpAnswer> => {
      const body = await jsonBody(r);
      if (!body.ok) return body.answer;
      const who = sender(body.value);
      if (!who.ok) return who.answer;
      const read = readChangeEvent(body.value);
      if (!read.ok) return invalid(read.errors);
      const e = read.value;
      const key = createHash('sha256').update(JSON.stringify(body.value)).digest('hex');
      await d.alerts.recordChange(
        {
          key,
          integration: who.integ.id,
          serviceId: who.integ.service,
          summary: e.summary,
          source: e.source,
          at: e.at ?? ctx.now,
          links: e.links,
          details: e.details,
        },
        ctx.now,
      );
      return { status: 202, body: { status: 'success', message: 'Change event processed' } };
    },

    ping: async (ctx: EntryCtx, r: HttpInput): Promise<HttpAnswer> => {
      const id = r.params.id ?? '';
      const declared = d.heartbeats.declared(id);
      if (!declared)
        return {
          status: 404,
          body: { error: 'unknown heartbeat', detail: `there is no heartbeat "${id}" in the policy` },
        };
      const refused = ctx.cannotActOn(declared.service);
      if (refused) return { status: 403, body: { error: 'forbidden', detail: refused } };
      const signal = r.params.signal;
      let kind: PingKind = 'ok';
      if (signal === 'start' || signal === 'fail') kind = signal;
      else if (signal !== undefined) {
        if (!/^\d{1,3}$/.test(signal) || Number(signal) > 255)
          return {
            status: 400,
            body: {
              error: 'invalid request',
              detail: 'ping /<id>, /<id>/start, /<id>/fail or /<id>/<exit code 0-255>',
            },
          };
        kind = Number(signal) === 0 ? 'ok' : { exit: Number(signal) };
      }
      const v = await d.heartbeats.ping(id, kind, ctx.actor);
      if (!v) return { status: 404, body: { error: 'unknown heartbeat' } };
      return { status: 200, body: { id: v.id, state: v.state, next: v.next?.toISOString() ?? null } };
    },
  };
}
