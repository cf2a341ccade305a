// Backup, restore and restore-drill commands of the operator CLI (`npm run steward -- backup …`).
// The work is the store's (src/store/backup, loaded by the commands that need it, so that other
// commands start without the encryption library); this file reads options, keys and files, and prints.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { namedSecretsOf, type Settings } from '../../config/env.js';
import { loadPolicyFile } from '../../config/policy.js';
import { formatHead } from '../../core/audit/audit.js';
import type { CheckedRestore } from '../../store/backup/drill.js';
import { BackupError } from '../../store/backup/errors.js';
import { stewardVersion } from '../../store/backup/version.js';
import { dialectOf } from '../../store/dialect.js';
import { migrateDatabase } from '../../store/index.js';
import { type CliCommand, type CliIO, options } from './options.js';

const migrate = (url: string, upTo?: string) => migrateDatabase(url, { upTo });

/** STEWARD_BACKUP_RECIPIENTS, else the policy's backup.recipients. */
export function backupRecipients(settings: Settings): readonly string[] {
  if (settings.backupRecipients?.length) return settings.backupRecipients;
  return loadPolicyFile(settings.policyFile).policy.backup?.recipients ?? [];
}

/**
 * Reads an age identity file. One that everyone may read is refused (it decrypts every backup);
 * one the group may read is used with a warning.
 */
export async function readIdentityFile(file: string, io: CliIO): Promise<string[]> {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode & 0o777;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BackupError('BACKUP.SETUP', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const octal = mode.toString(8).padStart(3, '0');
  if (process.platform !== 'win32' && mode & 0o004)
    throw new BackupError(
      'BACKUP.SETUP',
      `identity file ${file} is readable by everyone (mode ${octal}): chmod 600 ${file}, then try again`,
    );
  if (process.platform !== 'win32' && mode & 0o040)
    io.err(`warning: identity file ${file} is readable by its group (mode ${octal}); chmod 600 ${file}`);
  const { parseIdentities } = await import('../../store/backup/age-file.js');
  return parseIdentities(text, file);
}

function printChecked(r: CheckedRestore, io: CliIO): number {
  const width = Math.max(...r.counts.map((c) => c.name.length), 5);
  for (const c of r.counts)
    io.out(
      `  ${c.name.padEnd(width)} ${String(c.rows).padStart(9)}${c.rows === c.expected ? '' : `  ≠ ${c.expected} in the backup`}`,
    );
  const total = r.counts.reduce((s, c) => s + c.rows, 0);
  io.out(`  ${'total'.padEnd(width)} ${String(total).padStart(9)}`);
  let ok = true;
  if (r.mismatched.length) {
    ok = false;
    io.err(`counts differ from the backup's manifest: ${r.mismatched.join(', ')}`);
  } else io.out(`every count matches the backup's manifest (${r.manifest.tables.length} tables)`);
  if (r.audit.ok) io.out(`audit log intact: ${r.audit.checked} entries verified; head ${formatHead(r.audit.head)}`);
  else {
    ok = false;
    const p = r.audit.problem;
    io.err(
      `audit log TAMPERED at entry #${p.seq} (${p.reason.replaceAll('_', ' ')})${p.detail ? `: ${p.detail}` : ''}`,
    );
  }
  return ok ? 0 : 1;
}

const about = (r: CheckedRestore) =>
  `made ${r.manifest.createdAt} from ${r.manifest.dialect} at schema ${r.manifest.schema} by Steward ${r.manifest.steward}`;

/** Expected failures print their one line and exit 1; anything else is a bug and throws. */
async function guarded(io: CliIO, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    io.err(err.message);
    return 1;
  }
}

function usage(io: CliIO, message: string): number {
  io.err(message);
  return 2;
}

export const BACKUP_COMMANDS: Record<string, CliCommand> = {
  backup: {
    usage:
      'backup --out <file> — write an encrypted backup of every table (one consistent snapshot, while Steward runs) for STEWARD_BACKUP_RECIPIENTS or backup.recipients',
    async run(args, settings, io) {
      const o = options(args, ['out']);
      if (typeof o === 'string') return usage(io, o);
      if (o.rest.length || !o.opts.out) return usage(io, 'usage: backup --out <file>');
      const out = o.opts.out;
      return guarded(io, async () => {
        const started = Date.now();
        const { writeBackup } = await import('../../store/backup/backup.js');
        const r = await writeBackup({
          url: settings.databaseUrl,
          out,
          recipients: backupRecipients(settings),
          secrets: namedSecretsOf(settings),
          now: new Date(),
          steward: stewardVersion(),
        });
        const m = r.manifest;
        io.out(
          `backup written: ${r.file} (${r.bytes} bytes, ${m.rows} rows in ${m.tables.length} tables, ${m.dialect} at schema ${m.schema}, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
        return 0;
      });
    },
  },
  'backup verify': {
    usage:
      'backup verify <file> --identity <key file> — restore drill: restore into a temporary database, verify its audit log, print its counts, remove it',
    async run(args, settings, io) {
      const o = options(args, ['identity']);
      if (typeof o === 'string') return usage(io, o);
      if (o.rest.length !== 1 || !o.opts.identity)
        return usage(io, 'usage: backup verify <file> --identity <key file>');
      const file = o.rest[0]!;
      const identity = o.opts.identity;
      return guarded(io, async () => {
        const { drillBackup } = await import('../../store/backup/drill.js');
        const r = await drillBackup({
          file,
          identities: await readIdentityFile(identity, io),
          near: settings.databaseUrl,
          migrate,
          auditKey: settings.auditKey,
        });
        io.out(`restore drill of ${file} (${about(r)}) in a temporary ${dialectOf(settings.databaseUrl)} database:`);
        return printChecked(r, io);
      });
    },
  },
  restore: {
    usage:
      'restore <file> --identity <key file> — restore a backup into the empty database at DATABASE_URL (SQLite or PostgreSQL), then verify its audit log and counts',
    async run(args, settings, io) {
      const o = options(args, ['identity']);
      if (typeof o === 'string') return usage(io, o);
      if (o.rest.length !== 1 || !o.opts.identity) return usage(io, 'usage: restore <file> --identity <key file>');
      const file = o.rest[0]!;
      const identity = o.opts.identity;
      return guarded(io, async () => {
        const { restoreAndCheck } = await import('../../store/backup/drill.js');
        const r = await restoreAndCheck({
          file,
          identities: await readIdentityFile(identity, io),
          url: settings.databaseUrl,
          migrate,
          auditKey: settings.auditKey,
        });
        io.out(`restored ${file} (${about(r)}) into ${dialectOf(settings.databaseUrl)}:`);
        return printChecked(r, io);
      });
    },
  },
  'backup keygen': {
    usage:
      'backup keygen --out <key file> — create an age identity (written 0600) and print its public key for STEWARD_BACKUP_RECIPIENTS or backup.recipients',
    async run(args, _settings, io) {
      const o = options(args, ['out']);
      if (typeof o === 'string') return usage(io, o);
      if (o.rest.length || !o.opts.out) return usage(io, 'usage: backup keygen --out <key file>');
      const { generateX25519Identity, identityToRecipient } = await import('age-encryption');
      const identity = await generateX25519Identity();
      const recipient = await identityToRecipient(identity);
      try {
        writeFileSync(o.opts.out, `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`, {
          mode: 0o600,
          flag: 'wx',
        });
      } catch (err) {
        io.err(`cannot write ${o.opts.out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        return 1;
      }
      io.out(
        `identity written to ${o.opts.out} (keep it away from the backups, e.g. offline)\npublic key: ${recipient}`,
      );
      io.out(
        `\nEncrypt backups to it with STEWARD_BACKUP_RECIPIENTS=${recipient}\nor in the policy:\n\nbackup:\n  recipients: [${recipient}]`,
      );
      return 0;
    },
  },
};
