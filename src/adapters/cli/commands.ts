// Operator CLI commands (`npm run steward -- <command>`): explicit table, one function each.
import { writeFileSync } from 'node:fs';
import type { Settings } from '../../config/env.js';
import { loadPolicyFile } from '../../config/policy.js';
import { policyJsonSchema } from '../../config/policy-schema.js';
import { systemClock } from '../../core/ports.js';
import { Steward } from '../../core/steward.js';
import { openStore } from '../../store/index.js';
import { registerCommands } from '../discord/commands.js';

export interface CliIO {
  out(s: string): void;
  err(s: string): void;
}

type CliCommand = { usage: string; run(args: string[], settings: Settings, io: CliIO): Promise<number> };

export const CLI_COMMANDS: Record<string, CliCommand> = {
  'audit verify': {
    usage: 'audit verify — check the audit log hash chain; exit 1 at the first tampered entry',
    async run(_args, settings, io) {
      const store = await openStore({ url: settings.databaseUrl, migrate: false });
      try {
        const policy = loadPolicyFile(settings.policyFile);
        const r = await new Steward({ store, clock: systemClock, policy }).verifyAudit();
        if (r.ok) {
          io.out(`audit log intact: ${r.checked} entries verified`);
          return 0;
        }
        io.err(`audit log TAMPERED at entry #${r.problem.seq} (${r.problem.reason.replace('_', ' ')}); ${r.checked} entries before it verified`);
        return 1;
      } finally {
        await store.close();
      }
    },
  },
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
      io.out(`${file}: valid (${policy.people.length} people, ${policy.teams.length} teams, ${policy.services.length} services; sha256 ${sha256.slice(0, 12)})`);
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
  'discord register': {
    usage: 'discord register — bulk-overwrite the Discord slash commands (DISCORD_GUILD_ID: in one guild)',
    async run(_args, settings, io) {
      if (!settings.discord) {
        io.err('DISCORD_TOKEN and DISCORD_APPLICATION_ID are required');
        return 2;
      }
      const r = await registerCommands(settings.discord);
      io.out(`registered ${r.commands.length} commands (${r.scope}): ${r.commands.join(', ')}`);
      return 0;
    },
  },
};

export async function runCli(argv: string[], settings: Settings, io: CliIO): Promise<number> {
  const key = argv.slice(0, 2).join(' ');
  const cmd = CLI_COMMANDS[key];
  if (!cmd) {
    io.err(`usage: steward <command>\n${Object.values(CLI_COMMANDS).map((c) => `  ${c.usage}`).join('\n')}`);
    return 2;
  }
  return cmd.run(argv.slice(2), settings, io);
}
