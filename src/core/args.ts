// Argument schemas shared by the modules' operations: ids, free text, numbered references.
import { z } from 'zod';

export const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be an id such as payments-api');

/** Non-empty text of at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1, 'is empty').max(max, `is longer than ${max} characters`);

const digits = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);

/** A positive number given as a number or digits (`7`), or with its prefix (`INC-7`, `PAGE-12`). */
export const numberRef = (prefix?: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && prefix ? digits(v.replace(new RegExp(`^${prefix}-`, 'i'), '')) : digits(v)),
    z.number().int().positive(),
  );

/** A whole number ≥ 0 given as a number or digits. */
export const count = z.preprocess(digits, z.number().int().min(0));

/** A person as typed: a mention, a person id or @name (resolved by the use case). */
export const personRef = z.string().min(1).max(120);
