// `steward change wait CHG-n`: a pipeline step that waits until its change may go ahead. Polls
// GET /api/v1/changes/CHG-n (at once, then every 2 s) and prints one line per state on stdout:
// exit 0 once approved and inside its window (an early approval waits for the window to open),
// 1 when rejected, cancelled, expired, over or past its window, 2 on timeout, an unknown change,
// a refused token, or a Steward that cannot be reached. The reason of a non-zero exit goes to stderr.
import { readDuration, formatDuration } from '../../core/shared/duration.js';

export interface WaitIO {
  out(s: string): void;
  err(s: string): void;
}

export interface WaitRequest {
  /** `CHG-n`. */
  ref: string;
  /** Base URL of Steward, e.g. http://127.0.0.1:3000. */
  base: string;
  token: string;
  /** How long to wait at most ("30m", "2h", "1h30m"). */
  timeout: string;
  /** Between polls (2 s). */
  pollMs?: number;
  /** A Steward that stops answering after it has answered is retried this long (30 s). */
  unreachableMs?: number;
}

/** The part of the API's change JSON (src/adapters/http/changes.ts) this command reads. */
interface ChangeAnswer {
  id: string;
  state: string;
  approval: string;
  phase: string;
  tally: string;
  window: { start: string; end: string };
  waitingOn: string[];
  approvals: { person: string; decision: string; reason: string | null }[];
}

type Poll =
  | { kind: 'change'; change: ChangeAnswer }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'refused'; reason: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function changeWait(w: WaitRequest, io: WaitIO): Promise<number> {
  const m = /^CHG-(\d+)$/i.exec(w.ref);
  if (!m) return fail(io, `name the change like CHG-7 (got "${w.ref}")`);
  const ref = `CHG-${Number(m[1])}`;
  const timeoutMs = readDuration(w.timeout);
  if (!timeoutMs) return fail(io, `--timeout must be a length such as 30m, 2h or 1h30m (got "${w.timeout}")`);
  const pollMs = w.pollMs ?? 2_000;
  const unreachableMs = w.unreachableMs ?? 30_000;
  const url = `${w.base.replace(/\/+$/, '')}/api/v1/changes/${ref}`;
  const deadline = Date.now() + timeoutMs;

  let printed = '';
  const say = (key: string, line: string) => {
    if (key === printed) return;
    printed = key;
    io.out(line);
  };
  let answeredAt: number | null = null;
  let last: ChangeAnswer | undefined;

  for (;;) {
    const r = await poll(url, w.token);
    const now = Date.now();
    if (r.kind === 'refused') {
      io.err(r.reason);
      return 2;
    }
    if (r.kind === 'unreachable') {
      // Not even one answer, or none for a while: give up. A restart in between is waited out.
      if (answeredAt === null || now - answeredAt >= unreachableMs) {
        io.err(`cannot reach Steward at ${url} (${r.reason})`);
        return 2;
      }
    } else {
      answeredAt = now;
      const c = (last = r.change);
      const start = Date.parse(c.window.start);
      const end = Date.parse(c.window.end);
      const window = `window ${c.window.start} → ${c.window.end}`;
      if (c.approval === 'rejected') {
        say('rejected', `${ref} rejected · ${c.tally}`);
        const by = c.approvals.find((a) => a.decision === 'reject');
        io.err(`${ref} was rejected${by ? ` by ${by.person}${by.reason ? `: ${by.reason}` : ''}` : ''}`);
        return 1;
      }
      if (c.approval === 'expired' || ['cancelled', 'completed', 'rolled_back'].includes(c.phase)) {
        say(c.state, `${ref} ${c.state.replace('_', ' ')} · ${c.tally}`);
        io.err(
          c.approval === 'expired'
            ? `${ref} expired: nobody decided in time`
            : `${ref} is ${c.state.replace('_', ' ')}: it will not go ahead`,
        );
        return 1;
      }
      if (c.approval === 'approved') {
        if (c.phase === 'in_progress') {
          say('in_progress', `${ref} approved and in progress · ${window}`);
          return 0;
        }
        if (now >= end) {
          say('passed', `${ref} approved · ${window} passed`);
          io.err(`${ref} was approved, but its window ended at ${c.window.end}: request a new change`);
          return 1;
        }
        if (now >= start) {
          say('open', `${ref} approved · ${c.tally} · ${window}: open`);
          return 0;
        }
        say('early', `${ref} approved · ${c.tally} · ${window}: opens in ${formatDuration(start - now)}`);
      } else {
        const waiting = c.waitingOn.length ? ` · waiting on ${c.waitingOn.join(', ')}` : '';
        say(`${c.state}`, `${ref} ${c.state.replace('_', ' ')} · ${c.tally}${waiting}`);
      }
    }
    if (now >= deadline) {
      const where = !last
        ? 'Steward did not answer'
        : last.approval === 'approved'
          ? `${ref} is approved, its window opens at ${last.window.start}`
          : `${ref} is still ${last.state.replace('_', ' ')} (${last.tally})`;
      io.err(`timed out after ${formatDuration(timeoutMs)}: ${where}`);
      return 2;
    }
    // The next poll; sooner when the window opens first.
    const opens = last?.approval === 'approved' ? Date.parse(last.window.start) - now : Infinity;
    await sleep(Math.min(pollMs, deadline - now, opens));
  }
}

async function poll(url: string, token: string): Promise<Poll> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    return {
      kind: 'unreachable',
      reason: (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message,
    };
  }
  const body = (await res.json().catch(() => ({}))) as Partial<ChangeAnswer> & {
    error?: string;
    detail?: string;
    retryAfter?: number;
  };
  if (res.status === 200 && typeof body.state === 'string' && body.window)
    return { kind: 'change', change: body as ChangeAnswer };
  if (res.status >= 500) return { kind: 'unreachable', reason: `HTTP ${res.status}` };
  if (res.status === 404)
    return { kind: 'refused', reason: `Steward answered 404: ${body.detail ?? 'no such change'}` };
  if (res.status === 429)
    return {
      kind: 'refused',
      reason: `Steward answered 429: too many failed attempts; retry in ${body.retryAfter ?? res.headers.get('retry-after')}s`,
    };
  return {
    kind: 'refused',
    reason: `Steward answered ${res.status}: ${body.error ?? 'error'}${body.detail ? `: ${body.detail}` : ''}`,
  };
}

function fail(io: WaitIO, message: string): number {
  io.err(message);
  return 2;
}
