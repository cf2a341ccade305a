// The ways a scanner report comes in besides chat, parts of the patches module:
// POST /api/v1/findings?service=<id> (scope findings:write for that service) and the operator CLI's
// `import <file> --service <id> [--format f]` and `kev import <file>`. A report is imported whole or
// refused whole; neither the token nor the body is ever logged.
import type { Directory } from '../../directory.js';
import {
  callerFields,
  type CliCommandDecl,
  type CliInput,
  type CliIO,
  type EntryCtx,
  type HttpAnswer,
  type HttpInput,
  type HttpRouteDecl,
} from '../../entry.js';
import type { KernelLog } from '../../module.js';
import type { Clock, Store } from '../../ports.js';
import { importReport, type ImportPhase } from './importer.js';
import { FORMATS, type Format } from './parsers/types.js';
import { importKev } from './refresh.js';

export const FINDINGS_ROUTE = {
  method: 'POST',
  path: '/api/v1/findings',
  scope: 'findings:write',
  op: 'findings.import',
  largeBody: true,
} as const satisfies HttpRouteDecl;

export const FINDINGS_CLI = {
  import: {
    name: 'import',
    usage:
      'import <file> --service <id> [--format trivy|grype|npm-audit|osv|sarif|dependabot|cyclonedx] — import a scanner report; exit 1 when refused (nothing stored)',
    op: 'findings.import',
    options: ['service', 'format'],
    args: 1,
    readsFile: true,
  },
  kev: {
    name: 'kev import',
    usage:
      "kev import <file> — load CISA's KEV catalog JSON: listed findings become known exploited and their deadlines move",
    op: 'kev.import',
    args: 1,
    readsFile: true,
  },
} as const satisfies Record<string, CliCommandDecl>;

/** Media types a report may be sent as. */
const TYPES = new Set(['application/json', 'application/sarif+json', 'application/octet-stream']);

/** `--format` names: the parsers' own, and `osv` for OSV-Scanner. */
const FORMAT_WORDS = new Map<string, Format>([...FORMATS.map((f) => [f, f] as const), ['osv', 'osv-scanner']]);

/** Reports at least this large show a progress line on a terminal. */
const PROGRESS_BYTES = 5_000_000;

export interface FindingEntryDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  log: KernelLog;
}

export function findingEntries(deps: FindingEntryDeps) {
  const core = () => ({ store: deps.store, clock: deps.clock, dir: deps.dir() });
  return {
    http: async (ctx: EntryCtx, r: HttpInput): Promise<HttpAnswer> => {
      const service = r.query.get('service')?.trim() ?? '';
      if (!service)
        return {
          status: 400,
          body: { error: 'invalid request', detail: 'the query parameter service=<id> is required' },
        };
      const refused = ctx.cannotActOn(service);
      if (refused) return { status: 403, body: { error: 'forbidden', detail: refused } };
      const [mediaType = ''] = (r.header('content-type') ?? 'application/json').split(';');
      const type = mediaType.trim().toLowerCase();
      if (!TYPES.has(type))
        return { status: 415, body: { error: 'unsupported media type', detail: `send ${[...TYPES].join(', ')}` } };
      if (!deps.dir().service(service))
        return {
          status: 404,
          body: { error: 'unknown service', detail: `there is no service "${service}" in the policy` },
        };
      const body = await r.body();
      if (!body.ok) return body.problem;
      const result = await importReport(core(), {
        serviceId: service,
        input: body.value,
        actor: ctx.actor,
        by: ctx.by,
      });
      if (!result.ok) {
        deps.log.warn(
          { service, ...callerFields(ctx), format: result.format, bytes: body.value.length, code: result.code },
          'scanner report refused',
        );
        return { status: 422, body: { error: 'unreadable report', detail: result.reason } };
      }
      const s = result.summary;
      deps.log.info(
        {
          service,
          ...callerFields(ctx),
          format: s.format,
          scanner: s.scanner,
          total: s.total,
          new: s.new,
          unchanged: s.unchanged,
          fixed: s.fixed,
          reopened: s.reopened,
          suppressed: s.suppressed,
        },
        'scanner report imported',
      );
      return {
        status: 200,
        body: {
          format: s.format,
          service: s.service,
          new: s.new,
          unchanged: s.unchanged,
          fixed: s.fixed,
          reopened: s.reopened,
          suppressed: s.suppressed,
        },
      };
    },

    import: async (ctx: EntryCtx, input: CliInput, io: CliIO): Promise<number> => {
      const serviceId = input.options.service;
      if (!serviceId) {
        io.err('usage: import <file> --service <id> [--format f]');
        return 2;
      }
      const format = input.options.format;
      const fmt = format === undefined ? undefined : FORMAT_WORDS.get(format.toLowerCase());
      if (format !== undefined && !fmt) {
        io.err(`--format: one of trivy, grype, npm-audit, osv, sarif, dependabot, cyclonedx (got "${format}")`);
        return 2;
      }
      const report = input.file ?? new Uint8Array();
      const progress = io.progress && report.length >= PROGRESS_BYTES ? io.progress : undefined;
      const onProgress =
        progress &&
        ((phase: ImportPhase, done: number, total: number) =>
          progress(`${serviceId}: ${phase}${total ? ` ${done}/${total}` : ''}…`));
      const r = await importReport(core(), {
        serviceId,
        input: report,
        format: fmt,
        actor: ctx.actor,
        by: ctx.by,
        onProgress,
      });
      progress?.('');
      if (!r.ok) {
        io.err(`${serviceId}: report refused, nothing stored: ${r.reason}`);
        return 1;
      }
      const s = r.summary;
      io.out(
        `${s.service}: ${s.format}, ${s.new} new, ${s.unchanged} unchanged, ${s.fixed} fixed, ${s.reopened} reopened, ${s.suppressed} suppressed`,
      );
      return 0;
    },

    kev: async (ctx: EntryCtx, input: CliInput, io: CliIO): Promise<number> => {
      const r = await importKev(
        { store: deps.store, clock: deps.clock },
        deps.dir(),
        new TextDecoder().decode(input.file ?? new Uint8Array()),
        ctx.actor,
      );
      if (!r.ok) {
        io.err(`KEV catalog refused, nothing stored: ${r.reason}`);
        return 1;
      }
      io.out(
        `KEV catalog: ${r.entries} entries; ${r.flagged} finding(s) newly known exploited, ${r.moved} deadline(s) moved`,
      );
      return 0;
    },
  };
}
