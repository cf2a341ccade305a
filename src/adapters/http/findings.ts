// POST /api/v1/findings?service=<id> (scope findings:write for that service): the body is a scanner
// report, imported whole or refused whole. Neither the token nor the body is ever logged.
import type { Directory } from '../../core/directory.js';
import { importReport } from '../../core/patches/findings/importer.js';
import type { Clock, Store } from '../../core/ports.js';
import type { Logger } from '../../observability/logger.js';
import type { Api } from './api.js';
import { readBody } from './io.js';
import type { Route } from './server.js';

const TYPES = new Set(['application/json', 'application/sarif+json', 'application/octet-stream']);

export interface FindingsRouteDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  log: Logger;
  /** STEWARD_MAX_REPORT_BYTES: larger bodies get 413. */
  maxBytes: number;
}

export function findingsRoute(api: Api, deps: FindingsRouteDeps): Route {
  return api.route('findings:write', async (r) => {
    const service = r.query.get('service')?.trim() ?? '';
    if (!service) return { status: 400, body: { error: 'invalid request', detail: 'the query parameter service=<id> is required' } };
    const forbidden = r.forbidden(service);
    if (forbidden) return forbidden;
    const type = String(r.req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
    if (!TYPES.has(type)) return { status: 415, body: { error: 'unsupported media type', detail: `send ${[...TYPES].join(', ')}` } };
    if (!deps.dir().service(service)) return { status: 404, body: { error: 'unknown service', detail: `there is no service "${service}" in the policy` } };
    const body = await readBody(r.req, deps.maxBytes);
    if (!body.ok) return body.problem;
    const result = await importReport(
      { store: deps.store, clock: deps.clock, dir: deps.dir() },
      { serviceId: service, input: body.value, actor: { platform: 'system', platformUserId: `api:${r.token.id}` }, by: `api:${r.token.id}` },
    );
    if (!result.ok) {
      deps.log.warn({ service, tokenId: r.token.id, format: result.format, bytes: body.value.length, code: result.code }, 'scanner report refused');
      return { status: 422, body: { error: 'unreadable report', detail: result.reason } };
    }
    const s = result.summary;
    deps.log.info({ service, tokenId: r.token.id, format: s.format, scanner: s.scanner, total: s.total, new: s.new, unchanged: s.unchanged, fixed: s.fixed, reopened: s.reopened, suppressed: s.suppressed }, 'scanner report imported');
    return { status: 200, body: { format: s.format, service: s.service, new: s.new, unchanged: s.unchanged, fixed: s.fixed, reopened: s.reopened, suppressed: s.suppressed } };
  });
}
