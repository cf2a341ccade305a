// The change API for pipelines, a part of the changes module: POST /api/v1/changes opens a change
// (the form's fields as JSON, checked by the same schema), GET /api/v1/changes/CHG-n answers where
// it stands. Tokens are scoped by service. The body may name its `requester`, a person the token
// lists under `people`: that person is the change's requester and cannot approve it. A token that
// names nobody stands as the requester itself (every approver counts), unless
// changes.api.requireRequester refuses it.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EntryCtx, HttpAnswer, HttpInput, HttpRouteDecl } from '../entry.js';
import type { ChangeView } from './cards.js';
import { changeRef, requesterOf, stateOf } from './model.js';
import { apiRequest, requestFields } from './request.js';
import type { ChangeService } from './service.js';

export const CHANGE_ROUTES = {
  request: { method: 'POST', path: '/api/v1/changes', scope: 'changes:write', op: 'change.request' },
  show: { method: 'GET', path: '/api/v1/changes/:id', scope: 'changes:read', op: 'change.show' },
} as const satisfies Record<string, HttpRouteDecl>;

export function changeJson(v: ChangeView) {
  const { c, quorum } = v;
  return {
    id: changeRef(c),
    state: stateOf(c),
    approval: c.approval,
    phase: c.phase,
    title: c.title,
    service: c.serviceId,
    kind: c.kind,
    risk: c.risk,
    window: { start: c.windowStart.toISOString(), end: c.windowEnd.toISOString() },
    incident: c.incidentNumber === null ? null : `INC-${c.incidentNumber}`,
    requester: requesterOf(c),
    tally: quorum.tally,
    approvals: v.decisions.map((d) => ({
      person: d.personId,
      decision: d.decision,
      reason: d.reason,
      platform: d.platform,
      at: d.at.toISOString(),
    })),
    waitingOn: c.approval === 'pending' ? quorum.waitingOn : [],
    flags: { freeze: c.flags.freeze ?? null, conflicts: c.flags.conflicts.map((n) => `CHG-${n}`) },
    outcome: c.outcome,
    requestedAt: c.requestedAt.toISOString(),
    expiresAt: c.expiresAt.toISOString(),
    decidedAt: c.decidedAt?.toISOString() ?? null,
    startedAt: c.startedAt?.toISOString() ?? null,
  };
}

/** The first problem of each field (`body` for the body as a whole, e.g. an unknown key). */
function fieldProblems(issues: readonly z.core.$ZodIssue[]): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const i of issues) problems[String(i.path[0] ?? 'body')] ??= i.message;
  return problems;
}

/** A change of a service outside the token's scope answers exactly as a missing one: a 403 would confirm it exists. */
const notFound = (detail: string): HttpAnswer => ({ status: 404, body: { error: 'not found', detail } });

export function changeApi(changes: ChangeService) {
  return {
    request: async (ctx: EntryCtx, r: HttpInput): Promise<HttpAnswer> => {
      if (ctx.caller.kind !== 'token')
        return { status: 403, body: { error: 'forbidden', detail: 'the change API takes API tokens' } };
      const token = ctx.caller.token;
      const raw = await r.json(z.unknown());
      if (!raw.ok) return raw.problem;
      if (raw.value === undefined)
        return {
          status: 400,
          body: { error: 'a JSON body is required', detail: 'title, service, kind, window, details' },
        };
      // A missing, mistyped or unknown field is a field problem (422, named), as the form's checks are.
      const parsed = apiRequest.safeParse(raw.value);
      if (!parsed.success)
        return { status: 422, body: { error: 'invalid change', fields: fieldProblems(parsed.error.issues) } };
      const b = parsed.data;
      const refused = ctx.cannotActOn(b.service);
      if (refused) return { status: 403, body: { error: 'forbidden', detail: refused } };
      const kind = b.kind === 'normal' ? `normal-${b.risk ?? 'medium'}` : b.kind;
      const details =
        b.incident && !new RegExp(`\\b${b.incident}\\b`, 'i').test(b.details)
          ? `${b.details}\n(incident ${b.incident.toUpperCase()})`
          : b.details;
      const fields = requestFields.safeParse({ title: b.title, service: b.service, kind, window: b.window, details });
      const who = changes.apiRequester(token, b.requester);
      const problems = { ...(fields.success ? {} : fieldProblems(fields.error.issues)), ...(who.ok ? {} : who.fields) };
      if (!fields.success || !who.ok) return { status: 422, body: { error: 'invalid change', fields: problems } };
      const key = (r.header('idempotency-key') ?? randomUUID()).slice(0, 100);
      const done = await changes.request(who.requester, fields.data, `api:${token.id}:${key}`, ctx.now);
      if (!done.ok) return { status: 422, body: { error: 'invalid change', fields: done.fields } };
      const v = await changes.load(done.change.number);
      return v.ok
        ? { status: done.created ? 201 : 200, body: changeJson(v.value) }
        : { status: 500, body: { error: 'change not found after creation' } };
    },
    show: async (ctx: EntryCtx, r: HttpInput): Promise<HttpAnswer> => {
      const m = /^CHG-(\d+)$/i.exec(r.params.id ?? '');
      if (!m) return notFound('name a change such as CHG-7');
      const v = await changes.load(Number(m[1]));
      if (!v.ok) return notFound(v.error.message);
      if (ctx.cannotActOn(v.value.c.serviceId)) return notFound(`There is no change CHG-${m[1]}.`);
      return { status: 200, body: changeJson(v.value) };
    },
  };
}
