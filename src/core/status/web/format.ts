// Text of the public page: HTML escaping (user text never becomes markup), and times in the page's
// time zone for people (`Mar 3, 2025, 09:14 CET`) and in ISO 8601 with the zone's offset for machines.
import { DateTime } from 'luxon';

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Characters XML 1.0 cannot carry at all (C0 controls but tab and line breaks, lone surrogates, U+FFFE/F). */
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for HTML content and quoted attribute values (and drops what XML cannot carry). */
export function esc(s: string): string {
  return s.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => HTML[c]!);
}

/** Plain text with its line breaks kept as <br>. */
export const escLines = (s: string) => esc(s).replace(/\r?\n/g, '<br>');

export const zoned = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone });

/** ISO 8601 in the page's time zone, with its offset (the API's times). */
export const iso = (d: Date, zone: string) => zoned(d, zone).toISO()!;

/** The zone's short name at that instant: `CET`, `EDT`, `UTC`, else `GMT+9`. */
function zoneName(d: Date, zone: string): string {
  const us = zoned(d, zone).setLocale('en-US').toFormat('ZZZZ');
  return /^GMT[+-]/.test(us) ? zoned(d, zone).setLocale('en-GB').toFormat('ZZZZ') : us;
}

/** `Mar 3, 2025, 09:14 CET`. */
export const when = (d: Date, zone: string) =>
  `${zoned(d, zone).setLocale('en-US').toFormat('LLL d, yyyy, HH:mm')} ${zoneName(d, zone)}`;
/** `09:14 CET`. */
export const clock = (d: Date, zone: string) => `${zoned(d, zone).toFormat('HH:mm')} ${zoneName(d, zone)}`;
/** `Mar 3, 2025`. */
export const day = (d: Date, zone: string) => zoned(d, zone).setLocale('en-US').toFormat('LLL d, yyyy');

/** A `<time>` element: the text for people, the instant for machines. */
export const timeEl = (d: Date, zone: string, text = when(d, zone)) =>
  `<time datetime="${esc(iso(d, zone))}">${esc(text)}</time>`;

/** `2h 10m`, `45m`, `3d 2h`, from seconds. */
export function span(seconds: number): string {
  const m = Math.round(seconds / 60);
  if (m < 1) return 'less than a minute';
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', min && !d ? `${min}m` : ''].filter(Boolean).join(' ');
}

/** `99.98 %` (two decimals, never rounded up to 100 while anything counted against it). */
export function percent(u: number): string {
  const floor = Math.floor(u * 10_000) / 100;
  return `${floor.toFixed(2)} %`;
}
