// Operator CLI commands (`npm run steward -- <command>`): explicit table, one function each.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Settings } from '../../config/env.js';
import { loadPolicyFile } from '../../config/policy.js';
import { apiScope, policyJsonSchema, slug } from '../../core/policy/schema.js';
import { formatHead, parseHead, verifyAuditLog, type KnownHead } from '../../core/audit/audit.js';
import { AuditHeadFile, AuditHeadFileError } from '../../store/audit-head-file.js';
import { openStore } from '../../store/index.js';
import { globalCommandCount, registerCommands, removeGlobalCommands } from '../discord/commands.js';
import { changeWait } from './change-wait.js';
import type { StewardModule } from '../../core/module.js';
import { STANDARD_MODULES } from '../../modules.js';
import { moduleCommands } from './modules.js';
import { type CliCommand, type CliIO, options } from './options.js';
import { BACKUP_COMMANDS } from './backup.js';
import { SBOM_COMMANDS } from './sbom.js';

export type { CliIO } from './options.js';

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export const CLI_COMMANDS: Record<string, CliCommand> = {
  'audit verify': {
    usage:
      'audit verify [--expect <seq>:<hash>] — check the audit log: hash chain, head row, MACs (STEWARD_AUDIT_KEY) and heads seen before (--expect, STEWARD_AUDIT_HEAD_FILE); exit 1 when tampered',
    async run(args, settings, io) {
      const o = options(args, ['expect']);
      if (typeof o === 'string') return usage(io, o);
      if (o.rest.length) return usage(io, 'usage: audit verify [--expect <seq>:<hash>]');
      const known: KnownHead[] = [];
      if (o.opts.expect !== undefined) {
        const head = parseHead(o.opts.expect);
        if (typeof head === 'string') return usage(io, `--expect: ${head}`);
        known.push({ head, source: '--expect' });
      }
      const file = settings.auditHeadFile ? new AuditHeadFile(settings.auditHeadFile) : undefined;
      try {
        const remembered = file?.read();
        if (remembered) known.push(remembered);
      } catch (err) {
        if (!(err instanceof AuditHeadFileError)) throw err;
        io.err(err.message);
        return 2;
      }
      const store = await openStore({ url: settings.databaseUrl, migrate: false });
      try {
        const r = await verifyAuditLog(store.auditReader, { key: settings.auditKey, known });
        if (r.ok) {
          const macs = settings.auditKey ? `; ${r.macs} MACs checked` : '';
          io.out(`audit log intact: ${r.checked} entries verified; head ${formatHead(r.head)}${macs}`);
          file?.remember(r.head, new Date());
          return 0;
        }
        const p = r.problem;
        io.err(
          `audit log TAMPERED at entry #${p.seq} (${p.reason.replaceAll('_', ' ')}); ${r.checked} entries before it verified${p.detail ? `\n  ${p.detail}` : ''}`,
        );
        return 1;
      } finally {
        await store.close();
      }
    },
  },
  ...BACKUP_COMMANDS,
  ...SBOM_COMMANDS,
  'db migrate': {
    usage: 'db migrate — apply pending database migrations to DATABASE_URL',
    async run(_args, settings, io) {
      const store = await openStore({ url: settings.databaseUrl, migrate: true });
      const pending = await store.pendingMigrations();
      await store.close();
      io.out(`database ${store.dialect} migrated; pending migrations: ${pending}`);
      return pending === 0 ? 0 : 1;
    },
  },
  'policy check': {
    usage: 'policy check [file] — validate a policy file (default STEWARD_CONFIG)',
    async run(args, settings, io) {
      const file = args[0] ?? settings.policyFile;
      const { policy, sha256 } = loadPolicyFile(file);
      io.out(
        `${file}: valid (${policy.people.length} people, ${policy.teams.length} teams, ${policy.services.length} services; sha256 ${sha256.slice(0, 12)})`,
      );
      return 0;
    },
  },
  'policy schema': {
    usage: 'policy schema [file] — print (or write) the policy JSON Schema',
    async run(args, _settings, io) {
      const text = JSON.stringify(policyJsonSchema(), null, 2) + '\n';
      if (args[0]) writeFileSync(args[0], text);
      else io.out(text.trimEnd());
      return 0;
    },
  },
  'policy reload': {
    usage:
      'policy reload [--url http://127.0.0.1:PORT] — make a running Steward re-read its policy (token: STEWARD_API_TOKEN); exit 1 refused, 2 not reached',
    async run(args, settings, io) {
      const o = options(args, ['url']);
      if (typeof o === 'string') return usage(io, o);
      const base = o.opts.url ?? `http://127.0.0.1:${settings.port || 3000}`;
      if (!/^https?:\/\/[^\s/]+/.test(base)) return usage(io, `--url must be an http(s) URL (got "${base}")`);
      if (!settings.apiToken)
        return usage(
          io,
          'STEWARD_API_TOKEN is not set: a token with the scope policy:reload is needed (npm run steward -- token new <id>)',
        );
      const url = `${base.replace(/\/+$/, '')}/api/v1/policy/reload`;
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${settings.apiToken}` },
          signal: AbortSignal.timeout(15_000),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        io.err(`cannot reach Steward at ${url} (${cause})`);
        return 2;
      }
      const body = (await res.json().catch(() => ({}))) as {
        outcome?: string;
        sha256?: string;
        error?: string;
        detail?: string;
        retryAfter?: number;
      };
      if (res.status === 200) {
        io.out(`policy ${body.outcome} (sha256 ${String(body.sha256).slice(0, 12)})`);
        return 0;
      }
      if (res.status === 422) {
        io.err(`policy refused; the running policy stays.\n${body.detail ?? ''}`.trimEnd());
        return 1;
      }
      const why =
        res.status === 429
          ? `too many failed attempts; retry in ${body.retryAfter ?? res.headers.get('retry-after')}s`
          : `${body.error ?? 'error'}${body.detail ? `: ${body.detail}` : ''}`;
      io.err(`Steward answered ${res.status}: ${why}`);
      return 2;
    },
  },
  'change wait': {
    usage:
      'change wait CHG-n [--timeout 30m] [--url http://127.0.0.1:PORT] — wait until a change is approved and its window open (token: STEWARD_API_TOKEN, changes:read); exit 1 rejected, cancelled, expired or window passed, 2 timeout, unknown or not reached',
    async run(args, settings, io) {
      const o = options(args, ['timeout', 'url']);
      if (typeof o === 'string') return usage(io, o);
      if (o.rest.length !== 1)
        return usage(io, 'usage: change wait CHG-n [--timeout 30m] [--url http://127.0.0.1:PORT]');
      const base = o.opts.url ?? `http://127.0.0.1:${settings.port || 3000}`;
      if (!/^https?:\/\/[^\s/]+/.test(base)) return usage(io, `--url must be an http(s) URL (got "${base}")`);
      if (!settings.apiToken)
        return usage(
          io,
          'STEWARD_API_TOKEN is not set: a token with the scope changes:read is needed (npm run steward -- token new <id>)',
        );
      return changeWait({ ref: o.rest[0]!, base, token: settings.apiToken, timeout: o.opts.timeout ?? '30m' }, io);
    },
  },
  'token new': {
    usage:
      'token new <id> [--scopes s1,s2] [--services a,b] — print a fresh API token once, and its line for api.tokens; token new <integration> --routing-key — a PagerDuty routing key for alerts.integrations[].routingKey',
    async run(args, _settings, io) {
      if (args.includes('--routing-key')) {
        const rest = args.filter((a) => a !== '--routing-key');
        const integration = slug.safeParse(rest[0]);
        if (!integration.success || rest.length !== 1)
          return usage(io, 'usage: token new <integration> --routing-key; <integration> must be a lowercase slug');
        // PagerDuty's shape: 32 characters; 16 random bytes as hex.
        const key = randomBytes(16).toString('hex');
        const sha256 = createHash('sha256').update(key).digest('hex');
        io.out(
          `Routing key for the alert integration "${integration.data}" (shown only this once; put it in the sender's PagerDuty settings):\n\n  ${key}\n`,
        );
        io.out(
          `Add to the integration under alerts.integrations:\n\n    - id: ${integration.data}\n      service: <service>\n      routingKey: { sha256: "${sha256}" }`,
        );
        return 0;
      }
      const o = options(args, ['scopes', 'services']);
      if (typeof o === 'string') return usage(io, o);
      const id = slug.safeParse(o.rest[0]);
      if (!id.success || o.rest.length !== 1)
        return usage(io, 'usage: token new <id> [--scopes s1,s2] [--services a,b]; <id> must be a lowercase slug');
      // Least privilege unless told otherwise: read changes only.
      const scopes = o.opts.scopes === undefined ? ['changes:read'] : list(o.opts.scopes);
      const bad = scopes.filter((x) => !apiScope.safeParse(x).success);
      if (bad.length || !scopes.length)
        return usage(io, `--scopes: one or more of ${apiScope.options.join(', ')} (got "${o.opts.scopes}")`);
      const services = list(o.opts.services);
      const badService = services.find((x) => !slug.safeParse(x).success);
      if (badService) return usage(io, `--services: "${badService}" is not a service id`);
      const token = `stw_${randomBytes(32).toString('base64url')}`;
      const sha256 = createHash('sha256').update(token).digest('hex');
      const entry = `{ id: ${id.data}, sha256: "${sha256}", scopes: [${scopes.join(', ')}]${services.length ? `, services: [${services.join(', ')}]` : ''} }`;
      io.out(
        `Token for "${id.data}" (shown only this once; keep it in your secret store, e.g. as STEWARD_API_TOKEN):\n\n  ${token}\n`,
      );
      io.out(`Add to the policy under api.tokens:\n\napi:\n  tokens:\n    - ${entry}`);
      return 0;
    },
  },
  'discord register': {
    usage:
      "discord register [--remove-global] — bulk-overwrite the Discord slash commands: in each guild of the policy's access.discord.guilds (DISCORD_GUILD_ID: only that one of them), else globally (DISCORD_GUILD_ID: in that guild); --remove-global also empties the global list",
    async run(args, settings, io) {
      const removeGlobal = args.includes('--remove-global');
      if (args.some((a) => a !== '--remove-global')) return usage(io, 'usage: discord register [--remove-global]');
      if (!settings.discord) {
        io.err('DISCORD_TOKEN and DISCORD_APPLICATION_ID are required');
        return 2;
      }
      const { guildId, ...discord } = settings.discord;
      const bound = loadPolicyFile(settings.policyFile).policy.access.discord?.guilds;
      if (guildId && bound && !bound.includes(guildId))
        return usage(
          io,
          `DISCORD_GUILD_ID ${guildId} is not one of the policy's access.discord.guilds (${bound.join(', ')}): Steward would not answer its commands there`,
        );
      const guildIds = guildId ? [guildId] : (bound ?? []);
      if (removeGlobal && !guildIds.length)
        return usage(
          io,
          '--remove-global needs guilds to register in (access.discord.guilds in the policy, or DISCORD_GUILD_ID)',
        );
      if (bound)
        io.out(
          `the policy binds Discord to ${bound.join(', ')}: registering in ${guildId ? `${guildId} only (DISCORD_GUILD_ID)` : bound.length === 1 ? 'that guild' : 'each of them'}, not globally`,
        );
      let failed = false;
      for (const r of await registerCommands({ ...discord, guildIds })) {
        if ('error' in r) {
          failed = true;
          io.err(`could not register the commands (${r.scope}): ${r.error}`);
        } else io.out(`registered ${r.commands.length} commands (${r.scope}): ${r.commands.join(', ')}`);
      }
      if (failed) return 1;
      if (removeGlobal) {
        await removeGlobalCommands(discord);
        io.out('removed the global commands');
      } else if (bound) {
        const stale = await globalCommandCount(discord);
        if (stale)
          io.err(
            `note: ${stale} commands are still registered globally from an earlier registration; Discord offers them wherever Steward is installed (Steward refuses them outside its guilds). Remove them with: discord register --remove-global`,
          );
      }
      return 0;
    },
  },
};

function usage(io: CliIO, message: string): number {
  io.err(message);
  return 2;
}

export async function runCli(
  argv: string[],
  settings: Settings,
  io: CliIO,
  modules: readonly StewardModule[] = STANDARD_MODULES,
): Promise<number> {
  // The operator's own commands, then those the composed modules declare (run through Steward).
  const commands: Record<string, CliCommand> = { ...CLI_COMMANDS, ...moduleCommands(modules) };
  // Two-word commands first (`kev import`), then one-word ones (`import <file>`).
  const two = commands[argv.slice(0, 2).join(' ')];
  const cmd = two ?? commands[argv[0] ?? ''];
  if (!cmd) {
    io.err(
      `usage: steward <command>\n${Object.values(commands)
        .map((c) => `  ${c.usage}`)
        .join('\n')}`,
    );
    return 2;
  }
  return cmd.run(argv.slice(two ? 2 : 1), settings, io);
}
