// Waiting in tests: poll a condition with a deadline instead of sleeping a fixed time.

/** Polls `probe` until it returns something other than undefined/false; the last value otherwise fails. */
export async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
