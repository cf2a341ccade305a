/**
 * Shared plumbing for the wire-level fakes (Slack, Discord): body parsing,
 * JSON responses, a call log that tests can wait on, and id helpers.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

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
      let matched: boolean;
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
  for (let i = 0; i < bytes; i++)
    out += Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0');
  return out;
}

export function randomDigits(n: number): string {
  let out = String(1 + Math.floor(Math.random() * 9));
  while (out.length < n) out += String(Math.floor(Math.random() * 10));
  return out;
}

/**
 * The HTTP server and WebSocket endpoint under each fake: listens on 127.0.0.1 with a random port,
 * upgrades one path to WebSocket (other upgrade paths are refused), and closes every connection.
 */
export class WireServer {
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly openSockets = new Set<Socket>();
  private port = 0;

  constructor(options: {
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    /** Answer for a handler that threw (a bug in the fake, shown to the client). */
    crashed: (res: ServerResponse, err: unknown) => void;
    socketPath: string;
    onSocket: (ws: WebSocket) => void;
  }) {
    this.server = http.createServer((req, res) => {
      options.handle(req, res).catch((err: unknown) => options.crashed(res, err));
    });
    this.server.on('connection', (socket) => {
      this.openSockets.add(socket);
      socket.on('close', () => this.openSockets.delete(socket));
    });
    this.server.on('upgrade', (req, socket, head) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== options.socketPath && path !== `${options.socketPath}/`) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => options.onSocket(ws));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsBaseUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Stops accepting, then cuts every HTTP and WebSocket connection still open. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.openSockets) s.destroy();
    await closing;
  }
}

/** Failures injected by a test: the first rule that matches a call and has calls left is used up. */
export class FailureQueue<F extends { remaining: number }> {
  private rules: F[] = [];

  add(rule: F): void {
    this.rules.push(rule);
  }

  take(matches: (rule: F) => boolean): F | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && matches(r));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }
}
