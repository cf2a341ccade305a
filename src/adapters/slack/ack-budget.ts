// Slack drops an acknowledgement that takes over 3 s: commands and modal submissions answer in the
// acknowledgement only what is ready within this budget, and deliver the rest afterwards.

/** How long a command or submission may take before it is acknowledged without its answer. */
export const ACK_BUDGET_MS = 2_500;

/** What `pending` resolves to if it does so within ACK_BUDGET_MS, else 'late' (it keeps running). */
export async function withinAckBudget<T>(pending: Promise<T>): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, ACK_BUDGET_MS, 'late')));
  try {
    return await Promise.race([pending, late]);
  } finally {
    clearTimeout(timer);
  }
}
