// age encryption of backups (age-encryption.org/v1, the age-encryption package): one age file per
// backup, written as a stream, so that neither the plaintext nor the whole file is ever held in
// memory and nothing is written in clear.
//
// Encryption is age-encryption's own streaming Encrypter. Reading uses its Decrypter for the
// header (which identity matches, the header MAC) and then walks the payload's STREAM chunks
// itself (ChaCha20-Poly1305 through node:crypto, HKDF-SHA-256 "payload" key, 11-byte counter and
// last-chunk flag, as the age specification defines them), so that a failure can be named: the
// chunk that fails to authenticate, and whether it is the last one.
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Decrypter, Encrypter } from 'age-encryption';
import { altered, BackupError, truncated, wrongKey } from './errors.js';

const MAGIC = 'age-encryption.org/v1\n';
const TAG = 16;
const CHUNK = 65_536;
const SEALED = CHUNK + TAG;
const NONCE = 16;
/** An age header with a few recipients is well under this. */
const MAX_HEADER = 64 * 1024;

/** `age1…` (X25519) and `age1pq1…` (hybrid post-quantum) recipients, as age-encryption takes them. */
export const RECIPIENT = /^age1[02-9ac-hj-np-z]{20,}$/;

/** Checks recipients (throws BackupError naming a bad one) and returns them without duplicates. */
export function checkRecipients(recipients: readonly string[]): string[] {
  const list = [...new Set(recipients.map((r) => r.trim()).filter(Boolean))];
  if (!list.length)
    throw new BackupError(
      'BACKUP.SETUP',
      'no backup recipient: set STEWARD_BACKUP_RECIPIENTS or backup.recipients in the policy (age public keys, age1…)',
    );
  for (const r of list) {
    try {
      if (!RECIPIENT.test(r)) throw new Error('bad');
      new Encrypter().addRecipient(r);
    } catch {
      throw new BackupError('BACKUP.SETUP', `"${r.slice(0, 16)}…" is not an age recipient (age1…)`);
    }
  }
  return list;
}

/** The ciphertext of `plain` for `recipients` (one age file), as a stream of chunks. */
export async function* encryptStream(
  recipients: readonly string[],
  plain: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const e = new Encrypter();
  for (const r of checkRecipients(recipients)) e.addRecipient(r);
  // Pulled one chunk at a time: the plaintext is produced only as fast as the file is written.
  const it = plain[Symbol.asyncIterator]();
  const source = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 1 },
  );
  const reader = (await e.encrypt(source)).getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** A payload chunk failed to authenticate. */
export class ChunkAuthError extends Error {
  constructor(
    /** Whether it was the file's last chunk. */
    readonly last: boolean,
    /** Its sealed size (the last chunk of a complete backup has a known size). */
    readonly size: number,
    /** The last chunk authenticates as a middle chunk: the file was cut at a chunk boundary. */
    readonly cutAtBoundary: boolean,
  ) {
    super('chunk authentication failed');
  }
}

export interface OpenedAge {
  /** The plaintext, chunk by chunk (each chunk authenticated before it is given). */
  plaintext: AsyncIterable<Buffer>;
  close(): Promise<void>;
}

async function readFully(fh: FileHandle, buf: Buffer, position: number, length: number): Promise<number> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

function openChunk(key: Buffer, counter: bigint, last: boolean, sealed: Buffer): Buffer | null {
  if (sealed.length < TAG) return null;
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(counter & 0xffff_ffff_ffff_ffffn, 3);
  nonce.writeUInt8(Number((counter >> 64n) & 0xffn), 2);
  nonce[11] = last ? 1 : 0;
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  const out = d.update(sealed.subarray(0, sealed.length - TAG));
  try {
    d.final();
  } catch {
    return null;
  }
  return out;
}

/**
 * Opens an age file for reading with `identities` (`AGE-SECRET-KEY-1…`). The header is checked
 * here: a file that is not age, a cut header (truncated), no matching identity (wrong key) or a
 * bad header MAC (altered) throw BackupError before any plaintext is produced. Payload chunks
 * that fail later throw ChunkAuthError from the plaintext iterator.
 */
export async function openAge(path: string, identities: readonly string[]): Promise<OpenedAge> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new BackupError('BACKUP.SETUP', `cannot read ${path}: ${err.code ?? err.message}`);
  });
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, MAX_HEADER));
    const got = await readFully(fh, head, 0, head.length);
    if (got < MAGIC.length) {
      if (MAGIC.startsWith(head.subarray(0, got).toString('latin1')) && got > 0) throw truncated('inside the header');
      throw new BackupError('BACKUP.NOT_A_BACKUP', `${path} is not an age-encrypted Steward backup`);
    }
    if (head.subarray(0, MAGIC.length).toString('latin1') !== MAGIC)
      throw new BackupError('BACKUP.NOT_A_BACKUP', `${path} is not an age-encrypted Steward backup`);
    // The header ends with its MAC line, "--- <base64>\n" (no other line of the header starts with "---").
    const macAt = head.indexOf('\n---', 0, 'latin1');
    const macEnd = macAt < 0 ? -1 : head.indexOf(10, macAt + 1);
    if (macEnd < 0) {
      if (got === size) throw truncated('inside the header');
      throw new BackupError('BACKUP.NOT_A_BACKUP', `${path}: the age header is not readable`);
    }
    const headerLength = macEnd + 1;
    const d = new Decrypter();
    for (const id of identities) d.addIdentity(id);
    let fileKey: Uint8Array;
    try {
      fileKey = await d.decryptHeader(head.subarray(0, headerLength));
    } catch (err) {
      const message = (err as Error).message;
      if (/no identity matched/.test(message)) throw wrongKey();
      throw altered(/HMAC/.test(message) ? 'header MAC' : 'header');
    }
    const nonce = Buffer.alloc(NONCE);
    if ((await readFully(fh, nonce, headerLength, NONCE)) < NONCE) throw truncated('before the payload');
    const key = Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
    const payloadAt = headerLength + NONCE;
    const payloadSize = size - payloadAt;
    if (payloadSize < TAG) throw truncated('no payload');
    // STREAM: full sealed chunks, then the last one (1 byte to a full chunk; it may itself be full).
    const rem = payloadSize % SEALED;
    const chunks = Math.floor(payloadSize / SEALED) + (rem ? 1 : 0);
    const lastSize = rem || SEALED;

    async function* plaintext(): AsyncGenerator<Buffer> {
      const sealed = Buffer.alloc(SEALED);
      for (let i = 0; i < chunks; i++) {
        const last = i === chunks - 1;
        const n = last ? lastSize : SEALED;
        const read = await readFully(fh, sealed, payloadAt + i * SEALED, n);
        if (read < n) throw truncated('the file shrank while it was read');
        const chunk = sealed.subarray(0, n);
        const out = openChunk(key, BigInt(i), last, chunk);
        if (!out) {
          const cut = last && n === SEALED && openChunk(key, BigInt(i), false, chunk) !== null;
          throw new ChunkAuthError(last, n, cut);
        }
        if (last && out.length === 0 && i > 0) throw altered('empty last chunk');
        yield out;
      }
    }
    return { plaintext: plaintext(), close: () => fh.close() };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Reads an age identity file: `AGE-SECRET-KEY-…` lines; `#` comments and blank lines are skipped. */
export function parseIdentities(text: string, file: string): string[] {
  const ids = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const bad = ids.find((l) => !/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(l));
  if (bad !== undefined || !ids.length)
    throw new BackupError('BACKUP.SETUP', `${file} is not an age identity file (AGE-SECRET-KEY-1… lines)`);
  return ids;
}
