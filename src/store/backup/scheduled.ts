// Scheduled backups into a folder: one file per occurrence, named by its instant
// (`steward-20261102T030000Z.age`), and the newest `keep` kept. Backups written by hand elsewhere
// or under other names are never touched.
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { BackupWriter, ScheduledBackup, WrittenBackup } from '../../core/lifecycle/ports.js';
import type { NamedSecret } from './backup.js';

const NAME = /^steward-\d{8}T\d{6}Z\.age$/;
/** A partial file left by a process that died while writing: removed once this old. */
const STALE_PARTIAL_MS = 86_400_000;

export const scheduledName = (at: Date) => `steward-${at.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z.age`;

export interface BackupWriterOptions {
  url: string;
  /** STEWARD_BACKUP_RECIPIENTS: replace the policy's recipients when given. */
  recipients?: readonly string[];
  secrets?: readonly NamedSecret[];
  steward: string;
}

export function backupWriter(o: BackupWriterOptions): BackupWriter {
  return {
    async write(b: ScheduledBackup): Promise<WrittenBackup> {
      mkdirSync(b.directory, { recursive: true, mode: 0o700 });
      const out = path.join(b.directory, scheduledName(b.at));
      // Loaded when a backup is due: the encryption library stays out of a Steward that makes none.
      const { writeBackup } = await import('./backup.js');
      const r = await writeBackup({
        url: o.url,
        out,
        recipients: o.recipients?.length ? o.recipients : b.recipients,
        secrets: o.secrets,
        now: b.at,
        steward: o.steward,
      });
      return {
        file: r.file,
        bytes: r.bytes,
        rows: r.manifest.rows,
        tables: r.manifest.tables.length,
        removed: rotate(b.directory, b.keep, b.at),
      };
    },
  };
}

/** Removes all but the newest `keep` scheduled backups of `dir`, and stale partial files; the names removed. */
export function rotate(dir: string, keep: number, now: Date): string[] {
  const names = readdirSync(dir);
  const backups = names.filter((n) => NAME.test(n)).sort();
  const removed = backups.slice(0, Math.max(0, backups.length - keep));
  for (const n of names)
    if (n.startsWith('.steward-') && n.endsWith('.partial')) {
      const at = statSync(path.join(dir, n), { throwIfNoEntry: false })?.mtimeMs;
      if (at !== undefined && now.getTime() - at > STALE_PARTIAL_MS) removed.push(n);
    }
  for (const n of removed) unlinkSync(path.join(dir, n));
  return removed;
}
