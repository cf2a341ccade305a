// Policy durations ("30s", "5m", "2h", "1d", "1w") to milliseconds and back.
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

export function parseDuration(text: string): number {
  const m = /^([1-9]\d*)(s|m|h|d|w)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** 90 000 → "1m 30s"; 0 → "0s". Largest units first, at most two parts. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  for (const [u, size] of [['w', UNIT_MS.w], ['d', UNIT_MS.d], ['h', UNIT_MS.h], ['m', UNIT_MS.m], ['s', UNIT_MS.s]] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) {
      parts.push(`${n}${u}`);
      ms -= n * size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ') || '0s';
}
