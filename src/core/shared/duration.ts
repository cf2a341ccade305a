// Durations ("30s", "5m", "2h", "1d", "1w", and typed ones such as "1h30m") to milliseconds and back.
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;
const ORDER: readonly Unit[] = ['w', 'd', 'h', 'm', 's'];

/** A policy duration: one positive whole number and one unit. Throws on anything else (the schema checked it). */
export function parseDuration(text: string): number {
  const m = /^([1-9]\d*)(s|m|h|d|w)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return Number(m[1]) * UNIT_MS[m[2] as Unit];
}

/**
 * A duration typed by a person: one or more parts, largest unit first, each unit at most once
 * ("30m", "2h", "1d", "1h30m", "1d 2h"); numbers may be 0 ("0m" is 0). Null when it is not one.
 */
export function readDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (!/^(\d+\s*[wdhms]\s*)+$/.test(t)) return null;
  let ms = 0;
  let last = -1;
  for (const [, n, u] of t.matchAll(/(\d+)\s*([wdhms])/g)) {
    const rank = ORDER.indexOf(u as Unit);
    if (rank <= last) return null; // "30m2h", "1h1h"
    last = rank;
    ms += Number(n) * UNIT_MS[u as Unit];
  }
  return Number.isSafeInteger(ms) ? ms : null;
}

/** 90 000 → "1m 30s"; 0 → "0s". Largest units first, at most two parts. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  for (const u of ORDER) {
    const size = UNIT_MS[u];
    const n = Math.floor(ms / size);
    if (n > 0) {
      parts.push(`${n}${u}`);
      ms -= n * size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ') || '0s';
}
