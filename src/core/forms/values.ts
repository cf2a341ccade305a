// What every form builder takes: a fresh nonce per opened form, and the values typed so far.
import { randomBytes } from 'node:crypto';

/** A form's nonce: its submission's idempotency key (kept when the form reopens after errors). */
export const newNonce = () => randomBytes(9).toString('base64url');

/** Values typed so far (a form opened again after field errors), by field id. */
export type Initial = Record<string, string | undefined>;
