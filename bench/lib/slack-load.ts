// Sends signed Slack slash commands over keep-alive HTTP and times each one.
import { createHmac } from 'node:crypto';
import http from 'node:http';

export interface Target {
  port: number;
  secret: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function slashBody(command: string, text: string, userId = 'U0ALICE'): string {
  return new URLSearchParams({
    token: 'bench',
    team_id: 'T0STEWARD',
    team_domain: 'bench',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: userId,
    user_name: 'alice',
    command,
    text,
    api_app_id: 'A0STEWARD',
    is_enterprise_install: 'false',
    response_url: 'http://127.0.0.1:9/response',
    trigger_id: '1.2.bench',
  }).toString();
}

export function send(t: Target, body: string): Promise<{ status: number; ms: number; bytes: number }> {
  const ts = Math.floor(Date.now() / 1000);
  const sig = 'v0=' + createHmac('sha256', t.secret).update(`v0:${ts}:${body}`).digest('hex');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      {
        host: '127.0.0.1',
        port: t.port,
        path: '/slack/events',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': sig,
        },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function sequential(t: Target, body: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await send(t, body);
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    out.push(r.ms);
  }
  return out;
}

/** `rounds` bursts of `width` concurrent requests. */
export async function concurrent(t: Target, body: string, width: number, rounds: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const rs = await Promise.all(Array.from({ length: width }, () => send(t, body)));
    for (const r of rs) {
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      out.push(r.ms);
    }
  }
  return out;
}

export function closeAgent() {
  agent.destroy();
}
