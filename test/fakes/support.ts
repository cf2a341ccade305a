/**
 * Shared plumbing for the wire-level fakes (Slack, Discord): body parsing,
 * JSON responses, a call log that tests can wait on, and id helpers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A file part received in a multipart/form-data body. */
export interface UploadedFile {
  /** Form field name, e.g. `files[0]` (Discord) or `file` (Slack). */
  field: string;
  filename: string;
  contentType: string;
  size: number;
  data: Buffer;
}

export interface ParsedBody {
  /** Decoded fields (form or JSON). For Discord multipart this is the parsed `payload_json`. */
  fields: Record<string, any>;
  files: UploadedFile[];
  raw: Buffer;
  contentType: string;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Parses JSON, form-encoded and multipart bodies. Multipart parsing goes through the
 * platform `Request` implementation so boundaries and encodings are handled exactly as
 * a real server would.
 */
export async function parseBody(raw: Buffer, contentTypeHeader: string | undefined): Promise<ParsedBody> {
  const contentType = contentTypeHeader ?? '';
  const result: ParsedBody = { fields: {}, files: [], raw, contentType };
  if (raw.length === 0) return result;
  const ct = contentType.toLowerCase();
  if (ct.includes('application/json')) {
    const text = raw.toString('utf8');
    try {
      const parsed = JSON.parse(text);
      result.fields = parsed !== null && typeof parsed === 'object' ? parsed : { value: parsed };
    } catch {
      result.fields = { __unparsed: text };
    }
    return result;
  }
  if (ct.includes('multipart/form-data')) {
    const request = new Request('http://fake.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(raw),
    });
    const form = await request.formData();
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        result.fields[field] = value;
      } else {
        const data = Buffer.from(await value.arrayBuffer());
        result.files.push({
          field,
          filename: value.name,
          contentType: value.type || 'application/octet-stream',
          size: data.length,
          data,
        });
      }
    }
    return result;
  }
  // application/x-www-form-urlencoded (also the default when no content type is sent)
  const params = new URLSearchParams(raw.toString('utf8'));
  for (const [k, v] of params.entries()) result.fields[k] = v;
  return result;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    })
    .end(text);
}

interface Waiter<T> {
  predicate: (item: T) => boolean;
  resolve: (item: T) => void;
}

/**
 * An append-only log of observed items (API calls, responses, frames) with
 * "first match already recorded, else the next one to arrive" waiting.
 */
export class CallLog<T extends { seq: number }> {
  readonly items: T[] = [];
  private waiters: Array<Waiter<T>> = [];
  private nextSeq = 0;

  constructor(private readonly describe: (item: T) => string) {}

  /** Sequence number the next recorded item will get (use as a mark: `item.seq >= mark`). */
  get mark(): number {
    return this.nextSeq;
  }

  push(item: Omit<T, 'seq'>): T {
    const full = { ...item, seq: this.nextSeq++ } as T;
    this.items.push(full);
    return full;
  }

  /** Notifies waiters; call after the item is complete (e.g. its response is known). */
  notify(item: T): void {
    const remaining: Array<Waiter<T>> = [];
    for (const w of this.waiters) {
      let matched = false;
      try {
        matched = w.predicate(item);
      } catch {
        matched = false;
      }
      if (matched) w.resolve(item);
      else remaining.push(w);
    }
    this.waiters = remaining;
  }

  find(predicate: (item: T) => boolean): T | undefined {
    return this.items.find((i) => {
      try {
        return predicate(i);
      } catch {
        return false;
      }
    });
  }

  waitFor(predicate: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const existing = this.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        predicate,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.items.length
          ? this.items.map((i) => `  #${i.seq} ${this.describe(i)}`).join('\n')
          : '  (none)';
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Seen so far:\n${seen}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  clear(): void {
    this.items.length = 0;
  }

  /** Drops pending waiters (they never resolve); used on close. */
  dropWaiters(): void {
    this.waiters = [];
  }
}

/** Truncates long JSON for error messages. */
export function brief(value: unknown, max = 160): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function randomHex(bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return out;
}

export function randomDigits(n: number): string {
  let out = String(1 + Math.floor(Math.random() * 9));
  while (out.length < n) out += String(Math.floor(Math.random() * 10));
  return out;
}
