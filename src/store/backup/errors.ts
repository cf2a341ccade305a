// Expected failures of backups and restores: each a code and a one-line message naming the cause.

export type BackupErrorCode =
  /** The file was not encrypted to any identity given. */
  | 'BACKUP.WRONG_KEY'
  /** The file ends before the backup does. */
  | 'BACKUP.TRUNCATED'
  /** Authentication failed: the file was changed after it was written. */
  | 'BACKUP.ALTERED'
  /** Decrypted and authentic, but not a backup this Steward can read (a hostile or foreign file). */
  | 'BACKUP.MALFORMED'
  /** Not an age-encrypted file at all. */
  | 'BACKUP.NOT_A_BACKUP'
  /** Made by a newer Steward (or one whose migrations this Steward does not have). */
  | 'BACKUP.SCHEMA'
  /** The restore target holds rows. */
  | 'BACKUP.NOT_EMPTY'
  /** No recipient, a bad recipient, a bad identity file, an existing output file. */
  | 'BACKUP.SETUP'
  /** A value from the environment's secrets was found in the data: nothing is written. */
  | 'BACKUP.SECRET';

export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export const wrongKey = () =>
  new BackupError('BACKUP.WRONG_KEY', "wrong key: no identity matches the file's recipients");
export const truncated = (detail?: string) =>
  new BackupError('BACKUP.TRUNCATED', `file truncated${detail ? ` (${detail})` : ''}`);
export const altered = (detail?: string) =>
  new BackupError('BACKUP.ALTERED', `file altered: authentication failed${detail ? ` (${detail})` : ''}`);
export const malformed = (detail: string) =>
  new BackupError('BACKUP.MALFORMED', `not a valid Steward backup: ${detail}`);
