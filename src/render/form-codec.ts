// A form's submit target travels as a compact id (Slack callback_id/private_metadata, Discord
// modal custom_id ≤ 100 characters) and is parsed back with zod before anything runs. Whether
// the kind names a composed module's form is for the core to say.
import { z } from 'zod';
import type { FormTarget } from '../core/card.js';
import { DISCORD } from './limits.js';

const PREFIX = 'f1';
const kind = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'is not a form kind');
const nonce = z.string().regex(/^[A-Za-z0-9_-]{6,32}$/);
const number = z.coerce.number().int().positive();
const target = z.union([z.object({ kind, number, nonce }).strict(), z.object({ kind, nonce }).strict()]);

export function encodeForm(t: FormTarget): string {
  const id =
    t.number !== undefined ? [PREFIX, t.kind, t.number, t.nonce].join('|') : [PREFIX, t.kind, t.nonce].join('|');
  if (id.length > DISCORD.CUSTOM_ID) throw new Error(`form id longer than ${DISCORD.CUSTOM_ID}: ${id}`);
  return id;
}

export function decodeForm(id: string): { ok: true; target: FormTarget } | { ok: false; reason: string } {
  const parts = id.split('|');
  if (parts[0] !== PREFIX) return { ok: false, reason: 'not a Steward form' };
  const obj =
    parts.length === 3 ? { kind: parts[1], nonce: parts[2] } : { kind: parts[1], number: parts[2], nonce: parts[3] };
  const r = target.safeParse(obj);
  return r.success
    ? { ok: true, target: r.data }
    : { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}
