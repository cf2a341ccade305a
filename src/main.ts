// Entry point of `npm start`: start Steward, reload its policy on SIGHUP, and stop it gracefully
// on SIGTERM/SIGINT or console EOF.
import { tuneRuntime } from './config/runtime.js';

tuneRuntime();
const { EnvError, loadSettings } = await import('./config/env.js');
const { PolicyError } = await import('./config/policy.js');
const { startSteward } = await import('./app.js');

async function main() {
  const settings = loadSettings();
  const running = await startSteward(settings);
  let exiting = false;
  const stop = (reason: string, code = 0) => {
    if (exiting) return;
    exiting = true;
    const force = setTimeout(() => {
      running.log.error({ reason }, 'shutdown timed out; exiting');
      process.exit(1);
    }, settings.shutdownTimeoutMs + 2_000);
    force.unref();
    running.shutdown(reason).then(
      () => process.exit(code),
      (err) => {
        running.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // A failure in a library callback must not take the bot down: log it and keep serving.
  process.on('unhandledRejection', (err) => running.log.error({ err }, 'unhandled rejection'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The outcome (applied, unchanged, refused with the file's problems) is logged by the reload.
  process.on(
    'SIGHUP',
    () => void running.reloadPolicy().catch((err) => running.log.error({ err }, 'policy reload failed')),
  );
  void running.consoleDone?.then(() => stop('console closed'));
}

main().catch((err) => {
  if (err instanceof PolicyError || err instanceof EnvError) {
    process.stderr.write(`steward: ${err.message}\n`);
  } else {
    process.stderr.write(`steward: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
