// Small HTTP helpers shared by the routes: JSON answers, bounded request bodies, JSON bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** A request that cannot be read: its answer (status and JSON body). */
export interface BodyProblem {
  status: 400 | 413 | 415;
  body: { error: string; detail: string };
}

export type BodyResult<T> = { ok: true; value: T } | { ok: false; problem: BodyProblem };

/** 64 KiB: plenty for a JSON command; routes taking reports pass their own limit. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** The whole body, refused (413) as soon as it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<BodyResult<Buffer>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return { ok: false, problem: tooLarge(limit) };
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Stop keeping it; the rest is drained (not destroyed) so the answer can still be sent.
      req.off('data', onData);
      req.resume();
      resolve({ ok: false, problem: tooLarge(limit) });
    };
    req.on('data', onData);
    req.once('end', () => resolve({ ok: true, value: Buffer.concat(chunks) }));
    req.once('error', reject);
  });
}

const tooLarge = (limit: number): BodyProblem => ({
  status: 413,
  body: { error: 'body too large', detail: `at most ${limit} bytes` },
});

/**
 * A JSON body checked against `schema`; an empty body is `undefined` (the schema decides whether
 * that is allowed). Anything but JSON is refused with 415, malformed JSON or a mismatch with 400.
 */
export async function readJson<S extends z.ZodType>(
  req: IncomingMessage,
  schema: S,
  limit = DEFAULT_BODY_LIMIT,
): Promise<BodyResult<z.output<S>>> {
  const body = await readBody(req, limit);
  if (!body.ok) return body;
  const text = body.value.toString('utf8').trim();
  let value: unknown;
  if (text) {
    const [mediaType = ''] = String(req.headers['content-type'] ?? 'application/json').split(';');
    if (mediaType.trim().toLowerCase() !== 'application/json')
      return {
        ok: false,
        problem: { status: 415, body: { error: 'unsupported media type', detail: 'send application/json' } },
      };
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { ok: false, problem: { status: 400, body: { error: 'invalid JSON', detail: (err as Error).message } } };
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    return { ok: false, problem: { status: 400, body: { error: 'invalid request', detail } } };
  }
  return { ok: true, value: parsed.data };
}
