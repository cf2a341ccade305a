// Everything the composed modules declare, indexed: slash commands by name, operations and forms
// by kind, help in module order. Two declarations of one name or kind are a programming error.
import type { Command } from './card.js';
import type { CoreError } from './errors.js';
import { type CliCommandDecl, type HttpRouteDecl, routeKey } from './entry.js';
import type { FormDecl, HelpEntry, OperationDecl, SlashCommandDecl, StewardModule } from './module.js';
import type { SiteDecl } from './site.js';

export type Checked = { ok: true; command: Command } | { ok: false; error: CoreError };

export class Registry {
  readonly commands: ReadonlyMap<string, SlashCommandDecl>;
  readonly operations: ReadonlyMap<string, OperationDecl>;
  readonly forms: ReadonlyMap<string, FormDecl>;
  /** HTTP routes by `METHOD /path`. */
  readonly routes: ReadonlyMap<string, HttpRouteDecl>;
  /** CLI commands by their words (`import`, `kev import`). */
  readonly cli: ReadonlyMap<string, CliCommandDecl>;
  /** Public web sites by id. */
  readonly sites: ReadonlyMap<string, SiteDecl>;
  readonly help: readonly HelpEntry[];

  constructor(readonly modules: readonly StewardModule[]) {
    const index = <T>(what: string, items: T[], key: (t: T) => string) => {
      const m = new Map<string, T>();
      for (const t of items) {
        if (m.has(key(t))) throw new Error(`two modules declare the ${what} ${key(t)}`);
        m.set(key(t), t);
      }
      return m;
    };
    index('module', [...modules], (m) => m.id);
    this.commands = index(
      'slash command',
      modules.flatMap((m) => m.commands),
      (c) => c.name,
    );
    this.operations = index(
      'operation',
      modules.flatMap((m) => m.operations),
      (o) => o.kind,
    );
    this.forms = index(
      'form',
      modules.flatMap((m) => m.forms ?? []),
      (f) => f.kind,
    );
    this.routes = index(
      'HTTP route',
      modules.flatMap((m) => m.routes ?? []),
      routeKey,
    );
    this.cli = index(
      'CLI command',
      modules.flatMap((m) => m.cli ?? []),
      (c) => c.name,
    );
    this.sites = index(
      'web site',
      modules.flatMap((m) => m.sites ?? []),
      (x) => x.id,
    );
    const mounts = index('site mount', [...this.sites.values()], (x) => x.mount);
    for (const m of mounts.keys())
      if (!/^\/[a-z0-9-]+$/.test(m)) throw new Error(`site mount ${m} must be one path segment such as /status`);
    this.help = modules.flatMap((m) => m.help);
  }

  /** Slash command names, without the slash. */
  get commandNames(): string[] {
    return [...this.commands.keys()];
  }

  /** Checks `obj` (a kind and its arguments) against the operation's schema. */
  check(obj: { kind: string } & Record<string, unknown>): Checked {
    const op = this.operations.get(obj.kind);
    if (!op) return { ok: false, error: { code: 'COMMAND.UNKNOWN', message: `Steward cannot ${obj.kind}.` } };
    const { kind, ...args } = obj;
    const r = op.args.safeParse(args);
    if (r.success) return { ok: true, command: { kind, ...(r.data as Record<string, unknown>) } };
    const issue = r.error.issues[0];
    return {
      ok: false,
      error: {
        code: 'COMMAND.INVALID',
        message: `${issue?.path.join('.') || 'input'} ${issue?.message ?? 'is invalid'}`,
      },
    };
  }
}
