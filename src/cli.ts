// Entry point of `npm run steward -- <command>`.
import { EnvError, loadSettings } from './config/env.js';
import { PolicyError } from './config/policy.js';
import { runCli } from './adapters/cli/commands.js';

const io = { out: (s: string) => process.stdout.write(`${s}\n`), err: (s: string) => process.stderr.write(`${s}\n`) };
try {
  process.exitCode = await runCli(process.argv.slice(2), loadSettings(), io);
} catch (err) {
  if (err instanceof PolicyError || err instanceof EnvError) io.err(err.message);
  else io.err(`steward: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
}
