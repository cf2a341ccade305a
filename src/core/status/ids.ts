// Public ids of the status page: random, lowercase letters and digits (Statuspage's shape), and
// slugs for group ids.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 12 characters from a-z0-9, unguessable and never reused (incidents, maintenances, updates). */
export function publicId(): string {
  const bytes = randomBytes(12);
  let out = '';
  // 256 is not a multiple of 36, so a–d come up a little more often: no matter for ids this long.
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

export function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}
