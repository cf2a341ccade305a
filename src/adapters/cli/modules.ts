// The CLI commands the composed modules declare (`import`, `kev import`, …), run through Steward:
// options and the file argument are read here, then Steward.cli runs the module's command with the
// local user as its caller, against DATABASE_URL with the policy of STEWARD_CONFIG.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Settings } from '../../config/env.js';
import { loadPolicyFile } from '../../config/policy.js';
import type { CliCommandDecl } from '../../core/entry.js';
import type { StewardModule } from '../../core/module.js';
import { systemClock } from '../../core/ports.js';
import { Registry } from '../../core/registry.js';
import { Steward } from '../../core/steward.js';
import { openStore } from '../../store/index.js';
import { type CliCommand, options } from './options.js';

/** Who runs the command, as the audit log records it. */
function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function synopsis(decl: CliCommandDecl): string {
  return decl.usage.split(' — ')[0] ?? decl.usage;
}

export function moduleCommands(modules: readonly StewardModule[]): Record<string, CliCommand> {
  const out: Record<string, CliCommand> = {};
  for (const [name, decl] of new Registry(modules).cli) {
    out[name] = {
      usage: decl.usage,
      async run(argv, settings, io) {
        const parsed = options(argv, decl.options ?? [], decl.flags ?? []);
        if (typeof parsed === 'string') {
          io.err(parsed);
          return 2;
        }
        if (parsed.rest.length !== decl.args) {
          io.err(`usage: ${synopsis(decl)}`);
          return 2;
        }
        let file: Uint8Array | undefined;
        if (decl.readsFile) {
          const path = parsed.rest[0];
          if (path === undefined) {
            io.err(`usage: ${synopsis(decl)}`);
            return 2;
          }
          try {
            file = readFileSync(path);
          } catch (err) {
            io.err(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
            return 2;
          }
        }
        const progress = process.stderr.isTTY
          ? (line: string) => void process.stderr.write(`\r\x1b[2K${line}`)
          : undefined;
        return withSteward(settings, modules, (steward) =>
          steward.cli(name, localUser(), { args: parsed.rest, options: parsed.opts, file }, { ...io, progress }),
        );
      },
    };
  }
  return out;
}

async function withSteward<T>(
  settings: Settings,
  modules: readonly StewardModule[],
  fn: (steward: Steward) => Promise<T>,
): Promise<T> {
  const policy = loadPolicyFile(settings.policyFile);
  const store = await openStore({ url: settings.databaseUrl, migrate: true, auditKey: settings.auditKey });
  // Nothing is started: no runner, no jobs; side effects a command enqueues wait for the server.
  const steward = new Steward({ store, clock: systemClock, policy, modules });
  try {
    return await fn(steward);
  } finally {
    await steward.stop();
    await store.close();
  }
}
