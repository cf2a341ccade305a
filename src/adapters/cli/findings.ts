// CLI commands of the patches domain: `import <file> --service <id> [--format f]` and
// `kev import <file>`, against DATABASE_URL with the policy of STEWARD_CONFIG.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Settings } from '../../config/env.js';
import { loadPolicyFile } from '../../config/policy.js';
import { Directory } from '../../core/directory.js';
import { importReport, type ImportPhase } from '../../core/patches/findings/importer.js';
import { FORMATS, type Format } from '../../core/patches/findings/parsers/index.js';
import { importKev } from '../../core/patches/findings/refresh.js';
import { systemClock, type ActorRef } from '../../core/ports.js';
import { openStore } from '../../store/index.js';

export interface FindingsCliIO {
  out(s: string): void;
  err(s: string): void;
  /** A terminal showing a progress line (stderr is a TTY). */
  progress?: (line: string) => void;
}

/** `--format` names: the parsers' own, and `osv` for OSV-Scanner. */
export const FORMAT_NAMES = new Map<string, Format>([...FORMATS.map((f) => [f, f] as const), ['osv', 'osv-scanner']]);

/** Reports at least this large show a progress line on a terminal. */
const PROGRESS_BYTES = 5_000_000;

const who = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
};

function readInput(file: string, io: FindingsCliIO): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (err) {
    io.err(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
}

async function withStore<T>(settings: Settings, fn: (dir: Directory, store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const loaded = loadPolicyFile(settings.policyFile);
  const store = await openStore({ url: settings.databaseUrl, migrate: true });
  try {
    return await fn(new Directory(loaded.policy, loaded.sha256), store);
  } finally {
    await store.close();
  }
}

export async function importCommand(file: string, serviceId: string, format: string | undefined, settings: Settings, io: FindingsCliIO): Promise<number> {
  const fmt = format === undefined ? undefined : FORMAT_NAMES.get(format.toLowerCase());
  if (format !== undefined && !fmt) {
    io.err(`--format: one of trivy, grype, npm-audit, osv, sarif, dependabot, cyclonedx (got "${format}")`);
    return 2;
  }
  const input = readInput(file, io);
  if (!input) return 2;
  const user = who();
  const actor: ActorRef = { platform: 'cli', platformUserId: user };
  const progress = io.progress && input.length >= PROGRESS_BYTES ? io.progress : undefined;
  const onProgress = progress && ((phase: ImportPhase, done: number, total: number) => progress(`${serviceId}: ${phase}${total ? ` ${done}/${total}` : ''}…`));
  return withStore(settings, async (dir, store) => {
    const r = await importReport({ store, clock: systemClock, dir }, { serviceId, input, format: fmt, actor, by: `cli:${user}`, onProgress });
    progress?.('');
    if (!r.ok) {
      io.err(`${serviceId}: report refused, nothing stored: ${r.reason}`);
      return 1;
    }
    const s = r.summary;
    io.out(`${s.service}: ${s.format}, ${s.new} new, ${s.unchanged} unchanged, ${s.fixed} fixed, ${s.reopened} reopened, ${s.suppressed} suppressed`);
    return 0;
  });
}

export async function kevImportCommand(file: string, settings: Settings, io: FindingsCliIO): Promise<number> {
  const input = readInput(file, io);
  if (!input) return 2;
  return withStore(settings, async (dir, store) => {
    const r = await importKev({ store, clock: systemClock }, dir, input.toString('utf8'), { platform: 'cli', platformUserId: who() });
    if (!r.ok) {
      io.err(`KEV catalog refused, nothing stored: ${r.reason}`);
      return 1;
    }
    io.out(`KEV catalog: ${r.entries} entries; ${r.flagged} finding(s) newly known exploited, ${r.moved} deadline(s) moved`);
    return 0;
  });
}
