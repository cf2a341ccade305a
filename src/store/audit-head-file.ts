// The last verified audit head, remembered in a file outside the database (STEWARD_AUDIT_HEAD_FILE)
// so that verification notices a log rolled back to an earlier, self-consistent state.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseHead, type KnownHead } from '../core/audit/audit.js';
import type { AuditHead } from '../core/ports.js';

export class AuditHeadFileError extends Error {
  readonly code = 'AUDIT.HEAD_FILE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AuditHeadFileError';
  }
}

export class AuditHeadFile {
  constructor(readonly path: string) {}

  /** The remembered head, or null when the file does not exist yet. */
  read(): KnownHead | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new AuditHeadFileError(`${this.path}: cannot read the remembered audit head (${(err as Error).message})`);
    }
    const head = parseHead(text.split('\n')[0] ?? '');
    if (typeof head === 'string') throw new AuditHeadFileError(`${this.path}: not a remembered audit head: ${head}`);
    return { head, source: `the head file ${this.path}` };
  }

  /**
   * Remembers `head` unless the file already holds a later one (another verification got further
   * meanwhile). The file is replaced atomically.
   */
  remember(head: AuditHead, at: Date): void {
    const current = this.read();
    if (current && current.head.seq > head.seq) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${head.seq}:${head.hash}\nverified ${at.toISOString()}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
