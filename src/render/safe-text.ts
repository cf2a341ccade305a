// Neutralises mass mentions in user-written text on every platform.
// A zero-width space after "@" keeps the text readable but stops the platform from parsing a ping.
const MASS = /@(channel|here|everyone|group)\b/gi;
export const ZWSP = '\u200b';

export function defuseMassMentions(s: string): string {
  return s.includes('@') ? s.replace(MASS, `@${ZWSP}$1`) : s;
}
