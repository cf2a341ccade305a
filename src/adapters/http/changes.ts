// The change API for pipelines: POST /api/v1/changes opens a change (the form's fields as JSON,
// checked by the same schema), GET /api/v1/changes/CHG-n answers where it stands. Tokens are
// scoped by service. The body may name its `requester`, a person the token lists under `people`:
// that person is the change's requester and cannot approve it. A token that names nobody stands
// as the requester itself (every approver counts), unless changes.api.requireRequester refuses it.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ChangeView } from '../../core/changes/cards.js';
import { stateOf, changeRef, requesterOf } from '../../core/changes/model.js';
import { apiRequest, requestFields } from '../../core/changes/request.js';
import type { ChangeService } from '../../core/changes/service.js';
import type { Clock } from '../../core/ports.js';
import type { Api, ApiAnswer } from './api.js';
import type { Route } from './server.js';

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
    approvals: v.decisions.map((d) => ({ person: d.personId, decision: d.decision, reason: d.reason, platform: d.platform, at: d.at.toISOString() })),
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

export function changeRoutes(api: Api, changes: () => ChangeService, clock: Clock): Record<string, Route> {
  return {
    'POST /api/v1/changes': api.route('changes:write', async (r): Promise<ApiAnswer> => {
      const raw = await r.json(z.unknown());
      if (!raw.ok) return raw.problem;
      if (raw.value === undefined) return { status: 400, body: { error: 'a JSON body is required', detail: 'title, service, kind, window, details' } };
      // A missing, mistyped or unknown field is a field problem (422, named), as the form's checks are.
      const parsed = apiRequest.safeParse(raw.value);
      if (!parsed.success) return { status: 422, body: { error: 'invalid change', fields: fieldProblems(parsed.error.issues) } };
      const b = parsed.data;
      const refused = r.forbidden(b.service);
      if (refused) return refused;
      const kind = b.kind === 'normal' ? `normal-${b.risk ?? 'medium'}` : b.kind;
      const details = b.incident && !new RegExp(`\\b${b.incident}\\b`, 'i').test(b.details) ? `${b.details}\n(incident ${b.incident.toUpperCase()})` : b.details;
      const fields = requestFields.safeParse({ title: b.title, service: b.service, kind, window: b.window, details });
      const who = changes().apiRequester(r.token, b.requester);
      const problems = { ...(fields.success ? {} : fieldProblems(fields.error.issues)), ...(who.ok ? {} : who.fields) };
      if (!fields.success || !who.ok) return { status: 422, body: { error: 'invalid change', fields: problems } };
      const key = String(r.req.headers['idempotency-key'] ?? randomUUID()).slice(0, 100);
      const done = await changes().request(who.requester, fields.data, `api:${r.token.id}:${key}`, clock.now());
      if (!done.ok) return { status: 422, body: { error: 'invalid change', fields: done.fields } };
      const v = await changes().load(done.change.number);
      return v.ok ? { status: done.created ? 201 : 200, body: changeJson(v.value) } : { status: 500, body: { error: 'change not found after creation' } };
    }),
    'GET /api/v1/changes/:id': api.route('changes:read', async (r): Promise<ApiAnswer> => {
      const m = /^CHG-(\d+)$/i.exec(r.params.id ?? '');
      if (!m) return { status: 404, body: { error: 'not found', detail: 'name a change such as CHG-7' } };
      const v = await changes().load(Number(m[1]));
      if (!v.ok) return { status: 404, body: { error: 'not found', detail: v.error.message } };
      // A change of a service outside the token's scope answers exactly as a missing one: a 403 would confirm it exists.
      if (r.forbidden(v.value.c.serviceId)) return { status: 404, body: { error: 'not found', detail: `There is no change CHG-${m[1]}.` } };
      return { status: 200, body: changeJson(v.value) };
    }),
  };
}
